"""Shared fixtures: where the seed fixture lives; the egress tripwire around the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import egress_guard

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    """``../shared/seed`` (read-only: copy before installing anything into it)."""
    path = Path(os.environ.get("VPCGATE_SEED", ROOT.parent / "shared" / "seed"))
    if not (path / "cloudformation").is_dir():
        pytest.fail(f"seed fixture not found at {path}; set VPCGATE_SEED")
    return path


@pytest.fixture(scope="session")
def seed_template(seed_dir: Path) -> Path:
    return seed_dir / "cloudformation" / "vpc-proxy.template.json"


@pytest.fixture(scope="session", autouse=True)
def no_packet_leaves_the_machine() -> Iterator[None]:
    """Fail the run if any test sent a packet off the machine to a private address (see egress_guard)."""
    if not egress_guard.install():
        yield
        return
    try:
        yield
        leaked = egress_guard.dropped()
    finally:
        egress_guard.remove()
    if leaked:
        pytest.fail(f"{leaked} packet(s) tried to leave this machine for a private address (dropped)")
