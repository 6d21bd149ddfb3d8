"""``serve_workers`` as a real program (``worker_app``): N forked workers on one port, restarts,
and a graceful stop on SIGTERM that finishes the request in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


class App:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.address = ("127.0.0.1", port)


@pytest.fixture
def app() -> Iterator[App]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.http.worker_app", "2", "3"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}/src:{ROOT}"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("ready "), line
    yield App(process, int(line.split()[1]))
    if process.poll() is None:
        process.kill()
        process.wait()


async def get(address: tuple[str, int], target: str) -> tuple[bytes, bytes]:
    """(status line, body) of one request on a new connection."""
    reader, writer = await asyncio.open_connection(*address)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    body = await reader.readexactly(length)
    writer.close()
    return head.split(b"\r\n")[0], body


def children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()}


async def test_workers_share_the_port(app: App) -> None:
    blocked = asyncio.ensure_future(get(app.address, "/block?0.6"))
    await asyncio.sleep(0.15)  # one worker's loop is now blocked; the other takes new connections
    _, other = await asyncio.wait_for(get(app.address, "/pid"), 2)
    _, first = await blocked
    assert first != other and {int(first), int(other)} == children(app.process.pid)


async def test_a_dead_worker_is_replaced(app: App) -> None:
    before = children(app.process.pid)
    with pytest.raises((asyncio.IncompleteReadError, ConnectionError)):
        await get(app.address, "/crash")
    for _ in range(100):
        after = children(app.process.pid)
        if len(after) == 2 and after != before:
            break
        await asyncio.sleep(0.05)
    assert len(after) == 2 and len(after & before) == 1
    status, _ = await get(app.address, "/pid")
    assert status == b"HTTP/1.1 200 OK"


async def test_sigterm_finishes_the_request_in_flight_then_stops(app: App) -> None:
    reader, writer = await asyncio.open_connection(*app.address)
    writer.write(b"GET /slow?0.5 HTTP/1.1\r\nHost: h\r\n\r\n")
    await asyncio.sleep(0.15)
    app.process.send_signal(signal.SIGTERM)
    data = await asyncio.wait_for(reader.read(), 3)
    writer.close()
    assert data.startswith(b"HTTP/1.1 200 OK") and b"Connection: close\r\n" in data
    assert await asyncio.to_thread(app.process.wait, 5) == 0
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(*app.address)
