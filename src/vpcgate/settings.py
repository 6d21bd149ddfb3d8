"""Frozen settings built from command-line flags and the environment.

This is the only module that reads ``os.environ``: everything else is handed a ``Settings``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "000000000000"


@dataclass(frozen=True)
class Settings:
    """Everything a run of vpcgate is configured with."""

    templates: tuple[Path, ...] = ()
    parameter_overrides: tuple[str, ...] = ()
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    host: str = "127.0.0.1"
    port: int = 3000
    strict: bool = False
    state_dir: Path = field(default_factory=lambda: Path(".vpcgate"))


def env_region(default: str = DEFAULT_REGION) -> str:
    """The region from ``VPCGATE_REGION`` or ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else ``default``."""
    for name in ("VPCGATE_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"):
        value = os.environ.get(name)
        if value:
            return value
    return default


def env_account_id(default: str = DEFAULT_ACCOUNT_ID) -> str:
    """The account id from ``VPCGATE_ACCOUNT_ID``, else ``default`` (AWS's documented local default)."""
    return os.environ.get("VPCGATE_ACCOUNT_ID") or default
