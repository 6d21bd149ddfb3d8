"""What a request is checked against (:class:`Check`) and what comes back (:class:`Decision`).

A :class:`Check` lists the token buckets that apply to one request in the order API Gateway applies
them, and the usage plan's quota if there is one. It is built by :mod:`vpcgate.limits.rules` from the
deployed configuration and handed to a :class:`~vpcgate.limits.store.LimitStore`, which answers with a
:class:`Decision`. The decision maps to AWS's responses
(https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html):

::

    Outcome
    ├── ALLOWED          go on (``degraded`` when the store was unreachable and the policy is fail open)
    ├── THROTTLED        429 {"message":"Too Many Requests"}  (ThrottledError; ``tier`` names the bucket)
    ├── QUOTA_EXCEEDED   429 {"message":"Limit Exceeded"}     (QuotaExceededError)
    └── UNAVAILABLE      500 {"message": "Internal server error"} (the store is unreachable, fail closed)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from vpcgate.errors import ConfigError
from vpcgate.gateway.errors import Default5xxError, GatewayError, QuotaExceededError, ThrottledError
from vpcgate.limits import periods
from vpcgate.spec.model import QuotaPeriod

__all__ = ["BucketRule", "Check", "Decision", "Outcome", "QuotaRule", "Rate", "Tier"]


class Tier(StrEnum):
    """The kinds of token bucket, in the order API Gateway applies them
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html)."""

    PLAN_METHOD = "usage plan method"  # per client (API key) and method: apiStages[].throttle
    PLAN = "usage plan"  # per client (API key): the plan's throttle
    STAGE_METHOD = "stage method"  # per stage and method: MethodSettings (or "*/*")
    ACCOUNT = "account"  # every API of this vpcgate: 10,000 rps, burst 5,000 by default


@dataclass(frozen=True, slots=True)
class Rate:
    """A token bucket's settings: ``rate`` tokens per second (the steady-state request rate) into a
    bucket holding at most ``burst`` tokens. A request takes one token."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate) and self.rate >= 0):
            raise ConfigError(f"throttling rate must be a number >= 0, got {self.rate!r}")
        if self.burst < 0:
            raise ConfigError(f"throttling burst must be >= 0, got {self.burst!r}")


@dataclass(frozen=True, slots=True)
class BucketRule:
    """One bucket a request must take a token from: its identity in the store, tier and settings."""

    key: str
    tier: Tier
    rate: Rate


@dataclass(frozen=True, slots=True)
class QuotaRule:
    """A usage plan's quota for one API key: ``limit`` requests per calendar ``period`` (UTC);
    ``offset`` requests are subtracted from the limit in the plan's initial period, the one that
    contains ``created`` (epoch seconds)."""

    plan_id: str
    key_id: str
    limit: int
    period: QuotaPeriod
    offset: int = 0
    created: float = 0.0
    initial_start: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.limit < 0 or self.offset < 0:
            raise ConfigError(f"quota limit and offset must be >= 0 (plan {self.plan_id})")
        object.__setattr__(self, "initial_start", periods.period_start(self.period, self.created))

    def cap(self, period_start: float) -> int:
        """How many requests the period starting at ``period_start`` allows."""
        if period_start == self.initial_start:
            return max(0, self.limit - self.offset)
        return self.limit


@dataclass(frozen=True, slots=True)
class Check:
    """Everything one request is held to: buckets in AWS's order, then (optionally) a quota."""

    buckets: tuple[BucketRule, ...] = ()
    quota: QuotaRule | None = None


class Outcome(Enum):
    ALLOWED = "allowed"
    THROTTLED = "throttled"
    QUOTA_EXCEEDED = "quota exceeded"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Decision:
    """A store's answer. ``tier``: the bucket that refused (THROTTLED). ``quota_remaining``: requests
    left in the quota period after this one (``None`` without a quota). ``degraded``: the store was
    unreachable and the request passed unchecked (fail open)."""

    outcome: Outcome
    tier: Tier | None = None
    quota_remaining: int | None = None
    degraded: bool = False

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED

    def error(self) -> GatewayError | None:
        """The gateway error to raise for this decision (``None`` when the request may go on)."""
        if self.outcome is Outcome.THROTTLED:
            return ThrottledError()
        if self.outcome is Outcome.QUOTA_EXCEEDED:
            return QuotaExceededError()
        if self.outcome is Outcome.UNAVAILABLE:
            return Default5xxError()
        return None


ALLOWED = Decision(Outcome.ALLOWED)
