"""Properties: a bucket never lets more through than burst + rate × time; periods tile time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcgate.limits import periods
from vpcgate.limits.clock import ManualClock
from vpcgate.limits.memory import MemoryStore
from vpcgate.limits.model import BucketRule, Check, Rate, Tier
from vpcgate.spec.model import QuotaPeriod

steps = st.lists(st.sampled_from([0.0, 0.001, 0.01, 0.1, 0.5, 1.0, 3.0]), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(rate=st.sampled_from([0.0, 0.5, 1.0, 3.0, 10.0]), burst=st.integers(0, 20), gaps=steps)
def test_never_more_than_burst_plus_rate_times_elapsed(rate: float, burst: int, gaps: list[float]) -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    check = Check((BucketRule("b", Tier.ACCOUNT, Rate(rate, burst)),))
    allowed = 0
    for gap in gaps:
        clock.advance(gap)
        allowed += store.decide_now(check).allowed
    assert allowed <= burst + rate * sum(gaps) + 1e-9


@settings(max_examples=100, deadline=None)
@given(rate=st.sampled_from([1.0, 4.0]), burst=st.integers(1, 10), count=st.integers(1, 30))
def test_requests_spaced_at_the_rate_all_pass(rate: float, burst: int, count: int) -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    check = Check((BucketRule("b", Tier.ACCOUNT, Rate(rate, burst)),))
    for _ in range(count):
        assert store.decide_now(check).allowed
        clock.advance(1 / rate)


@settings(max_examples=300, deadline=None)
@given(t=st.floats(0, 4_102_444_800), period=st.sampled_from(list(QuotaPeriod)))
def test_periods_contain_their_moment_and_tile_time(t: float, period: QuotaPeriod) -> None:
    start, end = periods.period_bounds(period, t)
    assert start <= t < end
    assert periods.period_bounds(period, end)[0] == end
    assert periods.period_bounds(period, start - 0.5)[1] == start or start < 0.5
