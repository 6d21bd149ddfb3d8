"""vpcgate.http.server over real sockets (it serves the Runtime API and the Invoke API)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from vpcgate.http.message import HttpRequest, HttpResponse
from vpcgate.http.server import HttpServer


async def _echo(request: HttpRequest) -> HttpResponse:
    if request.path == "/boom":
        raise RuntimeError("secret detail")
    seen = request.headers.get_all("X-A")
    body = f"{request.method} {request.path}?{request.query} {len(request.body)} {seen}"
    return HttpResponse.of(200, body.encode(), [("X-Multi", "1"), ("X-Multi", "2")])


@pytest.fixture
async def address() -> AsyncIterator[tuple[str, int]]:
    server = HttpServer(_echo, max_body=1000)
    await server.serve("127.0.0.1", 0)
    yield server.address
    await server.close()


async def _exchange(address: tuple[str, int], raw: bytes, *, until_close: bool = True) -> bytes:
    reader, writer = await asyncio.open_connection(*address)
    writer.write(raw)
    await writer.drain()
    data = await asyncio.wait_for(reader.read() if until_close else reader.read(65536), 5)
    writer.close()
    return data


async def test_pipelined_requests_are_answered_in_order(address: tuple[str, int]) -> None:
    raw = (
        b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-A: 2\r\n\r\n"
        b"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    )
    data = await _exchange(address, raw)
    assert data.count(b"HTTP/1.1 200 OK") == 3
    first, second, third = (
        data.index(s) for s in (b"GET /a?x=1 0 ['1', '2']", b"POST /b? 3 []", b"GET /c? 0 []")
    )
    assert first < second < third
    assert b"X-Multi: 1\r\nX-Multi: 2\r\n" in data
    assert b"Connection: close" in data


async def test_chunked_body_and_expect_continue(address: tuple[str, int]) -> None:
    raw = (
        b"POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    data = await _exchange(address, raw)
    assert data.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")
    assert data.endswith(b"POST /up? 5 []")


async def test_errors_never_leak_details(address: tuple[str, int]) -> None:
    data = await _exchange(address, b"GET /boom HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 500 Internal Server Error") and b"secret" not in data
    data = await _exchange(address, b"NONSENSE\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 Bad Request")
    big = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000
    data = await _exchange(address, big)
    assert data.startswith(b"HTTP/1.1 413 Request Entity Too Large")
