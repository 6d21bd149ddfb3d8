"""The HTTP front alone: requests/s and p50 latency of ``HttpServer`` with a trivial handler (a
12-byte 200), keep-alive, at 1 and 32 concurrent connections, with 1 and 2 worker processes
(``vpcgate.http.workers.serve_workers``, EDGE_LIMITS: every edge check is on).

The server runs as its own program (``python bench/http_server.py serve N``); the load comes from
this process, an asyncio client on uvloop writing one request and reading one response per
connection at a time, and, when installed, from ``wrk`` (C; lighter, so closer to the server's
ceiling; a missing wrk skips its rows). The machine's cores are shared by the load generator and
the server: compare rows within one run.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("VPCGATE_BENCH_SECONDS", "3"))
BODY = b'{"ok":true}\n'


def _serve(workers: int) -> int:
    """The server program: serve a trivial handler with ``workers`` processes until SIGTERM."""
    sys.path.insert(0, str(ROOT / "src"))
    from vpcgate.http.limits import EDGE_LIMITS
    from vpcgate.http.message import HttpRequest, HttpResponse
    from vpcgate.http.server import Handler
    from vpcgate.http.workers import serve_handler, serve_workers

    response = HttpResponse.of(200, BODY, [("Content-Type", "application/json")])

    async def handle(request: HttpRequest) -> HttpResponse:
        return response

    def make() -> Handler:
        return handle

    def ready(address: tuple[str, int]) -> None:
        print(f"ready {address[1]}", flush=True)

    return serve_workers(
        serve_handler(make, limits=EDGE_LIMITS, drain_seconds=1), workers=workers, on_ready=ready
    )


class _Server:
    def __init__(self, workers: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "serve", str(workers)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def _connection_loop(port: int, stop_at: float, samples: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET /bench HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    clock = time.perf_counter
    while (start := clock()) < stop_at:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        match = re.search(rb"Content-Length: (\d+)", head)
        await reader.readexactly(int(match.group(1)) if match else 0)
        samples.append(clock() - start)
    writer.close()


async def _load(port: int, concurrency: int, seconds: float) -> tuple[float, float]:
    """(requests/s, p50 ms) over ``seconds`` after a short warm-up."""
    await asyncio.gather(*(_connection_loop(port, time.perf_counter() + 0.3, []) for _ in range(concurrency)))
    samples: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(_connection_loop(port, start + seconds, samples) for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return len(samples) / elapsed, statistics.median(samples) * 1000


def _wrk(port: int, concurrency: int, seconds: float) -> tuple[float, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run() -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT / "src"))
    from vpcgate.http.workers import run as run_loop

    rows: list[tuple[str, str]] = []
    has_wrk = shutil.which("wrk") is not None
    for workers in (1, 2):
        server = _Server(workers)
        try:
            for concurrency in (1, 32):
                rps, p50 = run_loop(_load(server.port, concurrency, SECONDS))
                where = f"workers={workers} c={concurrency}"
                rows += [
                    (f"asyncio client {where} requests/s", f"{rps:,.0f}"),
                    (f"asyncio client {where} p50", f"{p50:.3f} ms"),
                ]
                if not has_wrk:
                    rows.append((f"wrk {where}", "skipped (wrk not installed)"))
                    continue
                rps, p50 = _wrk(server.port, concurrency, SECONDS)
                rows += [(f"wrk {where} requests/s", f"{rps:,.0f}"), (f"wrk {where} p50", f"{p50:.3f} ms")]
        finally:
            server.stop()
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        raise SystemExit(_serve(int(sys.argv[2])))
    for name, value in run():
        print(f"{name:45} {value}")
