"""A node's copies of shared authorizer-cache entries: kept exactly until the stored expiry, bounded."""

from __future__ import annotations

from vpcgate.limits.clock import ManualClock
from vpcgate.limits.near_cache import NearCache


def test_a_copy_lives_until_the_stored_expiry_and_not_a_moment_longer() -> None:
    clock = ManualClock()
    near = NearCache(clock)
    near.keep("k", clock.wall() + 10, b"v")
    clock.advance(9.999)
    assert near.get("k") == b"v"
    clock.advance(0.001)
    assert near.get("k") is None
    assert len(near) == 0


def test_an_entry_already_expired_is_not_kept() -> None:
    clock = ManualClock()
    near = NearCache(clock)
    near.keep("k", clock.wall(), b"v")
    assert near.get("k") is None and len(near) == 0


def test_the_oldest_copies_go_beyond_the_bound() -> None:
    clock = ManualClock()
    near = NearCache(clock, max_entries=2)
    for key in ("a", "b", "c"):
        near.keep(key, clock.wall() + 60, key.encode())
    assert [near.get(k) for k in ("a", "b", "c")] == [None, b"b", b"c"]
    near.keep("b", clock.wall() + 60, b"b2")  # kept again: now the newest
    near.keep("d", clock.wall() + 60, b"d")
    assert [near.get(k) for k in ("b", "c", "d")] == [b"b2", None, b"d"]
