"""Mutated requests over a real socket: whatever the bytes, the server answers with a status it
owns (never a 500 from itself), closes or keeps the connection coherently, and never hangs."""

from __future__ import annotations

import asyncio
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.http.conftest import LIMITS, echo
from vpcgate.http.limits import ServerLimits
from vpcgate.http.server import HttpServer

LAST = b"GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
BASES = [
    b"POST /a?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + LAST,
    b"POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" + LAST,
    b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + LAST,
]
TOKENS = [b"\r", b"\n", b"\r\n", b" ", b"\t", b":", b",", b"\x00", b"0", b"5", b"a", b"chunked", b"\r\n\r\n"]
FAST = ServerLimits(
    **{**LIMITS.__dict__, "header_timeout": 0.05, "body_timeout": 0.05, "linger_timeout": 0.05}
)
ALLOWED = {b"200", b"400", b"408", b"413", b"414", b"417", b"431", b"505"}


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        token = draw(st.sampled_from(TOKENS))
        if op == "insert":
            data[at:at] = token
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at : at + len(token)] = token
    return bytes(data)


async def _scenario(raw: bytes, split: int) -> bytes:
    server = HttpServer(echo, limits=FAST)
    await server.serve("127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection(*server.address)
        try:
            writer.write(raw[:split])
            await writer.drain()
            writer.write(raw[split:])
            data = b""
            while chunk := await asyncio.wait_for(reader.read(65536), 2):
                data += chunk
        except ConnectionError:
            pass
        finally:
            writer.close()
        return data
    finally:
        await server.shutdown(1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated(), split=st.integers(0, 120))
def test_mutated_requests_get_a_status_the_server_owns(raw: bytes, split: int) -> None:
    data = asyncio.run(_scenario(raw, split))
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", data)
    assert set(statuses) <= ALLOWED, data
    assert all(s == b"200" for s in statuses[:-1]), data  # an error is always the last answer
