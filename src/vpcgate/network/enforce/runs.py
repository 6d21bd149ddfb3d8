"""Run markers: every kernel object a run creates carries its marker, so a killed run's leftovers go.

A run picks a random 24-bit marker (6 hex digits) and holds an exclusive ``flock`` on
``<run_dir>/<marker>.lock`` for as long as it lives. The kernel drops the lock when the process dies,
however it dies (SIGKILL included). Names carry the marker:

- namespaces: ``vpcgate-<marker>-<role><n>`` (veths and bridges live inside them and die with them);
- unreachable routes in the root namespace: ``proto 213 metric <marker as an integer>``.

At start, :func:`collect_leftovers` finds objects whose marker's lock can be taken (or whose lock file
is gone): those runs are dead, their processes are killed (they are vpcgate's own instances and
workers), their namespaces deleted and their routes removed. A live run's objects are never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import secrets
import signal
from dataclasses import dataclass
from pathlib import Path

from vpcgate.network.enforce import iproute

PREFIX = "vpcgate-"
ROUTE_PROTO = 213
_NAME = re.compile(r"^vpcgate-([0-9a-f]{6})-")
log = logging.getLogger("vpcgate.network")


@dataclass
class RunLock:
    marker: str
    path: Path
    fd: int

    @classmethod
    def acquire(cls, run_dir: Path) -> RunLock:
        run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        while True:
            marker = secrets.token_hex(3)
            path = run_dir / f"{marker}.lock"
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            except FileExistsError:  # another run drew the same marker
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return cls(marker, path, fd)

    @property
    def metric(self) -> int:
        return int(self.marker, 16)

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self.fd)


def namespace_name(marker: str, role: str, index: int) -> str:
    return f"{PREFIX}{marker}-{role}{index}"


def _is_dead(run_dir: Path, marker: str) -> bool:
    path = run_dir / f"{marker}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True


async def kill_namespace_processes(name: str) -> None:
    """SIGKILL every process in our namespace ``name`` (ours: vpcgate started them)."""
    for pid in await iproute.netns_pids(name):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def delete_namespaces(names: list[str]) -> None:
    for name in names:
        await kill_namespace_processes(name)
    await iproute.batch([f"netns delete {n}" for n in names])


async def unreachable_routes() -> list[tuple[str, int]]:
    """(destination, metric) of every unreachable route vpcgate put in the root namespace."""
    data = await iproute.query(["-4", "route", "show", "table", "main", "proto", str(ROUTE_PROTO)])
    return [(str(r["dst"]), int(r.get("metric", 0))) for r in data if r.get("type") == "unreachable"]


async def collect_leftovers(run_dir: Path) -> list[str]:
    """Remove what dead runs left behind; return a description of each removed object."""
    removed: list[str] = []
    dead: dict[str, bool] = {}

    def is_dead(marker: str) -> bool:
        if marker not in dead:
            dead[marker] = _is_dead(run_dir, marker)
        return dead[marker]

    names = [n for n in await iproute.netns_names() if (m := _NAME.match(n)) and is_dead(m.group(1))]
    await delete_namespaces(names)
    removed += [f"netns {n}" for n in names]
    routes = [(dst, metric) for dst, metric in await unreachable_routes() if is_dead(f"{metric:06x}")]
    await iproute.batch(
        [f"route del unreachable {dst} proto {ROUTE_PROTO} metric {metric}" for dst, metric in routes]
    )
    removed += [f"route unreachable {dst} metric {metric}" for dst, metric in routes]
    for item in removed:
        log.info("removed a leftover of a dead run: %s", item)
    return removed
