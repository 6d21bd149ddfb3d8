"""Throttle: the request takes a token from every bucket that applies to it, and one from its usage
plan's quota, or is refused.

The buckets and their order are :class:`vpcgate.limits.rules.MethodLimits` (usage plan per key and
method, usage plan per key, stage method settings, account), built once per method; the store (memory,
or Redis shared by several nodes) decides atomically in one call; the fail policy
(:mod:`vpcgate.limits.guard`) decides what happens while the store is unreachable. Responses are AWS's
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).

A method with no bucket (no account limit configured, no method setting) and no API key has no
throttle step.

Errors::

    ThrottledError       429 {"message":"Too Many Requests"}: a bucket is empty
    QuotaExceededError   429 {"message":"Limit Exceeded"}: the key's quota for the period is spent
    Default5xxError      500 {"message": "Internal server error"}: the store is unreachable and the
                         policy is fail closed
"""

from __future__ import annotations

from vpcgate.gateway.context import Invocation
from vpcgate.limits.guard import GuardedStore
from vpcgate.limits.rules import MethodLimits

__all__ = ["ThrottleStep"]


class ThrottleStep:
    def __init__(self, limits: MethodLimits, store: GuardedStore) -> None:
        self.limits = limits
        self.store = store

    async def __call__(self, inv: Invocation) -> None:
        decision = await self.store.decide(self.limits.check(inv.grant))
        if not decision.allowed:
            error = decision.error()
            if error is not None:
                raise error
