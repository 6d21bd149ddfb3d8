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
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError, RedisError

from vpcgate.limits import quota
from vpcgate.limits.clock import Clock
from vpcgate.limits.model import ALLOWED, BucketRule, Check, Decision, Outcome, Rate
from vpcgate.limits.near_cache import NearCache
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
    sender = _Sender(client, str(address))
    store = RedisStore(client, clock, prefix, address, sender)
    return store, RedisAuthorizerCache(client, clock, prefix, sender)


class RedisStore:
    def __init__(
        self, client: Redis, clock: Clock, prefix: str, address: RedisAddress, sender: _Sender
    ) -> None:
        self._client = client
        self._clock = clock
        self._prefix = prefix
        self._address = address
        # id(rules) → (rules, keys, packed settings); holding ``rules`` keeps its id from being reused
        self._encoded: dict[int, tuple[tuple[BucketRule, ...], list[str], str]] = {}
        self._sender = sender

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
_Write = tuple[str, bytes, int]  # SET key value PX milliseconds


class _Sender:
    """Runs the decision script and the authorizer-cache writes on one connection.

    A decision finds Redis idle and goes alone, or finds a call in flight and waits for it, then goes
    with every other call that arrived meanwhile in one pipeline (one write, one read). Each decision
    is still exactly one EVALSHA; under load the round trips are shared, which is what keeps the
    Redis store's cost per request low.

    A cache write (:meth:`write`) does not make a round trip of its own when it can ride: it goes in
    front of the next decision's pipeline — the same request's limits decision, which follows its
    authorizer in the same task without yielding to the event loop, so it is always next. A write no
    decision picks up (a method without a throttle step, a store in its outage pause) is sent on its
    own as soon as the request first waits (``call_soon``). ``on_write`` hears how writes went
    (``None``: stored; else the error), for the cache's outage warnings."""

    def __init__(self, client: Redis, where: str) -> None:
        self._client = client
        self._where = where
        self._busy = False
        self._queue: list[_Waiting] = []
        self._writes: list[_Write] = []
        self._kick_due = False
        self._drainer: asyncio.Task[None] | None = None
        self.on_write: Callable[[BaseException | None], None] = lambda _: None

    async def send(self, keys: list[str], args: list[str]) -> list[Any]:
        if self._busy:
            waiting: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
            self._queue.append((keys, args, waiting))
            return await waiting
        self._busy = True
        try:
            if self._writes:
                return await self._with_writes(keys, args)
            return await self._alone(keys, args)
        finally:
            self._next()

    def write(self, key: str, value: bytes, px: int) -> None:
        self._writes.append((key, value, px))
        if not self._busy and not self._kick_due:
            self._kick_due = True
            asyncio.get_running_loop().call_soon(self._kick)

    async def idle(self) -> None:
        """Wait until every call and write so far has been sent and answered."""
        self._kick()
        while self._busy:
            if self._drainer is not None and not self._drainer.done():
                await self._drainer
            else:  # a lone decision is in flight; its ``finally`` starts the drainer if needed
                await asyncio.sleep(0.001)

    def _kick(self) -> None:
        self._kick_due = False
        if self._writes and not self._busy:
            self._busy = True
            self._next()

    def _next(self) -> None:
        if self._queue or self._writes:
            self._drainer = asyncio.create_task(self._drain())
        else:
            self._busy = False

    async def _with_writes(self, keys: list[str], args: list[str]) -> list[Any]:
        waiting: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        await self._together([(keys, args, waiting)])
        return waiting.result()

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
            while self._queue or self._writes:
                batch, self._queue = self._queue, []
                await self._together(batch)
        finally:
            self._busy = False

    async def _together(self, batch: list[_Waiting]) -> None:
        writes, self._writes = self._writes, []
        try:
            replies = await self._pipeline(DECIDE_SHA, batch, writes)
            written, replies = replies[: len(writes)], replies[len(writes) :]
            if written:
                self.on_write(next((r for r in written if isinstance(r, Exception)), None))
            forgotten = [i for i, r in enumerate(replies) if isinstance(r, NoScriptError)]
            if forgotten:
                again = await self._pipeline(DECIDE, [batch[i] for i in forgotten], [])
                for i, reply in zip(forgotten, again, strict=True):
                    replies[i] = reply
        except (RedisError, OSError) as exc:
            if writes:
                self.on_write(exc)
            replies = [exc] * len(batch)
        for (_, _, waiting), reply in zip(batch, replies, strict=True):
            if waiting.done():
                continue  # the request went away
            if isinstance(reply, Exception):
                waiting.set_exception(self._unavailable(reply))
            else:
                waiting.set_result(cast(list[Any], reply))

    async def _pipeline(self, script: str, batch: list[_Waiting], writes: list[_Write]) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for key, value, px in writes:
            pipe.set(key, value, px=px)
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
    """Authorizer results in Redis, shared by every node, with this node's copies in front
    (:class:`~vpcgate.limits.near_cache.NearCache`). Borrows the store's client and sender
    (``close`` only waits for pending writes: close the store)."""

    def __init__(self, client: Redis, clock: Clock, prefix: str, sender: _Sender) -> None:
        self._client = client
        self._clock = clock
        self._prefix = prefix + "auth|"
        self._sender = sender
        self._near = NearCache(clock)
        self._failing = False
        sender.on_write = self._written

    async def get(self, key: str) -> bytes | None:
        near = self._near.get(key)
        if near is not None:
            return near
        try:
            stored = cast(bytes | None, await self._client.get(self._prefix + key))
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return None
        self._recovered()
        if stored is None:
            return None
        expires_text, _, value = stored.partition(b"|")
        expires = float(expires_text)
        if expires <= self._clock.wall():
            return None
        self._near.keep(key, expires, value)
        return value

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Kept here at once; written to Redis with the request's limits decision (no round trip of
        its own when the request has one, see :class:`_Sender`)."""
        if ttl_seconds <= 0:
            return
        expires = self._clock.wall() + ttl_seconds
        self._near.keep(key, expires, value)
        stored = repr(expires).encode() + b"|" + value
        self._sender.write(self._prefix + key, stored, math.ceil(ttl_seconds * 1000) + 1000)

    async def flush(self) -> None:
        """Wait until every put so far has reached Redis (or failed)."""
        await self._sender.idle()

    async def close(self) -> None:
        await self.flush()

    def _written(self, error: BaseException | None) -> None:
        if error is None:
            self._recovered()
        else:
            self._failed(error)

    def _failed(self, exc: BaseException) -> None:
        if not self._failing:
            log.warning("authorizer cache: Redis unreachable (%s); calling authorizers uncached", exc)
        self._failing = True

    def _recovered(self) -> None:
        if self._failing:
            log.warning("authorizer cache: Redis is back")
        self._failing = False
