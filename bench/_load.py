"""The load generator the gateway benchmarks share: keep-alive HTTP/1.1 over raw asyncio streams
(so it costs little next to what it measures), requests/s at N connections and p50 latency at 1,
small process helpers, and the median-of-rounds timer the in-process benchmarks share. Not a
benchmark itself (``make bench`` skips modules starting with _).
"""

from __future__ import annotations

import asyncio
import re
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence

__all__ = [
    "free_port",
    "latency_ms",
    "measure",
    "median_seconds",
    "stop_process",
    "throughput",
    "wait_port",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def median_seconds(call: Callable[[], object], rounds: int) -> float:
    """Median wall time in seconds of one ``call()`` over ``rounds``, after one warm-up call."""
    call()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def wait_port(
    port: int, process: subprocess.Popen[bytes] | subprocess.Popen[str], seconds: float = 20
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"nothing listens on {port}") from None
            time.sleep(0.05)


def stop_process(
    process: subprocess.Popen[bytes] | subprocess.Popen[str], sig: int, grace: float = 15
) -> None:
    """Ask a process we started to stop (``sig``), then kill it after ``grace`` seconds."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class _Connection:
    """One keep-alive HTTP/1.1 connection: GET, read the whole response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self.reader, self.writer, self.request = reader, writer, request

    async def get(self) -> int:
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        match = re.search(rb"(?i)content-length: *(\d+)", head)
        if match:
            await self.reader.readexactly(int(match.group(1)))
        return int(head[9:12])


async def _connect(port: int, path: str, headers: Sequence[tuple[str, str]] = ()) -> _Connection:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n{extra}\r\n"
    return _Connection(reader, writer, request.encode())


async def throughput(
    port: int, path: str, concurrency: int, seconds: float, headers: Sequence[tuple[str, str]] = ()
) -> tuple[float, int]:
    """(requests/s, non-200 answers) over ``seconds`` at ``concurrency`` keep-alive connections."""
    connections = [await _connect(port, path, headers) for _ in range(concurrency)]
    done = 0
    failures = 0
    stop = time.perf_counter() + seconds

    async def loop(connection: _Connection) -> None:
        nonlocal done, failures
        while time.perf_counter() < stop:
            if await connection.get() != 200:
                failures += 1
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in connections))
    elapsed = time.perf_counter() - start
    for connection in connections:
        connection.writer.close()
    return done / elapsed, failures


async def latency_ms(port: int, path: str, count: int) -> float:
    """Median milliseconds of ``count`` sequential GETs on one connection."""
    connection = await _connect(port, path)
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        await connection.get()
        samples.append(time.perf_counter() - start)
    connection.writer.close()
    return statistics.median(samples) * 1000


async def measure(
    port: int, path: str, *, seconds: float = 3.0, count: int = 400, warm_up: float = 1.5
) -> tuple[float, int, float]:
    """Warm up at the measured concurrency, then (requests/s at c=32, non-200 count, p50 ms at c=1).

    The warm-up runs at c=32 because a server that scales with concurrency (a Lambda-style pool
    starts one worker per concurrent invocation) is not warm after a c=4 warm-up: the measured
    window would then count 28 cold starts and their JIT warm-up, which are not requests/s."""
    await throughput(port, path, 32, warm_up)
    rate, failures = await throughput(port, path, 32, seconds)
    return rate, failures, await latency_ms(port, path, count)
