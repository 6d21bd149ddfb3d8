"""Sizes (413 / 414 / 431) and deadlines (408, quiet close) over raw sockets, with the small limits
and 0.4 s deadlines of ``conftest.LIMITS``."""

from __future__ import annotations

import asyncio
import time

from tests.integration.http.conftest import LIMITS, Served, exchange

H = b"Host: h\r\n"


async def test_target_over_max_target_gets_414(served: Served) -> None:
    data = await exchange(
        served.address, b"GET /" + b"a" * LIMITS.max_target + b" HTTP/1.1\r\n" + H + b"\r\n"
    )
    assert data.startswith(b"HTTP/1.1 414 Request-URI Too Long\r\n") and b"Connection: close" in data


async def test_target_at_max_target_is_served(served: Served) -> None:
    target = b"/" + b"a" * (LIMITS.max_target - 1)
    data = await exchange(
        served.address, b"GET " + target + b" HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n"
    )
    assert data.startswith(b"HTTP/1.1 200 OK")


async def test_header_values_over_the_sum_get_431(served: Served) -> None:
    fields = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 100) for i in range(5))
    data = await exchange(served.address, b"GET / HTTP/1.1\r\n" + H + fields + b"\r\n")
    assert data.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")


async def test_too_many_header_fields_get_431(served: Served) -> None:
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(LIMITS.max_headers))
    data = await exchange(served.address, b"GET / HTTP/1.1\r\n" + H + fields + b"\r\n")
    assert data.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")


async def test_an_endless_header_is_refused_without_buffering_it(served: Served) -> None:
    # A header value that never ends: the server answers once max_head bytes arrived, not at the end.
    start = b"GET / HTTP/1.1\r\n" + H + b"X-Long: "
    data = await exchange(served.address, [start] + [b"v" * 1024] * 64)
    assert data.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")


async def test_declared_body_over_max_body_gets_413_before_it_is_sent(served: Served) -> None:
    raw = (
        b"POST / HTTP/1.1\r\n"
        + H
        + b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (LIMITS.max_body + 1)
    )
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
    assert b"100 Continue" not in data and data.endswith(b'{"message":"Request Too Long"}')


async def test_chunked_body_over_max_body_gets_413(served: Served) -> None:
    chunk = b"%x\r\n%s\r\n" % (400, b"x" * 400)
    raw = b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 3 + b"0\r\n\r\n"
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")


async def test_body_at_max_body_is_served(served: Served) -> None:
    raw = b"POST / HTTP/1.1\r\n" + H + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % LIMITS.max_body
    data = await exchange(served.address, raw + b"x" * LIMITS.max_body)
    assert data.startswith(b"HTTP/1.1 200 OK")


async def test_a_connection_that_sends_nothing_is_closed_quietly(served: Served) -> None:
    start = time.monotonic()
    data = await exchange(served.address, b"")
    assert data == b"" and 0.3 < time.monotonic() - start < 2


async def test_slowloris_head_gets_408_at_the_deadline_however_it_drips(served: Served) -> None:
    drip = [b"GET / HTTP/1.1\r\n"] + [b"X-%d: v\r\n" % i for i in range(9)]  # one line every 0.1 s
    start = time.monotonic()
    data = await exchange(served.address, drip, pause=0.1)
    assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n") and b"Connection: close" in data
    assert time.monotonic() - start < 1.5


async def test_slow_body_gets_408(served: Served) -> None:
    raw = b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 10\r\n\r\nabc"
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n")


async def test_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout(served: Served) -> None:
    reader, writer = await asyncio.open_connection(*served.address)
    writer.write(b"GET / HTTP/1.1\r\n" + H + b"\r\n")
    first = await reader.readuntil(b"b''")
    assert first.startswith(b"HTTP/1.1 200 OK") and b"Connection" not in first
    start = time.monotonic()
    rest = await asyncio.wait_for(reader.read(), 2)
    writer.close()
    assert rest == b"" and 0.3 < time.monotonic() - start < 1.5


async def test_a_slow_handler_is_not_a_slow_client(served: Served) -> None:
    # The deadlines bound the client's sending, never the handler's work (here 0.6 s > 0.4 s).
    raw = b"GET /slow?0.6 HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n"
    data = await exchange(served.address, raw)
    assert data.startswith(b"HTTP/1.1 200 OK")


async def test_endless_chunk_extensions_get_413(served: Served) -> None:
    # llhttp skips chunk extensions without keeping them; their bytes are still bounded.
    start = b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1;ext="
    data = await exchange(served.address, [start] + [b"v" * 500] * 8)
    assert data.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")


async def test_a_client_that_never_reads_is_aborted(served: Served) -> None:
    _reader, writer = await asyncio.open_connection(*served.address)
    writer.write(b"GET /big?30000000 HTTP/1.1\r\n" + H + b"\r\n")  # more than the kernel buffers hold
    await asyncio.sleep(0.1)
    assert served.server.connections == 1
    for _ in range(30):
        await asyncio.sleep(0.1)
        if served.server.connections == 0:
            break
    assert served.server.connections == 0
    writer.close()


async def test_a_slow_reader_that_reads_is_not_aborted(served: Served) -> None:
    reader, writer = await asyncio.open_connection(*served.address)
    writer.write(b"GET /big?3000000 HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    received = 0
    while chunk := await asyncio.wait_for(reader.read(200_000), 2):
        received += len(chunk)
        await asyncio.sleep(0.05)  # ~4 MB/s: slower than the server writes, never stalled 0.4 s
    writer.close()
    assert received > 3_000_000
