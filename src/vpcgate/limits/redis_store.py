"""The Redis stores (``--state redis://HOST:PORT/DB``): several gateway nodes share buckets, quotas,
usage counters and authorizer results. The only module that imports :mod:`redis`.

A decision is one round trip: EVALSHA of :data:`vpcgate.limits.script.DECIDE`; after a Redis restart
the script cache is empty, Redis answers NOSCRIPT and the same call is made once with EVAL (which
caches the script again). Decisions that arrive while one is in flight go together in one pipeline
(:class:`_Sender`): still one EVALSHA each, but the round trips are shared.

Connection and timeout errors — and any other Redis error — become
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

import asyncio
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
from vpcgate.limits.model import ALLOWED, BucketRule, Check, Decision, Outcome, Rate
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
        # id(rules) → (rules, keys, packed settings); holding ``rules`` keeps its id from being reused
        self._encoded: dict[int, tuple[tuple[BucketRule, ...], list[str], str]] = {}
        self._sender = _Sender(client, str(address))

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
        keys, params = self._buckets(check.buckets)
        if check.quota is None:
            return keys, [f"{wall!r} - 0 0", params]
        window = quota.window(check.quota, wall)
        keys = [*keys, self._prefix + window.counter, self._prefix + window.day_counter]
        quota_ttl = max(1, math.ceil((window.end - wall) * 1000)) + 86_400_000
        return keys, [f"{wall!r} {window.cap} {quota_ttl} {DAY_TTL_MS}", params]

    def _buckets(self, rules: tuple[BucketRule, ...]) -> tuple[list[str], str]:
        """Keys and packed settings of a bucket list, cached by the tuple's identity (rules are built
        once per method, so the same tuple comes back request after request)."""
        cached = self._encoded.get(id(rules))
        if cached is None or cached[0] is not rules:
            if len(self._encoded) > 10_000:
                self._encoded.clear()
            params = " ".join(_bucket_params(rule.rate) for rule in rules)
            cached = self._encoded[id(rules)] = (rules, [self._prefix + r.key for r in rules], params)
        return cached[1], cached[2]

    async def _run(self, keys: list[str], args: list[str]) -> list[Any]:
        return await self._sender.send(keys, args)

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
        await self._sender.idle()
        await self._client.aclose()


_Waiting = tuple[list[str], list[str], "asyncio.Future[list[Any]]"]


class _Sender:
    """Runs the decision script: a call finds Redis idle and goes alone, or finds a call in flight
    and waits for it, then goes with every other call that arrived meanwhile in one pipeline (one
    write, one read). Each decision is still exactly one EVALSHA in one round trip; under load the
    round trips are shared, which is what keeps the Redis store's cost per request low."""

    def __init__(self, client: Redis, where: str) -> None:
        self._client = client
        self._where = where
        self._busy = False
        self._queue: list[_Waiting] = []
        self._drainer: asyncio.Task[None] | None = None

    async def send(self, keys: list[str], args: list[str]) -> list[Any]:
        if self._busy:
            waiting: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
            self._queue.append((keys, args, waiting))
            return await waiting
        self._busy = True
        try:
            return await self._alone(keys, args)
        finally:
            if self._queue:
                self._drainer = asyncio.create_task(self._drain())
            else:
                self._busy = False

    async def idle(self) -> None:
        if self._drainer is not None:
            await self._drainer

    async def _alone(self, keys: list[str], args: list[str]) -> list[Any]:
        try:
            try:
                return cast(list[Any], await self._client.evalsha(DECIDE_SHA, len(keys), *keys, *args))
            except NoScriptError:
                # First use, or Redis restarted and forgot the script: EVAL runs and caches it.
                return cast(list[Any], await self._client.eval(DECIDE, len(keys), *keys, *args))
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from exc

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._together(batch)
        finally:
            self._busy = False

    async def _together(self, batch: list[_Waiting]) -> None:
        try:
            replies = await self._pipeline(DECIDE_SHA, batch)
            forgotten = [i for i, r in enumerate(replies) if isinstance(r, NoScriptError)]
            if forgotten:
                again = await self._pipeline(DECIDE, [batch[i] for i in forgotten])
                for i, reply in zip(forgotten, again, strict=True):
                    replies[i] = reply
        except (RedisError, OSError) as exc:
            replies = [exc] * len(batch)
        for (_, _, waiting), reply in zip(batch, replies, strict=True):
            if waiting.done():
                continue  # the request went away
            if isinstance(reply, Exception):
                waiting.set_exception(self._unavailable(reply))
            else:
                waiting.set_result(cast(list[Any], reply))

    async def _pipeline(self, script: str, batch: list[_Waiting]) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for keys, args, _ in batch:
            if script is DECIDE:
                pipe.eval(DECIDE, len(keys), *keys, *args)
            else:
                pipe.evalsha(DECIDE_SHA, len(keys), *keys, *args)
        return list(await pipe.execute(raise_on_error=False))

    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        return StoreUnavailableError(f"Redis at {self._where} did not answer: {exc}")


def _bucket_params(rate: Rate) -> str:
    """``"rate burst ttl-ms"``: the key outlives the time the bucket takes to fill up again."""
    ttl = math.ceil(rate.burst / rate.rate * 1000) + REFILLED_MARGIN_MS if rate.rate else NEVER_REFILLS_MS
    return f"{rate.rate!r} {rate.burst} {ttl}"


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

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        expires = repr(self._clock.wall() + ttl_seconds).encode()
        try:
            await self._client.set(
                self._prefix + key, expires + b"|" + value, px=math.ceil(ttl_seconds * 1000) + 1000
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
