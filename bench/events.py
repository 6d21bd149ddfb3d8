"""Event invocations: what accepting one costs the caller, and accept → finished, beside a
RequestResponse invocation of the same warm Python function (one at a time, one worker).

The retry path is timed by Lambda's own delays (a minute and more), not by vpcgate: a failing event
is measured here only for the work between attempts, on ManualTimers (no waiting).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench._specs import inline_spec
from vpcgate.functions.events import ManualTimers
from vpcgate.functions.invocation import InvocationType
from vpcgate.functions.model import EventInvokeConfig
from vpcgate.functions.service import FunctionService, ServiceConfig

ROUNDS = 2000
RETRIED = 300
PAYLOAD = b'{"ping": 1}'


async def _sync_p50(service: FunctionService) -> float:
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        await service.invoke("ok", PAYLOAD)
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


async def _event_p50s(service: FunctionService) -> tuple[float, float]:
    accepted, finished = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        await service.invoke("ok", PAYLOAD, invocation_type=InvocationType.EVENT)
        accepted.append((time.perf_counter() - started) * 1e6)
        await service.wait_for_events()
        finished.append((time.perf_counter() - started) * 1e6)
    return statistics.median(accepted), statistics.median(finished)


async def _retried_event_ms(service: FunctionService, timers: ManualTimers) -> float:
    """Mean wall time of an event that fails three times (two retries), its delays skipped."""
    started = time.perf_counter()
    for _ in range(RETRIED):
        await service.invoke("fails", PAYLOAD, invocation_type=InvocationType.EVENT)
        for _ in range(2):
            await timers.until_sleeping()
            timers.advance(timers.requested[-1])
        await service.wait_for_events()
    return (time.perf_counter() - started) * 1e3 / RETRIED


async def _main(work: Path) -> list[tuple[str, str]]:
    timers = ManualTimers()
    service = FunctionService(ServiceConfig(work_dir=work), log_sink=None, timers=timers)
    try:
        service.deploy(inline_spec("ok", "python3.11", "def handler(event, context):\n    return event\n"))
        service.deploy(
            inline_spec("fails", "python3.11", "def handler(event, context):\n    raise ValueError('no')\n")
        )
        service.set_event_invoke_configs([EventInvokeConfig("C", "fails", "$LATEST")])
        for _ in range(200):
            await service.invoke("ok", PAYLOAD)
        sync = await _sync_p50(service)
        accepted, finished = await _event_p50s(service)
        retried = await _retried_event_ms(service, timers)
    finally:
        await service.shutdown()
    return [
        ("RequestResponse invoke, warm python, p50", f"{sync:.0f} µs"),
        ("Event accepted (202), p50", f"{accepted:.0f} µs"),
        ("Event accepted → finished, p50", f"{finished:.0f} µs"),
        ("Event failing 3× (2 retries, delays skipped), mean", f"{retried:.2f} ms"),
    ]


def run() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="vpcgate-bench-events-") as work:
        return asyncio.run(_main(Path(work)))


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
