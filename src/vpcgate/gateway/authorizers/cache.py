"""The authorizer result cache: keyed as AWS keys it, kept in a store behind a two-method Protocol.

https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html (``authorizerResultTtlInSeconds``:
"If it equals 0, authorization caching is disabled. If it is greater than 0, API Gateway will cache
authorizer responses. If this field is not set, the default value is 300. The maximum value is 3600")
and https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html:

- the key is the identity: a TOKEN authorizer's token, a REQUEST authorizer's identity source values
  (all of them, in order). A REQUEST authorizer without identity sources is not cached (AWS requires
  sources when caching is on). vpcgate adds the API and authorizer ids so authorizers never share entries.
- what is cached is the function's *answer* (principal, policy, context), not the decision: the policy
  is evaluated again against each request's method ARN. This is AWS's documented gotcha: a policy
  that allows only the first method ARN it was issued for denies the caller's next, different method
  until the entry expires.
- failures are not cached: a 401 or 500 calls the function again next time.

The store is a Protocol so one node keeps entries in memory (:class:`MemoryCacheStore`, expiry read
from an injected clock so tests never sleep) and several share them through Redis (the limits
package's store: string keys, bytes values, TTL in seconds). The Redis store keeps each node's copy of
an entry until the expiry stored with it and sends a ``put`` with the request's next Redis call, so a
warm request makes no cache round trip (:mod:`vpcgate.limits.redis_store` has the rule per request).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

from vpcgate.gateway.authorizers.output import AuthorizerOutput, parse_output

__all__ = ["AuthorizerCache", "CacheStore", "MemoryCacheStore", "cache_key"]

KEY_PREFIX = "vpcgate:authz:"
PARSED_MEMO = 1024


class CacheStore(Protocol):
    """Where cached answers live. ``get`` answers ``None`` for a missing or expired key."""

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None: ...


class MemoryCacheStore:
    """A bounded in-process store; expiry by an injected clock (seconds, monotonic)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        return value

    async def put(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self._entries[key] = (self._clock() + ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def cache_key(api_id: str, authorizer_id: str, identity: Sequence[str]) -> str:
    """``vpcgate:authz:{api}:{authorizer}:{identity values as a JSON array}`` (no separator clashes)."""
    return f"{KEY_PREFIX}{api_id}:{authorizer_id}:{json.dumps(list(identity), separators=(',', ':'))}"


class AuthorizerCache:
    """One authorizer's view of the store: its TTL, its keys, answers in and out."""

    def __init__(self, store: CacheStore, *, api_id: str, authorizer_id: str, ttl_seconds: int) -> None:
        self._store = store
        self._prefix = (api_id, authorizer_id)
        self.ttl_seconds = ttl_seconds
        self._parsed: OrderedDict[bytes, AuthorizerOutput] = OrderedDict()  # stored bytes → parsed answer

    def key(self, identity: Sequence[str]) -> str:
        return cache_key(*self._prefix, identity)

    async def get(self, identity: Sequence[str]) -> AuthorizerOutput | None:
        raw = await self._store.get(self.key(identity))
        if raw is None:
            return None
        output = self._parsed.get(raw)
        if output is None:
            try:
                output = parse_output(json.loads(raw))
            except Exception:  # a corrupt or foreign entry is a miss, never a failure
                return None
            self._remember(raw, output)
        return output

    async def put(self, identity: Sequence[str], output: AuthorizerOutput) -> None:
        raw = output.to_json()
        self._remember(raw, output)
        await self._store.put(self.key(identity), raw, self.ttl_seconds)

    def _remember(self, raw: bytes, output: AuthorizerOutput) -> None:
        """Parsing a policy per hit is most of a hit's cost: keep the last parses by their bytes."""
        self._parsed[raw] = output
        if len(self._parsed) > PARSED_MEMO:
            self._parsed.popitem(last=False)
