"""choose_mode(): the strongest mode the host allows, and errors that say why."""

from __future__ import annotations

import os

import pytest

from vpcgate.errors import ConfigError
from vpcgate.network.mode import HostFacts, choose_mode, probe_host, userns_error

ROOT = HostFacts(euid=0, has_ip=True, has_nft=True, userns_error=None)
USER_NO_USERNS = HostFacts(euid=1000, has_ip=True, has_nft=True, userns_error="user.max_user_namespaces is 0")


def test_auto_as_root_is_namespace() -> None:
    assert choose_mode("auto", ROOT)[0] == "namespace"


def test_auto_without_root_or_userns_is_an_announced_guard() -> None:
    mode, reason = choose_mode("auto", USER_NO_USERNS)
    assert mode == "guard"
    assert "euid 1000" in reason and "max_user_namespaces" in reason and "weaker" in reason


def test_asking_for_what_the_host_cannot_give_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not running as root"):
        choose_mode("namespace", USER_NO_USERNS)
    with pytest.raises(ConfigError, match="max_user_namespaces"):
        choose_mode("userns", USER_NO_USERNS)
    with pytest.raises(ConfigError, match="nftables"):
        choose_mode("namespace", HostFacts(euid=0, has_ip=True, has_nft=False, userns_error=None))
    with pytest.raises(ConfigError, match="must be one of"):
        choose_mode("docker", ROOT)


def test_guard_is_always_available() -> None:
    assert choose_mode("guard", ROOT)[0] == "guard"


def test_probe_matches_this_host() -> None:
    facts = probe_host()
    assert facts.euid == os.geteuid()
    error = userns_error()
    assert error is None or "namespace" in error or "unshare" in error
