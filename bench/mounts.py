"""Mounts: what a mount namespace per worker (per execution environment: own /tmp, /dev/shm, a
``hidepid`` /proc) costs at each start. Building one alone (``MountNamespace.create``), without
and with a network namespace's /sys; and the cold start (spawn→ready, Lambda's Init Duration) of
a confined worker (own uid, host network) restarted on the same function, with and without private
mounts, interleaved: every start now builds its namespace, where one per function was reused.

Needs root. Makes one network namespace of its own (removed at the end); sends nothing anywhere.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from bench._specs import ECHO, INIT_DURATION, inline_spec
from vpcgate.functions.service import FunctionService, ServiceConfig
from vpcgate.network.confine import UidAllocator
from vpcgate.network.launch import ConfinedHostLauncher, FunctionMounts, code_paths
from vpcgate.network.mounts import MountNamespace

BUILDS = 200
COLD_STARTS = 20


def _build_ms(net: Path | None) -> float:
    samples = []
    for _ in range(BUILDS):
        start = time.perf_counter()
        MountNamespace.create(net=net).close()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _build_rows() -> list[tuple[str, str]]:
    name = f"vpcgate-bench-mnt-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        with_sys = _build_ms(Path("/run/netns") / name)
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)
    return [
        (f"mount namespace per worker: build, host /sys (median of {BUILDS})", f"{_build_ms(None):.2f} ms"),
        (f"mount namespace per worker: build, a netns's /sys (median of {BUILDS})", f"{with_sys:.2f} ms"),
    ]


class _Restarts:
    """One function, its worker started COLD_STARTS times (the pool closed in between)."""

    def __init__(self, runtime: str, private_mounts: bool, uid_base: int) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="vpcgate-bench-mounts-", dir="/var/tmp"))
        os.chmod(self.work, 0o755)
        self.spec = inline_spec(f"restart-{int(private_mounts)}", runtime, ECHO[runtime])
        confinement = UidAllocator(uid_base).confinement(self.spec.name, lambda_limits=True, memory_mb=128)
        mounts = FunctionMounts(code_paths(self.spec)) if private_mounts else None
        self.launcher = ConfinedHostLauncher(confinement, mounts)
        self.service = FunctionService(
            ServiceConfig(work_dir=self.work), launcher_for=lambda _spec: self.launcher, log_sink=None
        )
        self.service.deploy(self.spec)
        self.samples: list[float] = []

    async def one(self) -> None:
        result = await self.service.invoke(self.spec.name, b"{}")
        match = INIT_DURATION.search(result.log)
        assert match, result.log
        self.samples.append(float(match.group(1)))
        await self.service.pool(self.spec.name).close()

    async def close(self) -> None:
        await self.service.shutdown()
        if self.launcher.mounts is not None:
            self.launcher.mounts.close()
        shutil.rmtree(self.work, ignore_errors=True)


async def _cold_rows() -> list[tuple[str, str]]:
    rows = []
    for runtime in ECHO:
        plain, private = _Restarts(runtime, False, 2_000_950_000), _Restarts(runtime, True, 2_000_960_000)
        try:
            for _ in range(COLD_STARTS):
                await plain.one()
                await private.one()
        finally:
            await plain.close()
            await private.close()
        for how, run in (("without", plain), ("with", private)):
            rows.append(
                (
                    f"cold start {runtime} confined worker restarted, {how} per-worker mounts"
                    f" (median of {COLD_STARTS})",
                    f"{statistics.median(run.samples):.1f} ms",
                )
            )
    return rows


def run() -> list[tuple[str, str]]:
    if os.geteuid() != 0:
        return [("mount namespaces", "skipped: needs root")]
    return _build_rows() + asyncio.run(_cold_rows())


if __name__ == "__main__":
    for row in run():
        print(*row, sep=" | ")
