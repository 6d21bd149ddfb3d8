"""Each node's own copies of the shared (Redis) authorizer-cache entries, so that a warm request makes
no cache round trip at all: with ``--state redis://`` the only round trip it makes is the limits
decision (:mod:`vpcgate.limits.redis_store`).

Why a copy is always right: an entry in Redis is written once with its absolute expiry (the injected
wall clock) in front of the value and never changed before that expiry, except by another node that
missed at the same time and stored its own answer of the same authorizer for the same identity —
an answer that is just as valid. A copy is kept exactly until the expiry stored with it, never
longer, so a node never serves an answer Redis would already call expired; AWS itself keeps its
authorizer cache per fleet host, so clients cannot tell. Bounded: beyond ``max_entries`` the oldest
copies go (a dropped copy is a Redis read again, not a wrong answer).
"""

from __future__ import annotations

from vpcgate.limits.clock import Clock

__all__ = ["NearCache"]


class NearCache:
    def __init__(self, clock: Clock, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._entries: dict[str, tuple[float, bytes]] = {}

    def get(self, key: str) -> bytes | None:
        """The copy of ``key`` while its stored expiry (wall clock) is ahead, else ``None``."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock.wall():
            del self._entries[key]
            return None
        return entry[1]

    def keep(self, key: str, expires: float, value: bytes) -> None:
        """Copy an entry until ``expires`` (wall-clock seconds, the expiry stored in Redis)."""
        if expires <= self._clock.wall():
            return
        self._entries.pop(key, None)
        self._entries[key] = (expires, value)
        while len(self._entries) > self._max:
            del self._entries[next(iter(self._entries))]

    def __len__(self) -> int:
        return len(self._entries)
