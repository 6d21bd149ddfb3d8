"""HttpServer.shutdown: stop accepting, close idle connections, finish what is in flight, abort
what outlives the deadline."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.integration.http.conftest import LIMITS, echo
from vpcgate.http.server import HttpServer

H = b"Host: h\r\n"


async def test_shutdown_finishes_in_flight_and_closes_idle_connections() -> None:
    server = HttpServer(echo, limits=LIMITS)
    await server.serve("127.0.0.1", 0)
    address = server.address
    idle_reader, idle_writer = await asyncio.open_connection(*address)
    idle_writer.write(b"GET /first HTTP/1.1\r\n" + H + b"\r\n")
    await idle_reader.readuntil(b"b''")
    busy_reader, busy_writer = await asyncio.open_connection(*address)
    busy_writer.write(b"GET /slow?0.3 HTTP/1.1\r\n" + H + b"\r\n" + b"GET /queued HTTP/1.1\r\n" + H + b"\r\n")
    await asyncio.sleep(0.05)
    start = time.monotonic()
    stopping = asyncio.ensure_future(server.shutdown(timeout=3))
    assert await asyncio.wait_for(idle_reader.read(), 0.2) == b""  # the idle one: closed at once
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(*address)
    data = await asyncio.wait_for(busy_reader.read(), 2)
    assert data.count(b"HTTP/1.1 200 OK") == 2 and data.index(b"/slow") < data.index(b"/queued")
    assert data.count(b"Connection: close") == 1 and data.index(b"Connection: close") > data.index(b"/slow")
    await stopping
    assert time.monotonic() - start < 1.5 and server.connections == 0
    idle_writer.close()
    busy_writer.close()


async def test_shutdown_aborts_what_outlives_the_deadline() -> None:
    server = HttpServer(echo, limits=LIMITS)
    await server.serve("127.0.0.1", 0)
    reader, writer = await asyncio.open_connection(*server.address)
    writer.write(b"GET /slow?5 HTTP/1.1\r\n" + H + b"\r\n")
    await asyncio.sleep(0.05)
    start = time.monotonic()
    await server.shutdown(timeout=0.3)
    assert 0.25 < time.monotonic() - start < 1 and server.connections == 0
    try:
        data = await asyncio.wait_for(reader.read(), 1)
    except ConnectionResetError:
        data = b""
    assert data == b""
    writer.close()
