"""The seams between the gateway and its shared state: :class:`LimitStore` (token buckets, quotas and
usage counters) and :class:`AuthorizerCache` (Lambda authorizer results with a TTL).

Two implementations of each: :mod:`vpcgate.limits.memory` (one process, the default) and
:mod:`vpcgate.limits.redis_store` (``--state redis://HOST:PORT/DB``, shared by several gateway nodes).

::

    VpcgateError
    └── StoreUnavailableError   the store could not be reached; :mod:`vpcgate.limits.guard` turns it into
                                a decision by the fail policy, so no request ever sees it
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from vpcgate.errors import VpcgateError
from vpcgate.limits.model import Check, Decision

__all__ = ["AheadStore", "AuthorizerCache", "LimitStore", "PendingDecision", "StoreUnavailableError"]


class StoreUnavailableError(VpcgateError):
    """The state store (Redis) did not answer."""


class LimitStore(Protocol):
    async def decide(self, check: Check) -> Decision:
        """Check and take, atomically, from every bucket and the quota of ``check``."""
        ...

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        """Requests counted against the plan's quota for the key on each UTC day of ``days``."""
        ...

    async def close(self) -> None: ...


class PendingDecision(Protocol):
    """A decision sent ahead of the steps that may still refuse the request (see :class:`AheadStore`)."""

    async def result(self) -> Decision:
        """The decision (raises :class:`StoreUnavailableError` like ``decide``)."""
        ...

    def cancel(self) -> None:
        """The request was refused before its limits applied: withdraw the decision if it has not
        been sent, else give back what it took once it is known to have taken anything."""
        ...


class AheadStore(LimitStore, Protocol):
    """A store whose calls cost a round trip (Redis) can take a decision *ahead*: queued now, sent
    with the request's next store call (its authorizer-cache read) or as soon as the request waits."""

    def ahead(self, check: Check) -> PendingDecision | None:
        """``None`` when ``check`` has nothing to decide."""
        ...


class AuthorizerCache(Protocol):
    """The shape of :class:`vpcgate.gateway.authorizers.cache.CacheStore` (plus ``close``), so the
    authorizer cache can keep its entries here, in memory or in Redis."""

    async def get(self, key: str) -> bytes | None:
        """The cached value, or ``None`` when absent, expired or the store is unreachable."""
        ...

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Keep ``value`` for ``ttl_seconds`` (``<= 0``: do not cache, as AWS's TTL 0). The Redis
        cache sends it with the request's next store call (see :mod:`vpcgate.limits.redis_store`)."""
        ...

    async def flush(self) -> None:
        """Wait until every ``put`` so far is visible to other nodes (memory: at once)."""
        ...

    async def close(self) -> None: ...
