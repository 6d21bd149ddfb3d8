"""MemorySize for confined workers: RLIMIT_DATA is set in the launch argv, before privileges drop
(root's prlimit(2) on a process already running as another uid is refused on this host)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from vpcgate.network.confine import UidAllocator

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="confinement needs root and setpriv"
)
PYTHON = "/usr/bin/python3"
ALLOCATE_200_MB = "x = bytearray(200 * 1024 * 1024); x[-1] = 1; print('allocated')"


def run_confined(memory_mb: int | None) -> subprocess.CompletedProcess[str]:
    confinement = UidAllocator().confinement("memory-test", lambda_limits=True, memory_mb=memory_mb)
    argv = confinement.wrap_argv([PYTHON, "-I", "-S", "-c", ALLOCATE_200_MB])
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, cwd="/")


@pytest.mark.skipif(not os.access(PYTHON, os.X_OK), reason=f"{PYTHON} is needed as an unprivileged python")
def test_memory_size_limits_a_confined_worker() -> None:
    unlimited = run_confined(None)
    assert unlimited.returncode == 0, unlimited.stderr
    assert "allocated" in unlimited.stdout

    limited = run_confined(128)
    assert limited.returncode != 0
    assert "MemoryError" in limited.stderr
