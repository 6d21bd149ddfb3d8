"""The Redis stores (``--state redis://HOST:PORT/DB``): several gateway nodes share buckets, quotas,
usage counters and authorizer results. The only module that imports :mod:`redis`.

A decision is one round trip: EVALSHA of :data:`vpcgate.limits.script.DECIDE`; after a Redis restart
the script cache is empty, Redis answers NOSCRIPT and the same call is made once with EVAL (which
caches the script again). Connection and timeout errors — and any other Redis error — become
:class:`~vpcgate.limits.store.StoreUnavailableError` here and nowhere else; the client never retries
on its own (a request must not wait for reconnect back-offs) and reconnects on the next call, so the
store recovers as soon as Redis is back. :mod:`vpcgate.limits.guard` decides what an unreachable store
means for a request.

Authorizer results are stored with their expiry (the injected wall clock) in front of the value, and
with a Redis TTL a second longer as a backstop; an unreachable Redis reads as a cache miss and a put
is dropped, so the authorizer is simply called.

Redis Cluster is not supported: the keys of one decision may live in different hash slots.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError, RedisError

from vpcgate.limits import quota
from vpcgate.limits.clock import Clock
from vpcgate.limits.model import ALLOWED, Check, Decision, Outcome, Rate
from vpcgate.limits.script import DAY_TTL_MS, DECIDE, DECIDE_SHA
from vpcgate.limits.state import RedisAddress
from vpcgate.limits.store import StoreUnavailableError

__all__ = ["RedisAuthorizerCache", "RedisStore", "connect"]

log = logging.getLogger(__name__)

REFILLED_MARGIN_MS = 60_000  # a bucket key outlives the time it takes to fill up again by this much
NEVER_REFILLS_MS = 30 * 86_400_000  # a rate-0 bucket's state is kept 30 days


def connect(
    address: RedisAddress, clock: Clock, *, prefix: str = "vpcgate:", timeout: float = 0.5
) -> tuple[RedisStore, RedisAuthorizerCache]:
    """A limit store and an authorizer cache on one client. Nothing is sent until the first call, so
    this succeeds while Redis is down. Close the store (it owns the client)."""
    client = Redis(
        host=address.host,
        port=address.port,
        db=address.db,
        password=address.password,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
    return RedisStore(client, clock, prefix, address), RedisAuthorizerCache(client, clock, prefix)


class RedisStore:
    def __init__(self, client: Redis, clock: Clock, prefix: str, address: RedisAddress) -> None:
        self._client = client
        self._clock = clock
        self._prefix = prefix
        self._address = address
        self._rate_args: dict[Rate, tuple[str, str, str]] = {}

    async def decide(self, check: Check) -> Decision:
        if not check.buckets and check.quota is None:
            return ALLOWED
        keys, args = self._encode(check)
        reply = await self._run(keys, args)
        code, index, remaining = (int(x) for x in reply)
        if code == 0:
            return Decision(Outcome.ALLOWED, quota_remaining=None if remaining < 0 else remaining)
        if code == 1:
            return Decision(Outcome.THROTTLED, tier=check.buckets[index - 1].tier)
        return Decision(Outcome.QUOTA_EXCEEDED, quota_remaining=0)

    def _encode(self, check: Check) -> tuple[list[str], list[str]]:
        wall = self._clock.wall()
        keys = [self._prefix + rule.key for rule in check.buckets]
        args = [repr(wall), str(len(keys)), "", "0", str(DAY_TTL_MS)]
        if check.quota is not None:
            window = quota.window(check.quota, wall)
            keys += [self._prefix + window.counter, self._prefix + window.day_counter]
            args[2] = str(window.cap)
            args[3] = str(max(1, math.ceil((window.end - wall) * 1000)) + 86_400_000)
        for rule in check.buckets:
            args.extend(self._bucket_args(rule.rate))
        return keys, args

    def _bucket_args(self, rate: Rate) -> tuple[str, str, str]:
        encoded = self._rate_args.get(rate)
        if encoded is None:
            refill_ms = (
                math.ceil(rate.burst / rate.rate * 1000) + REFILLED_MARGIN_MS
                if rate.rate
                else NEVER_REFILLS_MS
            )
            encoded = self._rate_args[rate] = (repr(rate.rate), str(rate.burst), str(refill_ms))
        return encoded

    async def _run(self, keys: list[str], args: list[str]) -> list[Any]:
        try:
            try:
                return cast(list[Any], await self._client.evalsha(DECIDE_SHA, len(keys), *keys, *args))
            except NoScriptError:
                # First use, or Redis restarted and forgot the script: EVAL runs and caches it.
                return cast(list[Any], await self._client.eval(DECIDE, len(keys), *keys, *args))
        except (RedisError, OSError) as exc:
            raise StoreUnavailableError(f"Redis at {self._address} did not answer: {exc}") from exc

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        if not days:
            return []
        keys = [self._prefix + quota.day_counter(plan_id, key_id, d) for d in days]
        try:
            values = cast(list[bytes | None], await self._client.mget(keys))
        except (RedisError, OSError) as exc:
            raise StoreUnavailableError(f"Redis at {self._address} did not answer: {exc}") from exc
        return [int(v) if v is not None else 0 for v in values]

    async def ping(self) -> bool:
        """Whether Redis answers now."""
        try:
            return bool(await self._client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._client.aclose()


class RedisAuthorizerCache:
    """Authorizer results in Redis, shared by every node. Borrows the store's client (``close`` is a
    no-op: close the store)."""

    def __init__(self, client: Redis, clock: Clock, prefix: str) -> None:
        self._client = client
        self._clock = clock
        self._prefix = prefix + "auth|"
        self._failing = False

    async def get(self, key: str) -> bytes | None:
        try:
            stored = cast(bytes | None, await self._client.get(self._prefix + key))
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return None
        self._recovered()
        if stored is None:
            return None
        expires, _, value = stored.partition(b"|")
        return value if float(expires) > self._clock.wall() else None

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        if ttl <= 0:
            return
        expires = repr(self._clock.wall() + ttl).encode()
        try:
            await self._client.set(
                self._prefix + key, expires + b"|" + value, px=math.ceil(ttl * 1000) + 1000
            )
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return
        self._recovered()

    async def close(self) -> None:
        return None

    def _failed(self, exc: Exception) -> None:
        if not self._failing:
            log.warning("authorizer cache: Redis unreachable (%s); calling authorizers uncached", exc)
        self._failing = True

    def _recovered(self) -> None:
        if self._failing:
            log.warning("authorizer cache: Redis is back")
        self._failing = False
