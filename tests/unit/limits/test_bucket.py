"""Token-bucket arithmetic with a manual clock: burst, refill, rate, all-or-nothing."""

from __future__ import annotations

from vpcgate.limits.clock import ManualClock
from vpcgate.limits.memory import MemoryStore
from vpcgate.limits.model import BucketRule, Check, Outcome, Rate, Tier


def one(rate: float, burst: int, key: str = "b", tier: Tier = Tier.STAGE_METHOD) -> BucketRule:
    return BucketRule(key, tier, Rate(rate, burst))


def run(store: MemoryStore, check: Check, times: int) -> list[bool]:
    return [store.decide_now(check).allowed for _ in range(times)]


def test_a_new_bucket_is_full_and_allows_burst_requests_at_once() -> None:
    store = MemoryStore(ManualClock())
    assert run(store, Check((one(1.0, 3),)), 5) == [True, True, True, False, False]


def test_tokens_come_back_at_the_rate() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    check = Check((one(2.0, 2),))
    assert run(store, check, 3) == [True, True, False]
    clock.advance(0.25)  # half a token
    assert run(store, check, 1) == [False]
    clock.advance(0.25)  # one token
    assert run(store, check, 2) == [True, False]
    clock.advance(1.0)  # two tokens
    assert run(store, check, 3) == [True, True, False]


def test_a_bucket_never_holds_more_than_its_burst() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    check = Check((one(100.0, 3),))
    run(store, check, 3)
    clock.advance(3600)
    assert run(store, check, 4) == [True, True, True, False]


def test_a_fractional_rate_refills_slowly() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    check = Check((one(0.5, 1),))
    assert run(store, check, 2) == [True, False]
    clock.advance(1.0)
    assert run(store, check, 1) == [False]
    clock.advance(1.0)
    assert run(store, check, 2) == [True, False]


def test_steady_rate_over_ten_seconds() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    check = Check((one(8.0, 5),))
    allowed = 0
    for _ in range(640):  # 64 attempts per second for 10 s (exact binary fractions)
        allowed += store.decide_now(check).allowed
        clock.advance(1 / 64)
    assert allowed == 5 + 80 - 1  # the burst, then 8 per second (the last token arrives at 10 s)


def test_burst_zero_refuses_everything() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    check = Check((one(10.0, 0),))
    clock.advance(10)
    assert run(store, check, 2) == [False, False]


def test_a_refused_request_takes_no_token_from_any_bucket() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    wide = one(0.0, 3, key="wide", tier=Tier.ACCOUNT)
    narrow = one(0.0, 1, key="narrow", tier=Tier.PLAN)
    assert store.decide_now(Check((narrow, wide))).allowed
    for _ in range(5):
        decision = store.decide_now(Check((narrow, wide)))
        assert decision.outcome is Outcome.THROTTLED and decision.tier is Tier.PLAN
    # The account bucket lost one token (the allowed request), not six.
    assert run(store, Check((wide,)), 3) == [True, True, False]


def test_the_first_refusing_bucket_in_order_is_reported() -> None:
    store = MemoryStore(ManualClock())
    first = one(0.0, 0, key="m", tier=Tier.PLAN_METHOD)
    second = one(0.0, 0, key="p", tier=Tier.PLAN)
    assert store.decide_now(Check((first, second))).tier is Tier.PLAN_METHOD
    assert store.decide_now(Check((second, first))).tier is Tier.PLAN


def test_buckets_are_separate_by_key() -> None:
    store = MemoryStore(ManualClock())
    assert run(store, Check((one(0.0, 1, key="a"),)), 2) == [True, False]
    assert run(store, Check((one(0.0, 1, key="b"),)), 2) == [True, False]
