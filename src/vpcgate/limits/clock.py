"""The clock every limit reads: nothing in :mod:`vpcgate.limits` asks the OS for the time itself.

Two readings, for two jobs:

- ``monotonic()``: seconds that never go backwards; token buckets refill by it in one process
  (the memory store) and authorizer-cache entries in memory expire by it;
- ``wall()``: epoch seconds (UTC); quota periods are calendar periods in UTC, and the Redis store
  refills buckets by it because several gateway nodes must agree on one time line (their monotonic
  clocks do not share an origin).

:class:`ManualClock` is the test double: it moves only when told, so tests never sleep.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds from an arbitrary origin; never decreases."""
        ...

    def wall(self) -> float:
        """Seconds since the Unix epoch, UTC."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only by :meth:`advance` (both readings move together)."""

    def __init__(self, wall: float = 1_767_225_600.0, monotonic: float = 1000.0) -> None:
        # Default wall time: 2026-01-01T00:00:00Z, a Thursday.
        self._wall = wall
        self._monotonic = monotonic

    def monotonic(self) -> float:
        return self._monotonic

    def wall(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._wall += seconds
        self._monotonic += seconds

    def set_wall(self, wall: float) -> None:
        """Jump the wall clock (monotonic time moves forward by the same amount, or not at all)."""
        self._monotonic += max(0.0, wall - self._wall)
        self._wall = wall
