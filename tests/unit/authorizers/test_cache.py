"""The result cache store: TTL by the injected clock, bounded size, AWS's key, corrupt entries."""

from __future__ import annotations

from vpcgate.gateway.authorizers.cache import AuthorizerCache, MemoryCacheStore, cache_key
from vpcgate.gateway.authorizers.output import parse_output

ALLOW = {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}


async def test_memory_store_expires_by_the_clock() -> None:
    now = [0.0]
    store = MemoryCacheStore(clock=lambda: now[0])
    await store.put("k", b"v", 10)
    assert await store.get("k") == b"v"
    now[0] = 9.999
    assert await store.get("k") == b"v"
    now[0] = 10.0
    assert await store.get("k") is None
    assert len(store) == 0


async def test_memory_store_is_bounded_oldest_out() -> None:
    store = MemoryCacheStore(clock=lambda: 0.0, max_entries=2)
    for key in ("a", "b", "c"):
        await store.put(key, key.encode(), 60)
    assert await store.get("a") is None
    assert await store.get("b") == b"b" and await store.get("c") == b"c"


def test_keys_do_not_collide() -> None:
    assert cache_key("api", "az", ["a,b"]) != cache_key("api", "az", ["a", "b"])
    assert cache_key("api", "az", ["t"]) != cache_key("api", "az2", ["t"])
    assert cache_key("api", "az", ["t"]).startswith("vpcgate:authz:api:az:")


async def test_authorizer_cache_round_trip_and_corrupt_entries_miss() -> None:
    store = MemoryCacheStore(clock=lambda: 0.0)
    cache = AuthorizerCache(store, api_id="api", authorizer_id="az", ttl_seconds=300)
    output = parse_output({"principalId": "p", "policyDocument": ALLOW, "context": {"n": 1}})
    await cache.put(["token"], output)
    assert await cache.get(["token"]) == output
    assert await cache.get(["other"]) is None
    await store.put(cache.key(["bad"]), b"{not json", 300)
    await store.put(cache.key(["shape"]), b'{"principalId": 1}', 300)
    assert await cache.get(["bad"]) is None
    assert await cache.get(["shape"]) is None
