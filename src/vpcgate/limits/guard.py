"""What a request gets when the limit store cannot be reached: the fail policy.

- ``open`` (the default): the request passes unchecked (``Decision.degraded``); one warning is logged
  when the store goes away and one when it is back, not one per request;
- ``closed``: the request is refused with AWS's generic 500 ``{"message": "Internal server error"}``
  (``Outcome.UNAVAILABLE``; the throttle step raises ``decision.error()``).

Never a crash: :class:`~vpcgate.limits.store.StoreUnavailableError` stops here. After a failure the
store is left alone for ``retry_after`` seconds (by the injected clock) so that a dead Redis does not
cost every request a connection attempt; then the next request tries again, and the first success
ends the outage.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from vpcgate.errors import ConfigError
from vpcgate.limits.clock import Clock
from vpcgate.limits.model import Check, Decision, Outcome
from vpcgate.limits.store import LimitStore, StoreUnavailableError

__all__ = ["FailMode", "GuardedStore"]

log = logging.getLogger(__name__)


class FailMode(StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @classmethod
    def parse(cls, text: str) -> FailMode:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ConfigError(f"state fail policy must be 'open' or 'closed', not {text!r}") from None


class GuardedStore:
    """A :class:`LimitStore` that never raises :class:`StoreUnavailableError` from ``decide``."""

    def __init__(
        self, store: LimitStore, clock: Clock, mode: FailMode = FailMode.OPEN, retry_after: float = 1.0
    ) -> None:
        self.store = store
        self.mode = mode
        self._clock = clock
        self._retry_after = retry_after
        self._down_until: float | None = None
        self._fallback = (
            Decision(Outcome.ALLOWED, degraded=True)
            if mode is FailMode.OPEN
            else Decision(Outcome.UNAVAILABLE)
        )

    @property
    def down(self) -> bool:
        return self._down_until is not None

    async def decide(self, check: Check) -> Decision:
        if self._down_until is not None and self._clock.monotonic() < self._down_until:
            return self._fallback
        try:
            decision = await self.store.decide(check)
        except StoreUnavailableError as exc:
            self._went_down(exc)
            return self._fallback
        if self._down_until is not None:
            log.warning("limit store is back; throttles and quotas are enforced again")
            self._down_until = None
        return decision

    def _went_down(self, exc: StoreUnavailableError) -> None:
        if self._down_until is None:
            effect = "requests pass unthrottled" if self.mode is FailMode.OPEN else "requests get 500"
            log.warning("limit store unreachable (%s); fail %s: %s until it is back", exc, self.mode, effect)
        self._down_until = self._clock.monotonic() + self._retry_after

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        """Usage counts; raises :class:`StoreUnavailableError` (a report cannot make numbers up)."""
        return await self.store.daily_usage(plan_id, key_id, days)

    async def close(self) -> None:
        await self.store.close()
