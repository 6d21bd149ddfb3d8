"""--state and --state-fail parsing; the in-memory authorizer cache with a manual clock."""

from __future__ import annotations

import pytest

from vpcgate.errors import ConfigError
from vpcgate.limits.clock import ManualClock
from vpcgate.limits.guard import FailMode
from vpcgate.limits.memory import MemoryAuthorizerCache, MemoryStore
from vpcgate.limits.state import RedisAddress, StateConfig, open_state, parse_redis_url


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("redis://127.0.0.1:6390/2", RedisAddress("127.0.0.1", 6390, 2)),
        ("redis://localhost", RedisAddress("localhost", 6379, 0)),
        ("redis://:s%40cret@10.0.0.5:7000/0", RedisAddress("10.0.0.5", 7000, 0, "s@cret")),
    ],
)
def test_redis_urls(url: str, address: RedisAddress) -> None:
    assert parse_redis_url(url) == address


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://localhost:6379", "must be 'memory' or redis://"),
        ("redis://localhost:99999/0", "port"),
        ("redis://localhost:6379/zero", "database must be a number"),
        ("redis://localhost:6379/0?ssl=1", "not supported"),
    ],
)
def test_bad_redis_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_redis_url(url)


def test_the_password_never_shows() -> None:
    assert str(RedisAddress("h", 1, 2, "secret")) == "redis://h:1/2"


def test_fail_modes() -> None:
    assert FailMode.parse("Closed") is FailMode.CLOSED
    with pytest.raises(ConfigError, match="'open' or 'closed'"):
        FailMode.parse("sometimes")


async def test_memory_is_the_default_state() -> None:
    state = open_state(StateConfig(), ManualClock())
    assert isinstance(state.limits.store, MemoryStore)
    assert state.url == "memory"
    assert await state.ping()
    await state.close()


async def test_memory_authorizer_cache_expires_by_the_clock() -> None:
    clock = ManualClock()
    cache = MemoryAuthorizerCache(clock)
    await cache.put("token-abc", b'{"principalId":"u"}', ttl_seconds=300)
    clock.advance(299.5)
    assert await cache.get("token-abc") == b'{"principalId":"u"}'
    clock.advance(0.5)
    assert await cache.get("token-abc") is None


async def test_ttl_zero_disables_caching() -> None:
    cache = MemoryAuthorizerCache(ManualClock())
    await cache.put("k", b"v", ttl_seconds=0)
    assert await cache.get("k") is None


async def test_the_oldest_entries_go_first_beyond_the_bound() -> None:
    cache = MemoryAuthorizerCache(ManualClock(), max_entries=2)
    for key in ("a", "b", "c"):
        await cache.put(key, key.encode(), ttl_seconds=60)
    assert [await cache.get(k) for k in ("a", "b", "c")] == [None, b"b", b"c"]
