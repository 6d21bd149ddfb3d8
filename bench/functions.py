"""Functions benchmarks: warm invocation overhead, throughput with two workers, cold starts.

Everything goes through ``FunctionService.invoke`` with a trivial handler, so the numbers are
vpcgate's own overhead (channel, pool, logs) plus the runtime's loop. Run on asyncio's default loop
and on uvloop (what a server would run on).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bench._specs import inline_spec
from vpcgate.functions.service import FunctionService, ServiceConfig

PYTHON = "def handler(event, context):\n    return event\n"
NODE = "exports.handler = async (event) => event;\n"
WARM_CALLS = 3000
THROUGHPUT_CALLS = 6000
COLD_STARTS = 10
PAYLOAD = b'{"ping": 1}'


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _warm(service: FunctionService, name: str) -> list[float]:
    for _ in range(200):
        await service.invoke(name, PAYLOAD)
    samples = []
    for _ in range(WARM_CALLS):
        started = time.perf_counter()
        await service.invoke(name, PAYLOAD)
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


async def _throughput(service: FunctionService, name: str, workers: int = 2) -> float:
    await asyncio.gather(*(service.invoke(name, PAYLOAD) for _ in range(workers)))  # start both workers

    async def loop(count: int) -> None:
        for _ in range(count):
            await service.invoke(name, PAYLOAD)

    started = time.perf_counter()
    await asyncio.gather(*(loop(THROUGHPUT_CALLS // workers) for _ in range(workers)))
    return THROUGHPUT_CALLS / (time.perf_counter() - started)


_INIT = re.compile(r"Init Duration: ([0-9.]+) ms")


async def _cold(service: FunctionService, runtime: str, source: str) -> list[float]:
    samples = []
    for i in range(COLD_STARTS):
        name = f"cold-{runtime}-{i}"
        service.deploy(inline_spec(name, runtime, source))
        result = await service.invoke(name, PAYLOAD)
        match = _INIT.search(result.log)
        assert match, result.log
        samples.append(float(match.group(1)))
        await service.pool(name).close()
    return samples


async def _measure(rows: list[tuple[str, str]], loop_name: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        service = FunctionService(ServiceConfig(work_dir=Path(work)), log_sink=None)
        try:
            for runtime, label, source in (("python3.11", "python", PYTHON), ("nodejs20.x", "node", NODE)):
                service.deploy(inline_spec(label, runtime, source))
                warm = await _warm(service, label)
                rows.append((f"{loop_name}: warm invoke {label} p50", f"{statistics.median(warm):.0f} µs"))
                rows.append((f"{loop_name}: warm invoke {label} p99", f"{_pct(warm, 0.99):.0f} µs"))
                service.deploy(inline_spec(f"{label}-tp", runtime, source))
                rate = await _throughput(service, f"{label}-tp")
                rows.append((f"{loop_name}: {label} invocations/s, 2 workers", f"{rate:,.0f}"))
                cold = await _cold(service, runtime, source)
                rows.append(
                    (
                        f"{loop_name}: cold start {label} (spawn→ready) median",
                        f"{statistics.median(cold):.1f} ms",
                    )
                )
        finally:
            await service.shutdown()


def _run_on(factory: Callable[[Coroutine[Any, Any, None]], None], loop_name: str) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    factory(_measure(rows, loop_name))
    return rows


def run() -> list[tuple[str, str]]:
    rows = _run_on(asyncio.run, "asyncio")
    try:
        import uvloop
    except ImportError:
        return rows
    return rows + _run_on(uvloop.run, "uvloop")


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:55} {value}")
