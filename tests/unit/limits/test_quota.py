"""Quotas across period boundaries (UTC), with offsets; quota versus throttle; AWS's error mapping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vpcgate.gateway.errors import Default5xxError, QuotaExceededError, ThrottledError
from vpcgate.limits import periods
from vpcgate.limits.clock import ManualClock
from vpcgate.limits.memory import MemoryStore
from vpcgate.limits.model import BucketRule, Check, Decision, Outcome, QuotaRule, Rate, Tier
from vpcgate.spec.model import QuotaPeriod


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def used_up(store: MemoryStore, check: Check, n: int) -> list[Outcome]:
    return [store.decide_now(check).outcome for _ in range(n)]


A, Q = Outcome.ALLOWED, Outcome.QUOTA_EXCEEDED


@pytest.mark.parametrize(
    ("period", "moment", "start", "end"),
    [
        (QuotaPeriod.DAY, "2026-03-10T17:30:00", "2026-03-10T00:00:00", "2026-03-11T00:00:00"),
        (QuotaPeriod.WEEK, "2026-01-01T12:00:00", "2025-12-28T00:00:00", "2026-01-04T00:00:00"),  # Thu
        (QuotaPeriod.WEEK, "2026-01-04T00:00:00", "2026-01-04T00:00:00", "2026-01-11T00:00:00"),  # Sun
        (QuotaPeriod.WEEK, "2026-01-03T23:59:59", "2025-12-28T00:00:00", "2026-01-04T00:00:00"),  # Sat
        (QuotaPeriod.MONTH, "2026-12-31T23:59:59", "2026-12-01T00:00:00", "2027-01-01T00:00:00"),
        (QuotaPeriod.MONTH, "2028-02-29T08:00:00", "2028-02-01T00:00:00", "2028-03-01T00:00:00"),
    ],
)
def test_period_bounds_in_utc(period: QuotaPeriod, moment: str, start: str, end: str) -> None:
    assert periods.period_bounds(period, at(moment)) == (at(start), at(end))


def test_daily_quota_resets_at_midnight_utc() -> None:
    clock = ManualClock(wall=at("2026-03-10T23:59:00"))
    store = MemoryStore(clock)
    check = Check(quota=QuotaRule("p", "k", 2, QuotaPeriod.DAY))
    assert used_up(store, check, 3) == [A, A, Q]
    clock.advance(59.5)
    assert used_up(store, check, 1) == [Q]
    clock.advance(0.5)  # 2026-03-11T00:00:00Z
    assert used_up(store, check, 3) == [A, A, Q]


def test_weekly_quota_resets_on_sunday_utc() -> None:
    clock = ManualClock(wall=at("2026-01-01T10:00:00"))  # a Thursday
    store = MemoryStore(clock)
    check = Check(quota=QuotaRule("p", "k", 1, QuotaPeriod.WEEK))
    assert used_up(store, check, 2) == [A, Q]
    clock.set_wall(at("2026-01-03T23:59:59"))  # Saturday
    assert used_up(store, check, 1) == [Q]
    clock.set_wall(at("2026-01-04T00:00:00"))  # Sunday
    assert used_up(store, check, 2) == [A, Q]


def test_monthly_quota_resets_on_the_first() -> None:
    clock = ManualClock(wall=at("2026-01-31T23:00:00"))
    store = MemoryStore(clock)
    check = Check(quota=QuotaRule("p", "k", 1, QuotaPeriod.MONTH))
    assert used_up(store, check, 2) == [A, Q]
    clock.set_wall(at("2026-02-01T00:00:00"))
    assert used_up(store, check, 2) == [A, Q]


def test_offset_is_subtracted_in_the_initial_period_only() -> None:
    created = at("2026-01-05T09:00:00")
    clock = ManualClock(wall=at("2026-01-05T12:00:00"))
    store = MemoryStore(clock)
    check = Check(quota=QuotaRule("p", "k", 5, QuotaPeriod.WEEK, offset=2, created=created))
    assert used_up(store, check, 4) == [A, A, A, Q]
    clock.set_wall(at("2026-01-11T00:00:00"))
    assert used_up(store, check, 6) == [A, A, A, A, A, Q]


def test_an_offset_above_the_limit_leaves_nothing_in_the_initial_period() -> None:
    rule = QuotaRule("p", "k", 3, QuotaPeriod.DAY, offset=10, created=at("2026-01-01T00:00:00"))
    assert rule.cap(at("2026-01-01T00:00:00")) == 0
    assert rule.cap(at("2026-01-02T00:00:00")) == 3


def test_remaining_counts_down() -> None:
    store = MemoryStore(ManualClock())
    check = Check(quota=QuotaRule("p", "k", 3, QuotaPeriod.DAY))
    assert [store.decide_now(check).quota_remaining for _ in range(4)] == [2, 1, 0, 0]


def test_quotas_are_per_plan_and_key() -> None:
    store = MemoryStore(ManualClock())
    assert used_up(store, Check(quota=QuotaRule("p", "k1", 1, QuotaPeriod.DAY)), 2) == [A, Q]
    assert used_up(store, Check(quota=QuotaRule("p", "k2", 1, QuotaPeriod.DAY)), 1) == [A]
    assert used_up(store, Check(quota=QuotaRule("p2", "k1", 1, QuotaPeriod.DAY)), 1) == [A]


def test_a_throttled_request_does_not_count_against_the_quota() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    bucket = BucketRule("b", Tier.PLAN, Rate(1.0, 1))
    check = Check((bucket,), QuotaRule("p", "k", 3, QuotaPeriod.DAY))
    assert [store.decide_now(check).outcome for _ in range(5)] == [A] + [Outcome.THROTTLED] * 4
    clock.advance(1)
    assert store.decide_now(check).quota_remaining == 1


def test_a_spent_quota_reads_limit_exceeded_even_when_throttled_too() -> None:
    store = MemoryStore(ManualClock())
    check = Check((BucketRule("b", Tier.PLAN, Rate(0.0, 1)),), QuotaRule("p", "k", 1, QuotaPeriod.DAY))
    assert store.decide_now(check).outcome is A
    assert store.decide_now(check).outcome is Q


def test_a_quota_refusal_takes_no_token() -> None:
    store = MemoryStore(ManualClock())
    bucket = BucketRule("b", Tier.ACCOUNT, Rate(0.0, 2))
    spent = Check((bucket,), QuotaRule("p", "k", 0, QuotaPeriod.DAY))
    assert store.decide_now(spent).outcome is Q
    assert used_up(store, Check((bucket,)), 3) == [A, A, Outcome.THROTTLED]


def test_decisions_map_to_aws_responses() -> None:
    throttled = Decision(Outcome.THROTTLED, tier=Tier.ACCOUNT).error()
    exceeded = Decision(Outcome.QUOTA_EXCEEDED).error()
    unavailable = Decision(Outcome.UNAVAILABLE).error()
    assert isinstance(throttled, ThrottledError) and (throttled.status, throttled.message) == (
        429,
        "Too Many Requests",
    )
    assert isinstance(exceeded, QuotaExceededError) and (exceeded.status, exceeded.message) == (
        429,
        "Limit Exceeded",
    )
    assert isinstance(unavailable, Default5xxError) and unavailable.status == 500
    assert Decision(Outcome.ALLOWED).error() is None
