"""The in-memory stores: the default, for one gateway process.

:class:`MemoryStore` keeps bucket states and quota counters in dicts and decides synchronously (there
is no ``await`` between check and take, so the event loop makes it atomic). Buckets refill by the
clock's monotonic time. :class:`MemoryAuthorizerCache` keeps authorizer results until their TTL (by
monotonic time) and drops the oldest entries beyond ``max_entries``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from vpcgate.limits import quota
from vpcgate.limits.bucket import BucketState, take
from vpcgate.limits.clock import Clock
from vpcgate.limits.model import ALLOWED, BucketRule, Check, Decision, Outcome

__all__ = ["MemoryAuthorizerCache", "MemoryStore"]


class MemoryStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._buckets: dict[str, BucketState] = {}
        self._counters: dict[str, int] = {}

    async def decide(self, check: Check) -> Decision:
        return self.decide_now(check)

    def decide_now(self, check: Check) -> Decision:
        """:meth:`decide` without the coroutine (for callers that are not async)."""
        window = None
        if check.quota is not None:
            window = quota.window(check.quota, self._clock.wall())
            if self._counters.get(window.counter, 0) >= window.cap:
                return Decision(Outcome.QUOTA_EXCEEDED, quota_remaining=0)
        if check.buckets:
            refused = self._take(check.buckets)
            if refused >= 0:
                return Decision(Outcome.THROTTLED, tier=check.buckets[refused].tier)
        if window is None:
            return ALLOWED
        used = self._counters.get(window.counter, 0) + 1
        self._counters[window.counter] = used
        self._counters[window.day_counter] = self._counters.get(window.day_counter, 0) + 1
        return Decision(Outcome.ALLOWED, quota_remaining=window.cap - used)

    def _take(self, rules: Sequence[BucketRule]) -> int:
        """Take from every bucket or none; the index of the refusing bucket, else -1."""
        index, states = take([self._buckets.get(r.key) for r in rules], rules, self._clock.monotonic())
        for rule, state in zip(rules, states, strict=False):
            self._buckets[rule.key] = state
        return index

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        return [self._counters.get(quota.day_counter(plan_id, key_id, d), 0) for d in days]

    async def close(self) -> None:
        return None


class MemoryAuthorizerCache:
    def __init__(self, clock: Clock, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._entries: dict[str, tuple[float, bytes]] = {}

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        self._entries.pop(key, None)
        self._entries[key] = (self._clock.monotonic() + ttl_seconds, value)
        while len(self._entries) > self._max:
            del self._entries[next(iter(self._entries))]

    async def flush(self) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()
