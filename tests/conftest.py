"""Shared fixtures: where the seed fixture lives, and a skip for tests that need root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
