"""Token-bucket arithmetic, pure: the memory store runs it as is and the Redis script mirrors it line
for line, so both stores decide identically for the same sequence of requests and times.

API Gateway throttles "using the token bucket algorithm, where a token counts for a request"; the rate
is "the rate at which tokens are added to the token bucket" and the burst "the capacity of the token
bucket" (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
A new bucket starts full.

A request must find a token in *every* bucket that applies to it. vpcgate's rule (AWS does not say):
**all or nothing** — the buckets are refilled and checked first, and only if all of them hold a token
is one taken from each. A refused request takes nothing from any bucket (nor from the quota), so a
client throttled by a narrow bucket does not drain the wider ones it shares with others.

Time comes from the caller. If ``now`` is before a bucket's last stamp (another node's clock runs
ahead) the bucket neither refills nor moves its stamp back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vpcgate.limits.model import BucketRule, Rate

__all__ = ["BucketState", "refill", "take"]


@dataclass(frozen=True, slots=True)
class BucketState:
    tokens: float
    stamp: float


def refill(state: BucketState | None, rate: Rate, now: float) -> BucketState:
    """The bucket as it stands at ``now`` (a bucket never seen is full)."""
    if state is None:
        return BucketState(float(rate.burst), now)
    elapsed = now - state.stamp
    if elapsed > 0:
        return BucketState(min(float(rate.burst), state.tokens + elapsed * rate.rate), now)
    return state


def take(
    states: Sequence[BucketState | None], rules: Sequence[BucketRule], now: float
) -> tuple[int, list[BucketState]]:
    """Take a token from every bucket, or from none.

    Returns ``(-1, new states)`` when the request passes, else ``(index of the first bucket without a
    token, [])``.
    """
    filled = []
    for index, (state, rule) in enumerate(zip(states, rules, strict=True)):
        current = refill(state, rule.rate, now)
        if current.tokens < 1:
            return index, []
        filled.append(current)
    return -1, [BucketState(s.tokens - 1, s.stamp) for s in filled]
