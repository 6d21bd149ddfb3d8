"""Keep-alive, pipelining, HTTP/1.0 and Expect: 100-continue over raw sockets."""

from __future__ import annotations

import asyncio

from tests.integration.http.conftest import Served, exchange

H = b"Host: h\r\n"


async def test_pipelined_responses_come_in_request_order(served: Served) -> None:
    raw = (
        b"GET /slow?0.3 HTTP/1.1\r\n" + H + b"\r\n"
        b"POST /b HTTP/1.1\r\n" + H + b"Content-Length: 3\r\n\r\nabc"
        b"GET /slow?0.01 HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n"
    )
    data = await exchange(served.address, raw)
    assert data.count(b"HTTP/1.1 200 OK") == 3
    first, second, third = (data.index(s) for s in (b"GET /slow?0.3", b"POST /b? v1.1", b"GET /slow?0.01"))
    assert first < second < third
    assert data.count(b"Connection: close") == 1 and data.index(b"Connection: close") > second


async def test_many_pipelined_requests_are_all_answered(served: Served) -> None:
    # More than max_pipeline (4) at once: reading pauses and resumes, nothing is lost.
    raw = b"".join(b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % i for i in range(20))
    data = await exchange(served.address, raw + b"GET /last HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    assert data.count(b"HTTP/1.1 200 OK") == 21
    positions = [data.index(b"GET /%d?" % i) for i in range(20)]
    assert positions == sorted(positions)


async def test_nothing_is_read_after_connection_close(served: Served) -> None:
    raw = b"GET /a HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\nGET /b HTTP/1.1\r\n" + H + b"\r\n"
    data = await exchange(served.address, raw)
    assert data.count(b"HTTP/1.1 200 OK") == 1 and b"GET /b" not in data


async def test_handler_asking_to_close_closes(served: Served) -> None:
    raw = b"GET /close HTTP/1.1\r\n" + H + b"\r\nGET /b HTTP/1.1\r\n" + H + b"\r\n"
    data = await exchange(served.address, raw)
    assert data.count(b"HTTP/1.1 200 OK") == 1 and data.count(b"Connection: close") == 1
    await asyncio.sleep(0.2)  # the client has closed: so has the server (the queued /b is dropped)
    assert served.server.connections == 0


async def test_http10_without_keep_alive_is_closed(served: Served) -> None:
    data = await exchange(served.address, b"GET /x HTTP/1.0\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK") and b"Connection: close\r\n" in data
    assert b"GET /x? v1.0 host=[]" in data


async def test_http10_keep_alive_stays_open_and_says_so(served: Served) -> None:
    reader, writer = await asyncio.open_connection(*served.address)
    for path in (b"/one", b"/two"):
        writer.write(b"GET " + path + b" HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
        assert b"Connection: keep-alive\r\n" in head
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        assert path in await reader.readexactly(length)
    writer.close()


async def test_expect_100_continue_then_body(served: Served) -> None:
    reader, writer = await asyncio.open_connection(*served.address)
    writer.write(
        b"POST /up HTTP/1.1\r\n"
        + H
        + b"Expect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
    )
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(b"hello")
    data = await asyncio.wait_for(reader.read(), 2)
    writer.close()
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"b'hello'")


async def test_100_continue_waits_for_the_responses_before_it(served: Served) -> None:
    reader, writer = await asyncio.open_connection(*served.address)
    writer.write(
        b"GET /slow?0.3 HTTP/1.1\r\n" + H + b"\r\n"
        b"POST /up HTTP/1.1\r\n"
        + H
        + b"Expect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
    )
    first = await asyncio.wait_for(reader.readuntil(b"b''"), 2)
    assert first.startswith(b"HTTP/1.1 200 OK") and b"/slow" in first
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(b"ok")
    data = await asyncio.wait_for(reader.read(), 2)
    writer.close()
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"b'ok'")


async def test_a_half_closed_client_still_gets_its_answers(served: Served) -> None:
    reader, writer = await asyncio.open_connection(*served.address)
    writer.write(b"GET /slow?0.2 HTTP/1.1\r\n" + H + b"\r\nGET /second HTTP/1.1\r\n" + H + b"\r\n")
    writer.write_eof()
    data = await asyncio.wait_for(reader.read(), 2)
    writer.close()
    assert data.count(b"HTTP/1.1 200 OK") == 2 and data.index(b"/slow") < data.index(b"/second")
    assert data.count(b"Connection: close") == 1
