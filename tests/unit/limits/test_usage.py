"""GetUsage-shaped reports: [used, remaining] per key per UTC day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vpcgate.errors import ConfigError
from vpcgate.limits.clock import ManualClock
from vpcgate.limits.memory import MemoryStore
from vpcgate.limits.model import Check, QuotaRule
from vpcgate.limits.plans import PlanIndex
from vpcgate.limits.usage import usage, usage_report
from vpcgate.spec.model import ApiKey, Quota, QuotaPeriod, UsagePlan, UsagePlanKey

PLAN = UsagePlan("plan1", "gold", quota=Quota(10, QuotaPeriod.WEEK))


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def spend(store: MemoryStore, key: str, n: int, plan: UsagePlan = PLAN, created: float = 0.0) -> None:
    assert plan.quota is not None
    rule = QuotaRule(plan.id, key, plan.quota.limit, plan.quota.period, plan.quota.offset, created)
    for _ in range(n):
        store.decide_now(Check(quota=rule))


async def test_used_and_remaining_per_day_across_a_week_boundary() -> None:
    clock = ManualClock(wall=at("2026-01-02T08:00:00"))  # Friday
    store = MemoryStore(clock)
    spend(store, "k1", 3)
    clock.set_wall(at("2026-01-03T08:00:00"))  # Saturday
    spend(store, "k1", 4)
    clock.set_wall(at("2026-01-04T08:00:00"))  # Sunday: a new week
    spend(store, "k1", 2)
    spend(store, "k2", 1)
    report = await usage_report(store, PLAN, ["k1", "k2"], date(2026, 1, 2), date(2026, 1, 5))
    assert report.to_sdk() == {
        "usagePlanId": "plan1",
        "startDate": "2026-01-02",
        "endDate": "2026-01-05",
        "items": {
            "k1": [[3, 7], [4, 3], [2, 8], [0, 8]],
            "k2": [[0, 10], [0, 10], [1, 9], [0, 9]],
        },
    }


async def test_remaining_counts_days_of_the_period_before_the_start_date() -> None:
    clock = ManualClock(wall=at("2026-01-05T08:00:00"))  # Monday
    store = MemoryStore(clock)
    spend(store, "k1", 6)
    report = await usage_report(store, PLAN, ["k1"], date(2026, 1, 6), date(2026, 1, 6))
    assert report.items == {"k1": ((0, 4),)}


async def test_the_wire_shape_names_the_map_values() -> None:
    report = await usage_report(MemoryStore(ManualClock()), PLAN, [], date(2026, 1, 1), date(2026, 1, 1))
    assert report.to_api() == {
        "usagePlanId": "plan1",
        "startDate": "2026-01-01",
        "endDate": "2026-01-01",
        "values": {},
    }


async def test_offset_shows_in_the_initial_period() -> None:
    plan = UsagePlan("plan2", "o", quota=Quota(10, QuotaPeriod.DAY, offset=4))
    created = at("2026-01-01T00:00:00")
    clock = ManualClock(wall=at("2026-01-01T12:00:00"))
    store = MemoryStore(clock)
    spend(store, "k", 1, plan, created)
    clock.set_wall(at("2026-01-02T12:00:00"))
    spend(store, "k", 1, plan, created)
    report = await usage_report(store, plan, ["k"], date(2026, 1, 1), date(2026, 1, 2), created=created)
    assert report.items == {"k": ((1, 5), (1, 9))}


async def test_a_plan_without_quota_reports_zero_remaining() -> None:
    plan = UsagePlan("plan3", "free")
    report = await usage_report(MemoryStore(ManualClock()), plan, ["k"], date(2026, 1, 1), date(2026, 1, 2))
    assert report.items == {"k": ((0, 0), (0, 0))}


async def test_end_before_start_is_refused() -> None:
    with pytest.raises(ConfigError, match="before start date"):
        await usage_report(MemoryStore(ManualClock()), PLAN, ["k"], date(2026, 1, 2), date(2026, 1, 1))


def index_of(plan: UsagePlan) -> PlanIndex:
    keys = [ApiKey("k1", "a", "v1", enabled=True), ApiKey("k2", "b", "v2", enabled=False)]
    links = [UsagePlanKey("u1", "k1", plan.id), UsagePlanKey("u2", "k2", plan.id)]
    return PlanIndex.build(keys, [plan], links, created=0.0)


async def test_usage_lists_every_key_of_the_plan_or_one() -> None:
    store = MemoryStore(ManualClock(wall=at("2026-01-01T10:00:00")))
    spend(store, "k1", 2)
    index = index_of(PLAN)
    day = date(2026, 1, 1)
    every = await usage(index, store, "plan1", day, day)
    assert every.items == {"k1": ((2, 8),), "k2": ((0, 10),)}
    one = await usage(index, store, "plan1", day, day, key_id="k2")
    assert one.items == {"k2": ((0, 10),)}


async def test_usage_of_an_unknown_plan_or_key_is_refused() -> None:
    store = MemoryStore(ManualClock())
    day = date(2026, 1, 1)
    with pytest.raises(ConfigError, match="no usage plan 'nope'"):
        await usage(index_of(PLAN), store, "nope", day, day)
    with pytest.raises(ConfigError, match="API key 'k9' is not in usage plan 'plan1'"):
        await usage(index_of(PLAN), store, "plan1", day, day, key_id="k9")
