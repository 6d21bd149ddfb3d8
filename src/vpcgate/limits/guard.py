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
from typing import cast

from vpcgate.errors import ConfigError
from vpcgate.limits.clock import Clock
from vpcgate.limits.model import Check, Decision, Outcome
from vpcgate.limits.store import LimitStore, PendingDecision, StoreUnavailableError

__all__ = ["FailMode", "GuardedPending", "GuardedStore"]

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
    def can_go_ahead(self) -> bool:
        """Whether the store takes decisions ahead (:meth:`ahead`): one whose calls cost a round trip."""
        return getattr(self.store, "ahead", None) is not None

    @property
    def down(self) -> bool:
        return self._down_until is not None

    async def decide(self, check: Check) -> Decision:
        if self._down_until is not None and self._clock.monotonic() < self._down_until:
            return self._fallback
        try:
            return self._settled(await self.store.decide(check))
        except StoreUnavailableError as exc:
            return self._settled(exc)

    def _went_down(self, exc: StoreUnavailableError) -> None:
        if self._down_until is None:
            effect = "requests pass unthrottled" if self.mode is FailMode.OPEN else "requests get 500"
            log.warning("limit store unreachable (%s); fail %s: %s until it is back", exc, self.mode, effect)
        self._down_until = self._clock.monotonic() + self._retry_after

    def ahead(self, check: Check) -> GuardedPending | None:
        """The decision sent ahead of the authorizer (:class:`~vpcgate.limits.store.AheadStore`), under
        the same fail policy; ``None`` when the store cannot (memory: no round trip to save), is in
        its outage pause, or ``check`` has nothing to decide: call :meth:`decide` then."""
        ahead = getattr(self.store, "ahead", None)
        if ahead is None or (self._down_until is not None and self._clock.monotonic() < self._down_until):
            return None
        pending = cast(PendingDecision | None, ahead(check))
        return None if pending is None else GuardedPending(self, pending)

    def _settled(self, outcome: Decision | StoreUnavailableError) -> Decision:
        if isinstance(outcome, StoreUnavailableError):
            self._went_down(outcome)
            return self._fallback
        if self._down_until is not None:
            log.warning("limit store is back; throttles and quotas are enforced again")
            self._down_until = None
        return outcome

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        """Usage counts; raises :class:`StoreUnavailableError` (a report cannot make numbers up)."""
        return await self.store.daily_usage(plan_id, key_id, days)

    async def close(self) -> None:
        await self.store.close()


class GuardedPending:
    """A decision sent ahead, read under the fail policy of its :class:`GuardedStore`."""

    def __init__(self, guard: GuardedStore, pending: PendingDecision) -> None:
        self._guard = guard
        self._pending = pending

    async def result(self) -> Decision:
        try:
            return self._guard._settled(await self._pending.result())
        except StoreUnavailableError as exc:
            return self._guard._settled(exc)

    def cancel(self) -> None:
        self._pending.cancel()
