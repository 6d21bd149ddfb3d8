"""A real HttpServer on a free 127.0.0.1 port with small limits and short deadlines, and a raw-socket
client that sends exact bytes and reads until the server closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from vpcgate.http.limits import ServerLimits
from vpcgate.http.message import HttpRequest, HttpResponse
from vpcgate.http.server import HttpServer

LIMITS = ServerLimits(
    max_body=1000,
    max_target=200,
    max_header_values=400,
    max_headers=10,
    max_head=2048,
    header_timeout=0.4,
    body_timeout=0.4,
    keep_alive_timeout=0.4,
    send_timeout=0.4,
    max_pipeline=4,
    linger_timeout=0.5,
)


async def echo(request: HttpRequest) -> HttpResponse:
    """Echoes what the server parsed; ``/slow?s`` sleeps s seconds first; ``/split`` tries a CRLF."""
    if request.path == "/slow":
        await asyncio.sleep(float(request.query or "0.2"))
    if request.path == "/split":
        return HttpResponse.of(200, b"x", [("X-Bad", "a\r\nX-Evil: 1")])
    if request.path == "/big":
        return HttpResponse.of(200, b"x" * int(request.query))
    if request.path == "/close":
        return HttpResponse.of(200, b"bye", [("Connection", "close")])
    hosts = request.headers.get_all("host")
    names = [name for name, _ in request.headers]
    line = f"{request.method} {request.path}?{request.query} v{request.http_version}"
    body = f"{line} host={hosts} show={request.headers.get('x-show')!r} {names} {request.body!r}"
    return HttpResponse.of(200, body.encode())


@dataclass
class Served:
    server: HttpServer
    address: tuple[str, int]


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    server = HttpServer(echo, limits=LIMITS)
    await server.serve("127.0.0.1", 0)
    yield Served(server, server.address)
    await server.shutdown(1.0)


Exchange = Callable[..., Awaitable[bytes]]


async def exchange(
    address: tuple[str, int], raw: bytes | list[bytes], *, pause: float = 0.0, limit: float = 3.0
) -> bytes:
    """Send ``raw`` (pieces ``pause`` seconds apart), then read until the server closes; fails if
    it does not close within ``limit`` seconds."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        for piece in [raw] if isinstance(raw, bytes) else raw:
            try:
                writer.write(piece)
                await writer.drain()
            except ConnectionError:  # the server has already answered and closed
                break
            if pause:
                await asyncio.sleep(pause)
        return await asyncio.wait_for(_read_to_end(reader), limit)
    finally:
        writer.close()


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    """Everything until the server closes (what arrived before a reset included)."""
    data = b""
    try:
        while chunk := await reader.read(65536):
            data += chunk
    except ConnectionError:
        pass
    return data
