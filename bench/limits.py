"""Limits: the cost of one throttle/quota decision, memory store versus Redis store, in one run.

The decision is the seed-shaped worst case of issue 7: an API key in a usage plan with a per-method
throttle, a plan throttle and a quota, a stage method setting and the account bucket (four buckets
and a quota), plus the anonymous case (account bucket only). Redis is a real ``redis-server``
started here on a free loopback port (killed by pid afterwards); each decision is one EVALSHA.
p50 at concurrency 1; decisions per second with 32 in flight.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable

from bench._load import free_port, wait_port
from vpcgate.limits.clock import SystemClock
from vpcgate.limits.model import Check, Rate
from vpcgate.limits.plans import PlanIndex
from vpcgate.limits.rules import MethodLimits
from vpcgate.limits.state import State, StateConfig, open_state
from vpcgate.spec.model import (
    ApiKey,
    MethodSetting,
    Quota,
    QuotaPeriod,
    Stage,
    Throttle,
    UsagePlan,
    UsagePlanKey,
    UsagePlanStage,
    frozen,
)

ROUNDS = 5000
HIGH = Rate(1e9, 1_000_000_000)  # limits that never refuse: the bench measures the work, not 429s


def _checks() -> tuple[Check, Check]:
    setting = MethodSetting("/", "GET", throttling_rate_limit=1e9, throttling_burst_limit=10**9)
    stage = Stage("prod", "api1", "dep1", method_settings=frozen({setting.key: setting}))
    throttle = Throttle(1e9, 10**9)
    api_stage = UsagePlanStage("api1", "prod", throttle=frozen({"//GET": throttle}))
    plan = UsagePlan(
        "plan1", "gold", api_stages=(api_stage,), quota=Quota(10**9, QuotaPeriod.DAY), throttle=throttle
    )
    key = ApiKey("key1", "bench", "bench-key-value", enabled=True)
    index = PlanIndex.build([key], [plan], [UsagePlanKey("upk1", "key1", "plan1")], created=0.0)
    limits = MethodLimits("api1", stage, "/", "GET", account=HIGH)
    return limits.check(index.grant("bench-key-value", "api1", "prod")), limits.check(None)


async def _p50_us(decide: Callable[[], Awaitable[object]]) -> float:
    for _ in range(200):
        await decide()
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        await decide()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


async def _per_second(decide: Callable[[], Awaitable[object]], concurrency: int = 32) -> float:
    per_task = ROUNDS // concurrency

    async def worker() -> None:
        for _ in range(per_task):
            await decide()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return per_task * concurrency / (time.perf_counter() - start)


async def _measure(state: State, name: str, keyed: Check, anonymous: Check) -> list[tuple[str, str]]:
    for check in (keyed, anonymous):
        decision = await state.limits.decide(check)
        if not decision.allowed or decision.degraded:
            raise RuntimeError(f"{name}: the bench's decision is {decision}, not a real allow")
    try:
        key_p50 = await _p50_us(lambda: state.limits.decide(keyed))
        anon_p50 = await _p50_us(lambda: state.limits.decide(anonymous))
        rate = await _per_second(lambda: state.limits.decide(keyed))
    finally:
        await state.close()
    return [
        (f"{name}: decision p50, API key + usage plan (4 buckets + quota)", f"{key_p50:.1f} us"),
        (f"{name}: decision p50, no API key (account bucket)", f"{anon_p50:.1f} us"),
        (f"{name}: decisions/s at 32 concurrent (API key + usage plan)", f"{rate:,.0f}"),
    ]


def _start_redis(port: int) -> subprocess.Popen[bytes]:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, process, seconds=10)
    except RuntimeError:
        process.kill()
        process.wait()
        raise
    return process


async def _run() -> list[tuple[str, str]]:
    keyed, anonymous = _checks()
    clock = SystemClock()
    rows = await _measure(open_state(StateConfig(), clock), "memory", keyed, anonymous)
    if shutil.which("redis-server") is None:
        return [*rows, ("redis", "skipped: redis-server not installed")]
    port = free_port()
    server = _start_redis(port)
    try:
        redis_state = open_state(StateConfig(f"redis://127.0.0.1:{port}/0"), clock)
        rows += await _measure(redis_state, "redis", keyed, anonymous)
    finally:
        server.kill()
        server.wait()
    return rows


def run() -> list[tuple[str, str]]:
    return asyncio.run(_run())


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
