"""The Redis stores (``--state redis://HOST:PORT/DB``): several gateway nodes share buckets, quotas,
usage counters and authorizer results. The only module that imports :mod:`redis`.

A decision is one EVALSHA of :data:`vpcgate.limits.script.DECIDE`; after a Redis restart the script
cache is empty, Redis answers NOSCRIPT and the same call is made once with EVAL (which caches the
script again). Every command a node sends goes through one :class:`_Sender`, which puts whatever is
ready into one pipeline: calls that arrive while a round trip is in flight share the next one, and
deferred commands (cache writes, refunds, decisions taken ahead) ride with the next call.

Round trips per request (issue 7: "at most one round trip per request"), proven by
``tests/integration/auth/test_round_trips.py`` on a real redis-server with two nodes:

==========================================================  ===========  ===========================
request                                                     round trips  sent
==========================================================  ===========  ===========================
limits only (no authorizer; Cognito, IAM: checked locally)  1            EVALSHA
Lambda authorizer, answer in this node's copy               1            EVALSHA
key from the header, answer in Redis (another node's)       1            [EVALSHA ahead, GET]
key from the header, no answer anywhere (a true miss)       2            [EVALSHA ahead, GET] · SET
key from the authorizer, answer in Redis                    2            GET · EVALSHA
key from the authorizer, a true miss                        2            GET · [SET, EVALSHA]
==========================================================  ===========  ===========================

Why the last three cannot be one: a true miss must read the cache before it calls the authorizer
function (to know it must call it) and can only write the function's answer after it — a read and a
write on either side of the function, two round trips whatever is pipelined with them (the write
rides with the decision when one follows, else goes as soon as the request waits; the request never
waits for it, and the function call costs far more). With the key from the authorizer
(``usageIdentifierKey``), the decision's keys are only known from the answer, so it follows the
cache read. Each such case happens once per node and identity per TTL: the answer is then this
node's copy (:mod:`vpcgate.limits.near_cache`) and the request makes one round trip.

A decision taken ahead (:meth:`RedisStore.ahead`, used by
:class:`vpcgate.gateway.steps.guards.AheadGuards`) keeps AWS's order: the authorizer's refusal
(401/403/500) still wins over a 429, and a request the authorizer or the key check refuses takes
nothing — the decision is withdrawn if still queued (a refusal from this node's copy sends no
command at all), else :data:`~vpcgate.limits.script.REFUND` gives back what it took (a deferred EVAL,
not waited for).

Connection and timeout errors — and any other Redis error — become
:class:`~vpcgate.limits.store.StoreUnavailableError` here and nowhere else; the client never retries
on its own (a request must not wait for reconnect back-offs) and reconnects on the next call, so the
store recovers as soon as Redis is back. :mod:`vpcgate.limits.guard` decides what an unreachable store
means for a request.

Authorizer results are stored with their expiry (the injected wall clock) in front of the value, and
with a Redis TTL a second longer as a backstop; an unreachable Redis reads as a cache miss and a put
is dropped, so the authorizer is simply called. A put is visible to other nodes once sent: with the
request's next Redis call, or as soon as the request first waits (``flush`` waits for it).

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
from vpcgate.limits.script import DAY_TTL_MS, DECIDE, DECIDE_SHA, REFUND
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
        try:
            reply = await self._sender.call(_DECIDE, keys, args)
        except (RedisError, OSError) as exc:
            raise self._sender.unavailable(exc) from exc
        return _decision(check, reply)

    def ahead(self, check: Check) -> _Ahead | None:
        """The decision queued now, sent with this task's next Redis call or when it first waits."""
        if not check.buckets and check.quota is None:
            return None
        keys, args = self._encode(check)
        return _Ahead(self._sender, check, keys, args)

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

    async def daily_usage(self, plan_id: str, key_id: str, days: Sequence[date]) -> list[int]:
        if not days:
            return []
        keys = [self._prefix + quota.day_counter(plan_id, key_id, d) for d in days]
        try:
            values = cast(list[bytes | None], await self._client.mget(keys))
        except (RedisError, OSError) as exc:
            raise self._sender.unavailable(exc) from exc
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


_DECIDE, _REFUND, _GET, _SET = "decide", "refund", "get", "set"


class _Op:
    """One command for Redis: ``future`` gets its reply (``None``: nobody waits for it)."""

    __slots__ = ("args", "command", "future")

    def __init__(self, command: str, args: tuple[Any, ...], future: asyncio.Future[Any] | None) -> None:
        self.command = command
        self.args = args
        self.future = future


class _Sender:
    """Every command a node sends to Redis, on one connection, in as few round trips as it can.

    - :meth:`call` (a decision, a cache read) goes at once when Redis is idle, together with whatever
      is queued; when a round trip is in flight it waits and goes with every call that arrived
      meanwhile in one pipeline (one write, one read) — under load the round trips are shared.
    - :meth:`defer` (a cache write, a refund, a decision taken ahead) is queued and rides in front
      of the next :meth:`call`. The request that queued it makes that call from the same task without
      yielding to the event loop (its authorizer-cache read, its limits decision), so it is always
      next; when no call follows, it is sent on its own as soon as the task waits (``call_soon``).
    - :meth:`withdraw` takes a deferred command back while it is still queued.

    Errors (``RedisError``, ``OSError``) reach each caller as they are; ``on_write`` hears how
    deferred cache writes went (``None``: stored), for the cache's outage warnings."""

    def __init__(self, client: Redis, where: str) -> None:
        self._client = client
        self._where = where
        self._busy = False
        self._queued: list[_Op] = []
        self._kick_due = False
        self._drainer: asyncio.Task[None] | None = None
        self.on_write: Callable[[BaseException | None], None] = lambda _: None

    async def call(self, command: str, *args: Any) -> Any:
        op = _Op(command, args, asyncio.get_running_loop().create_future())
        self._queued.append(op)
        if not self._busy:
            self._busy = True
            batch, self._queued = self._queued, []
            try:
                await self._round_trip(batch)
            finally:
                self._next()
        assert op.future is not None
        return await op.future

    def defer(self, command: str, *args: Any, reply: bool = False) -> _Op:
        future = asyncio.get_running_loop().create_future() if reply else None
        op = _Op(command, args, future)
        self._queued.append(op)
        if not self._busy and not self._kick_due:
            self._kick_due = True
            asyncio.get_running_loop().call_soon(self._kick)
        return op

    def withdraw(self, op: _Op) -> bool:
        """Take back a deferred command not yet sent; ``False`` when it is already on its way."""
        try:
            self._queued.remove(op)
        except ValueError:
            return False
        return True

    async def idle(self) -> None:
        """Wait until every command so far has been sent and answered."""
        self._kick()
        while self._busy:
            if self._drainer is not None and not self._drainer.done():
                await self._drainer
            else:  # a call is in flight; its ``finally`` starts the drainer if needed
                await asyncio.sleep(0.001)

    def unavailable(self, exc: BaseException) -> StoreUnavailableError:
        return StoreUnavailableError(f"Redis at {self._where} did not answer: {exc}")

    def _kick(self) -> None:
        self._kick_due = False
        if self._queued and not self._busy:
            self._busy = True
            self._next()

    def _next(self) -> None:
        if self._queued:
            self._drainer = asyncio.create_task(self._drain())
        else:
            self._busy = False

    async def _drain(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued, []
                await self._round_trip(batch)
        finally:
            self._busy = False

    async def _round_trip(self, batch: list[_Op]) -> None:
        replies: list[Any]
        try:
            replies = [await self._alone(batch[0])] if len(batch) == 1 else await self._together(batch)
        except (RedisError, OSError) as exc:
            replies = [exc] * len(batch)
        except BaseException as exc:  # cancelled: nobody else may wait forever
            self._settle(batch, [ConnectionError(f"cancelled: {exc!r}")] * len(batch))
            raise
        self._settle(batch, replies)

    def _settle(self, batch: list[_Op], replies: list[Any]) -> None:
        for op, reply in zip(batch, replies, strict=True):
            if op.command == _SET:
                self.on_write(reply if isinstance(reply, BaseException) else None)
            if op.future is None or op.future.done():
                continue  # nobody waits (a write, a refund), or the request went away
            if isinstance(reply, BaseException):
                op.future.set_exception(reply)
            else:
                op.future.set_result(reply)

    async def _alone(self, op: _Op) -> Any:
        client = self._client
        if op.command == _DECIDE:
            keys, args = op.args
            try:
                return await client.evalsha(DECIDE_SHA, len(keys), *keys, *args)
            except NoScriptError:
                # First use, or Redis restarted and forgot the script: EVAL runs and caches it.
                return await client.eval(DECIDE, len(keys), *keys, *args)
        if op.command == _GET:
            return await client.get(*op.args)
        if op.command == _SET:
            key, value, px = op.args
            return await client.set(key, value, px=px)
        keys, args = op.args
        return await client.eval(REFUND, len(keys), *keys, *args)

    async def _together(self, batch: list[_Op]) -> list[Any]:
        replies = await self._pipeline(batch, DECIDE_SHA)
        forgotten = [i for i, r in enumerate(replies) if isinstance(r, NoScriptError)]
        if forgotten:
            again = await self._pipeline([batch[i] for i in forgotten], DECIDE)
            for i, reply in zip(forgotten, again, strict=True):
                replies[i] = reply
        return replies

    async def _pipeline(self, batch: list[_Op], decide: str) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for op in batch:
            if op.command == _DECIDE:
                keys, args = op.args
                if decide is DECIDE:
                    pipe.eval(DECIDE, len(keys), *keys, *args)
                else:
                    pipe.evalsha(DECIDE_SHA, len(keys), *keys, *args)
            elif op.command == _GET:
                pipe.get(*op.args)
            elif op.command == _SET:
                key, value, px = op.args
                pipe.set(key, value, px=px)
            else:
                keys, args = op.args
                pipe.eval(REFUND, len(keys), *keys, *args)
        return list(await pipe.execute(raise_on_error=False))


class _Ahead:
    """A decision taken ahead (:meth:`RedisStore.ahead`): a :class:`PendingDecision`."""

    def __init__(self, sender: _Sender, check: Check, keys: list[str], args: list[str]) -> None:
        self._sender = sender
        self._check = check
        self._keys = keys
        self._args = args
        self._op = sender.defer(_DECIDE, keys, args, reply=True)

    async def result(self) -> Decision:
        assert self._op.future is not None
        try:
            reply = await self._op.future
        except (RedisError, OSError) as exc:
            raise self._sender.unavailable(exc) from exc
        return _decision(self._check, reply)

    def cancel(self) -> None:
        if self._sender.withdraw(self._op):
            return
        future = self._op.future
        assert future is not None
        if future.done():
            self._refund_if_taken(future)
        else:
            future.add_done_callback(self._refund_if_taken)

    def _refund_if_taken(self, future: asyncio.Future[Any]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        if int(future.result()[0]) == 0:
            self._sender.defer(_REFUND, self._keys, self._args)


def _decision(check: Check, reply: list[Any]) -> Decision:
    code, index, remaining = (int(x) for x in reply)
    if code == 0:
        return Decision(Outcome.ALLOWED, quota_remaining=None if remaining < 0 else remaining)
    if code == 1:
        return Decision(Outcome.THROTTLED, tier=check.buckets[index - 1].tier)
    return Decision(Outcome.QUOTA_EXCEEDED, quota_remaining=0)


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
            stored = cast(bytes | None, await self._sender.call(_GET, self._prefix + key))
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
        self._sender.defer(_SET, self._prefix + key, stored, math.ceil(ttl_seconds * 1000) + 1000)

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
