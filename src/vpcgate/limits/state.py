"""The composition entry of the limits package: ``--state`` and ``--state-fail`` → stores.

``--state`` absent or ``memory``: in-process stores (one gateway node). ``redis://HOST:PORT/DB``
(also ``redis://:PASSWORD@HOST:PORT/DB``): Redis stores shared by every node pointed at the same
database. The limit store comes wrapped in the fail policy (:mod:`vpcgate.limits.guard`).

::

    VpcgateError
    └── ConfigError   a --state URL or --state-fail value vpcgate cannot use
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from vpcgate.errors import ConfigError
from vpcgate.limits.clock import Clock
from vpcgate.limits.guard import FailMode, GuardedStore
from vpcgate.limits.memory import MemoryAuthorizerCache, MemoryStore
from vpcgate.limits.store import AuthorizerCache, LimitStore

__all__ = ["RedisAddress", "State", "StateConfig", "open_state", "parse_redis_url"]


@dataclass(frozen=True, slots=True)
class RedisAddress:
    host: str = "127.0.0.1"
    port: int = 6379
    db: int = 0
    password: str | None = None

    def __str__(self) -> str:  # never shows the password
        return f"redis://{self.host}:{self.port}/{self.db}"


@dataclass(frozen=True, slots=True)
class StateConfig:
    url: str | None = None  # None or "memory": in process; "redis://HOST:PORT/DB"
    fail: FailMode = FailMode.OPEN
    prefix: str = "vpcgate:"  # Redis key prefix (several deployments may share one database)
    timeout: float = 0.5  # seconds a Redis call may take before it counts as unreachable
    retry_after: float = 1.0  # seconds an unreachable store is left alone before the next try


@dataclass(frozen=True, slots=True)
class State:
    limits: GuardedStore
    authorizer_cache: AuthorizerCache
    url: str

    async def ping(self) -> bool:
        """Whether the store answers (always, in memory)."""
        ping = getattr(self.limits.store, "ping", None)
        return True if ping is None else bool(await ping())

    async def close(self) -> None:
        await self.limits.close()
        await self.authorizer_cache.close()


def open_state(config: StateConfig, clock: Clock) -> State:
    """Build the stores; never contacts Redis (so a Redis that is down at start is an outage like any)."""
    url = (config.url or "memory").strip()
    limits: LimitStore
    cache: AuthorizerCache
    if url == "memory":
        limits, cache = MemoryStore(clock), MemoryAuthorizerCache(clock)
    else:
        from vpcgate.limits.redis_store import connect

        address = parse_redis_url(url)
        limits, cache = connect(address, clock, prefix=config.prefix, timeout=config.timeout)
        url = str(address)
    guarded = GuardedStore(limits, clock, config.fail, retry_after=config.retry_after)
    return State(guarded, cache, url)


def parse_redis_url(url: str) -> RedisAddress:
    parts = urlsplit(url)
    if parts.scheme != "redis":
        raise ConfigError(f"--state must be 'memory' or redis://HOST:PORT/DB, not {url!r}")
    try:
        port = parts.port or 6379
    except ValueError:
        raise ConfigError(f"--state {url!r}: the port is not a number from 1 to 65535") from None
    db_text = parts.path.strip("/") or "0"
    if not db_text.isdigit():
        raise ConfigError(f"--state {url!r}: the database must be a number (redis://HOST:PORT/DB)")
    if parts.query or parts.fragment:
        raise ConfigError(f"--state {url!r}: options after '?' or '#' are not supported")
    password = unquote(parts.password) if parts.password else None
    return RedisAddress(parts.hostname or "127.0.0.1", port, int(db_text), password)
