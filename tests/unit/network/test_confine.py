"""Confinement rules that need no kernel work: ids, argv wrapping, reachability of paths."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from vpcgate.network.confine import Confinement, UidAllocator, reachable_by_others
from vpcgate.network.errors import NetworkError
from vpcgate.network.launch import ConfinedHostLauncher


def test_uid_zero_is_refused_and_uids_are_distinct_per_function() -> None:
    with pytest.raises(ValueError):
        Confinement(uid=0, gid=5)
    uids = UidAllocator(3_000_000)
    assert uids.uid_for("a") == 3_000_000
    assert uids.uid_for("b") == 3_000_001
    assert uids.uid_for("a") == 3_000_000
    assert UidAllocator(keep_ids=True).uid_for("x") == os.geteuid()


def test_wrap_argv_drops_everything() -> None:
    argv = Confinement(uid=3_000_000, gid=3_000_000, netns=Path("/run/netns/n")).wrap_argv(["prog", "x"])
    assert argv[:4] == ["ip", "netns", "exec", "n"]
    for flag in ("--reuid=3000000", "--clear-groups", "--bounding-set=-all", "--no-new-privs"):
        assert flag in argv
    assert argv[-3:] == ["--", "prog", "x"]


def test_reachable_by_others_and_the_launcher_error() -> None:
    hidden = Path(tempfile.mkdtemp())
    try:
        os.chmod(hidden, 0o700)
        program = hidden / "python"
        program.write_text("")
        os.chmod(program, 0o755)
        assert not reachable_by_others(program)
        launcher = ConfinedHostLauncher(Confinement(uid=3_000_000, gid=3_000_000))
        with pytest.raises(NetworkError, match="not world-traversable"):
            launcher.command([str(program)])
        os.chmod(hidden, 0o755)
        assert reachable_by_others(program)
        assert launcher.command([str(program)])[-1] == str(program)
    finally:
        for child in hidden.iterdir():
            child.unlink()
        hidden.rmdir()
