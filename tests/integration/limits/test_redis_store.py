"""The Redis store against a real redis-server: the same decisions as the memory store, one limit
shared by two clients (two gateway nodes), one round trip per decision, outage and recovery."""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from datetime import UTC, date, datetime

import pytest

from vpcgate.gateway.authorizers.cache import AuthorizerCache
from vpcgate.gateway.authorizers.output import parse_output
from vpcgate.limits.clock import ManualClock
from vpcgate.limits.guard import FailMode
from vpcgate.limits.memory import MemoryStore
from vpcgate.limits.model import BucketRule, Check, Outcome, QuotaRule, Rate, Tier
from vpcgate.limits.state import State, StateConfig, open_state
from vpcgate.limits.usage import usage_report
from vpcgate.spec.model import Quota, QuotaPeriod, UsagePlan

from .conftest import RedisServer

PLAN_METHOD = BucketRule("pm|plan|k1|/a|GET", Tier.PLAN_METHOD, Rate(0.5, 2))
PLAN = BucketRule("p|plan|k1", Tier.PLAN, Rate(1.0, 4))
STAGE = BucketRule("s|api|prod|/a|GET", Tier.STAGE_METHOD, Rate(8.0, 4))
ACCOUNT = BucketRule("a", Tier.ACCOUNT, Rate(2.0, 5))
OTHER_STAGE = BucketRule("s|api|prod|/b|GET", Tier.STAGE_METHOD, Rate(0.5, 2))


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def redis_state(server: RedisServer, clock: ManualClock, fail: FailMode = FailMode.OPEN) -> State:
    return open_state(StateConfig(server.url, fail=fail, timeout=0.5, retry_after=1.0), clock)


async def test_the_same_decisions_as_the_memory_store(redis_server: RedisServer) -> None:
    clock = ManualClock(wall=at("2026-01-03T23:59:50"))  # crosses a day and a week boundary
    memory = MemoryStore(clock)
    state = redis_state(redis_server, clock)
    quota = QuotaRule("plan", "k1", 60, QuotaPeriod.DAY, offset=5, created=at("2026-01-03T00:00:00"))
    checks = [
        Check((PLAN_METHOD, PLAN, STAGE, ACCOUNT), quota),
        Check((PLAN, OTHER_STAGE, ACCOUNT), quota),
        Check((PLAN, ACCOUNT), quota),
        Check((STAGE, ACCOUNT)),
        Check((OTHER_STAGE,)),
        Check((ACCOUNT,)),
    ]
    rng = random.Random(7)
    seen = set()
    try:
        for _ in range(600):
            check = rng.choice(checks)
            expected = memory.decide_now(check)
            assert await state.limits.decide(check) == expected
            seen.add((expected.outcome, expected.tier))
            clock.advance(rng.choice([0.0, 0.0, 1 / 16, 1 / 8, 1 / 4, 1.0]))  # exact binary fractions
    finally:
        await state.close()
    assert {o for o, _ in seen} == {Outcome.ALLOWED, Outcome.THROTTLED, Outcome.QUOTA_EXCEEDED}
    assert {t for _, t in seen} >= {Tier.PLAN_METHOD, Tier.PLAN, Tier.STAGE_METHOD, Tier.ACCOUNT}


async def test_two_nodes_hold_one_limit_together(redis_server: RedisServer) -> None:
    clock = ManualClock()
    one, two = redis_state(redis_server, clock), redis_state(redis_server, clock)
    check = Check(
        (BucketRule("p|plan|k", Tier.PLAN, Rate(0.0, 50)),), QuotaRule("plan", "k", 80, QuotaPeriod.DAY)
    )
    try:
        first = await asyncio.gather(*(node.limits.decide(check) for node in (one, two) * 100))
        assert sum(d.allowed for d in first) == 50
        assert sorted(d.quota_remaining or 0 for d in first if d.allowed) == list(range(30, 80))
    finally:
        await one.close()
        await two.close()


async def test_the_quota_is_shared_too(redis_server: RedisServer) -> None:
    clock = ManualClock()
    one, two = redis_state(redis_server, clock), redis_state(redis_server, clock)
    check = Check(quota=QuotaRule("plan", "k", 7, QuotaPeriod.MONTH))
    try:
        outcomes = [(await node.limits.decide(check)).outcome for node in (one, two) * 5]
    finally:
        await one.close()
        await two.close()
    assert outcomes == [Outcome.ALLOWED] * 7 + [Outcome.QUOTA_EXCEEDED] * 3


async def test_one_round_trip_per_decision(redis_server: RedisServer) -> None:
    state = redis_state(redis_server, ManualClock())
    check = Check((PLAN_METHOD, PLAN, STAGE, ACCOUNT), QuotaRule("plan", "k1", 1000, QuotaPeriod.DAY))
    try:
        await state.limits.decide(check)  # the first call loads the script (NOSCRIPT, then EVAL)
        with redis_server.monitor() as seen:
            for _ in range(25):
                await state.limits.decide(check)
            # Concurrent decisions share round trips (pipelined), still one EVALSHA each.
            await asyncio.gather(*(state.limits.decide(check) for _ in range(40)))
    finally:
        await state.close()
    # MONITOR shows what clients send; commands a script runs are marked "[0 lua]".
    sent = [line.split('"')[1].lower() for line in seen if "lua]" not in line]
    assert sent == ["evalsha"] * 65


@pytest.mark.parametrize("fail", [FailMode.OPEN, FailMode.CLOSED])
async def test_outage_then_recovery(
    redis_server: RedisServer, fail: FailMode, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    state = redis_state(redis_server, clock, fail)
    check = Check((BucketRule("p|plan|k", Tier.PLAN, Rate(0.0, 2)),))
    try:
        assert (await state.limits.decide(check)).allowed
        redis_server.kill()
        with caplog.at_level(logging.WARNING, logger="vpcgate.limits"):
            during = [await state.limits.decide(check) for _ in range(5)]
        if fail is FailMode.OPEN:
            assert all(d.allowed and d.degraded for d in during)
        else:
            assert all(d.outcome is Outcome.UNAVAILABLE for d in during)
            error = during[0].error()
            assert error is not None and (error.status, error.message) == (500, "Internal server error")
        assert len([r for r in caplog.records if "unreachable" in r.message]) == 1
        assert not await state.ping()

        redis_server.start()  # empty: no buckets, no cached script
        assert (await state.limits.decide(check)).outcome is during[0].outcome  # still backing off
        clock.advance(1.0)
        after = [await state.limits.decide(check) for _ in range(3)]
        assert [d.outcome for d in after] == [Outcome.ALLOWED, Outcome.ALLOWED, Outcome.THROTTLED]
        assert not any(d.degraded for d in after)
        assert any("back" in r.message for r in caplog.records)
    finally:
        await state.close()


async def test_concurrent_decisions_during_an_outage_all_get_the_policy(redis_server: RedisServer) -> None:
    clock = ManualClock()
    state = redis_state(redis_server, clock, FailMode.CLOSED)
    check = Check(
        (BucketRule("a", Tier.ACCOUNT, Rate(100.0, 100)),), QuotaRule("plan", "k", 100, QuotaPeriod.DAY)
    )
    try:
        assert all(d.allowed for d in await asyncio.gather(*(state.limits.decide(check) for _ in range(20))))
        redis_server.kill()
        during = await asyncio.gather(*(state.limits.decide(check) for _ in range(20)))
        assert {d.outcome for d in during} == {Outcome.UNAVAILABLE}
        redis_server.start()
        clock.advance(1.0)
        after = await asyncio.gather(*(state.limits.decide(check) for _ in range(20)))
        assert [d.quota_remaining for d in after if d.allowed] == list(range(99, 79, -1))
    finally:
        await state.close()


async def test_a_redis_that_is_down_at_start_is_an_outage_not_a_crash(redis_server: RedisServer) -> None:
    redis_server.kill()
    clock = ManualClock()
    state = redis_state(redis_server, clock, FailMode.CLOSED)
    check = Check((ACCOUNT,))
    try:
        assert (await state.limits.decide(check)).outcome is Outcome.UNAVAILABLE
        assert await state.authorizer_cache.get("k") is None
        redis_server.start()
        clock.advance(1.0)
        assert (await state.limits.decide(check)).allowed
    finally:
        await state.close()


async def test_usage_report_reads_redis_like_memory(redis_server: RedisServer) -> None:
    plan = UsagePlan("plan", "gold", quota=Quota(10, QuotaPeriod.WEEK))
    assert plan.quota is not None
    clock = ManualClock(wall=at("2026-01-02T10:00:00"))
    memory = MemoryStore(clock)
    state = redis_state(redis_server, clock)
    rule = QuotaRule("plan", "k1", 10, QuotaPeriod.WEEK)
    try:
        for day_step, n in ((0, 3), (86_400, 2), (86_400, 4)):
            clock.advance(day_step)
            for _ in range(n):
                memory.decide_now(Check(quota=rule))
                await state.limits.decide(Check(quota=rule))
        window = (date(2026, 1, 1), date(2026, 1, 5))
        from_redis = await usage_report(state.limits, plan, ["k1"], *window)
        from_memory = await usage_report(memory, plan, ["k1"], *window)
    finally:
        await state.close()
    assert from_redis == from_memory
    assert from_redis.items["k1"] == ((0, 10), (3, 7), (2, 5), (4, 6), (0, 6))


async def test_authorizer_cache_is_shared_and_expires_by_the_clock(redis_server: RedisServer) -> None:
    clock = ManualClock()
    one, two = redis_state(redis_server, clock), redis_state(redis_server, clock)
    try:
        await one.authorizer_cache.put("tok|abc", b'{"principalId":"me"}', ttl_seconds=300)
        await one.authorizer_cache.put("tok|off", b"x", ttl_seconds=0)
        await one.authorizer_cache.flush()  # a put rides with the next store call; none here
        assert await two.authorizer_cache.get("tok|abc") == b'{"principalId":"me"}'
        assert await two.authorizer_cache.get("tok|off") is None
        clock.advance(300)
        assert await two.authorizer_cache.get("tok|abc") is None
        redis_server.kill()
        assert await two.authorizer_cache.get("tok|abc") is None  # a miss, not an error
        await two.authorizer_cache.put("tok|new", b"v", ttl_seconds=60)  # dropped, not an error
    finally:
        await one.close()
        await two.close()


async def test_the_gateways_authorizer_cache_runs_on_the_redis_store(redis_server: RedisServer) -> None:
    clock = ManualClock()
    one, two = redis_state(redis_server, clock), redis_state(redis_server, clock)
    answer = parse_output(
        {
            "principalId": "user-1",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}],
            },
            "context": {"tier": "gold"},
        }
    )
    try:
        writer = AuthorizerCache(one.authorizer_cache, api_id="api1", authorizer_id="auth1", ttl_seconds=300)
        reader = AuthorizerCache(two.authorizer_cache, api_id="api1", authorizer_id="auth1", ttl_seconds=300)
        await writer.put(["token-1"], answer)
        await one.authorizer_cache.flush()
        cached = await reader.get(["token-1"])
        assert cached is not None and cached.to_json() == answer.to_json()
        clock.advance(300)
        assert await reader.get(["token-1"]) is None
    finally:
        await one.close()
        await two.close()


async def test_a_hung_redis_times_out_to_the_policy_and_recovers(redis_server: RedisServer) -> None:
    clock = ManualClock()
    state = redis_state(redis_server, clock, FailMode.OPEN)
    check = Check((BucketRule("p|plan|k", Tier.PLAN, Rate(0.0, 3)),))
    process = redis_server.process
    assert process is not None
    try:
        assert (await state.limits.decide(check)).allowed
        process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            hung = await state.limits.decide(check)
            waited = time.monotonic() - started
        finally:
            process.send_signal(signal.SIGCONT)
        assert hung.allowed and hung.degraded
        assert 0.4 < waited < 2.0  # the configured 0.5 s timeout, not forever
        clock.advance(1.0)
        after = [await state.limits.decide(check) for _ in range(3)]
        # The hung call may or may not have been executed by Redis once it resumed.
        allowed, throttled = Outcome.ALLOWED, Outcome.THROTTLED
        assert [d.outcome for d in after] in ([allowed, allowed, throttled], [allowed, throttled, throttled])
        assert not any(d.degraded for d in after)
    finally:
        await state.close()


async def test_a_decision_ahead_withdrawn_refunded_or_taken(redis_server: RedisServer) -> None:
    """``ahead``: queued, it rides with the next call (one pipeline); withdrawn while queued it never
    reaches Redis; cancelled after it was sent, REFUND gives back its tokens and its quota count."""
    clock = ManualClock()
    state = redis_state(redis_server, clock)
    rule = BucketRule("p|plan|ahead", Tier.PLAN, Rate(0.0, 3))  # never refills: counts are exact
    check = Check((rule,), QuotaRule("plan", "ahead", 10, QuotaPeriod.DAY))
    today = datetime.fromtimestamp(clock.wall(), UTC).date()
    try:
        await state.limits.decide(Check((ACCOUNT,)))  # script loaded
        with redis_server.monitor() as seen:
            withdrawn = state.limits.ahead(check)
            assert withdrawn is not None
            withdrawn.cancel()
            taken = state.limits.ahead(check)
            assert taken is not None
            assert await state.authorizer_cache.get("nobody") is None  # the ahead rides with this read
            assert (await taken.result()).quota_remaining == 9
            refunded = state.limits.ahead(check)
            assert refunded is not None
            assert (await refunded.result()).quota_remaining == 8
            refunded.cancel()  # refused after its decision came back: given back
            await state.authorizer_cache.flush()
        sent = [line.split('"')[1].lower() for line in seen if "lua]" not in line]
        assert sent == ["evalsha", "get", "evalsha", "eval"]
        assert await state.limits.daily_usage("plan", "ahead", [today]) == [1]
        assert redis_server.cli("HGET", "vpcgate:p|plan|ahead", "t") == "2"  # 3 - 1 taken
        assert Check() and state.limits.ahead(Check()) is None  # nothing to decide
    finally:
        await state.close()


@pytest.mark.parametrize("fail", [FailMode.OPEN, FailMode.CLOSED])
async def test_a_decision_ahead_during_an_outage_gets_the_policy(
    redis_server: RedisServer, fail: FailMode
) -> None:
    clock = ManualClock()
    state = redis_state(redis_server, clock, fail)
    check = Check((ACCOUNT,))
    try:
        assert (await state.limits.decide(check)).allowed
        redis_server.kill()
        pending = state.limits.ahead(check)
        assert pending is not None
        decision = await pending.result()
        assert decision.allowed is (fail is FailMode.OPEN)
        assert state.limits.ahead(check) is None  # in the outage pause: the caller decides (fallback)
        assert (await state.limits.decide(check)).outcome is decision.outcome
        redis_server.start()
        clock.advance(1.0)
        again = state.limits.ahead(check)
        assert again is not None and (await again.result()).allowed
    finally:
        await state.close()
