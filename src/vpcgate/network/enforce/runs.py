"""Run markers: every kernel object a run creates carries its marker, so a killed run's leftovers go.

A run picks a random 24-bit marker (6 hex digits) and, for as long as it lives, holds an abstract unix
socket named ``vpcgate-run-<marker>`` bound in the host's network namespace. The kernel frees the
name when the process dies, however it dies (SIGKILL included); no file is involved, so every run on
the host agrees on who is alive, whatever directories they were given, and a reused pid fools no one.
Names carry the marker:

- namespaces: ``vpcgate-<marker>-<role><n>`` (veths and bridges live inside them and die with them);
- unreachable routes in the root namespace: ``proto 213 metric <marker as an integer>``.

At start, :func:`collect_leftovers` finds objects whose marker's name can be bound: those runs are
dead, their processes are killed (they are vpcgate's own instances and workers), their namespaces
deleted and their routes removed. A live run's objects are never touched; two runs cleaning the same
leftovers at once only log what the other removed first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import signal
import socket
from dataclasses import dataclass

from vpcgate.network.enforce import iproute
from vpcgate.network.errors import NetworkError

PREFIX = "vpcgate-"
ROUTE_PROTO = 213
_NAME = re.compile(r"^vpcgate-([0-9a-f]{6})-")
log = logging.getLogger("vpcgate.network")


def _bind(marker: str) -> socket.socket | None:
    """The run's abstract socket, or None when a live run holds the name."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(f"\0vpcgate-run-{marker}")
    except OSError:
        sock.close()
        return None
    return sock


@dataclass
class RunLock:
    marker: str
    sock: socket.socket

    @classmethod
    def acquire(cls) -> RunLock:
        while True:
            marker = secrets.token_hex(3)
            sock = _bind(marker)
            if sock is not None:  # else another live run drew the same marker
                return cls(marker, sock)

    @property
    def metric(self) -> int:
        return int(self.marker, 16)

    def release(self) -> None:
        self.sock.close()


def namespace_name(marker: str, role: str, index: int) -> str:
    return f"{PREFIX}{marker}-{role}{index}"


def _is_dead(marker: str) -> bool:
    sock = _bind(marker)
    if sock is None:
        return False
    sock.close()
    return True


async def kill_namespace_processes(name: str) -> None:
    """SIGKILL every process in our namespace ``name`` (ours: vpcgate started them)."""
    for pid in await iproute.netns_pids(name):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def delete_namespaces(names: list[str]) -> None:
    """Kill what runs in each namespace, then delete it; one already gone is logged, not fatal."""
    for name in names:
        try:
            await kill_namespace_processes(name)
            await iproute.batch([f"netns delete {name}"])
        except NetworkError as exc:
            log.warning("namespace %s: %s", name, exc)


async def unreachable_routes() -> list[tuple[str, int]]:
    """(destination, metric) of every unreachable route vpcgate put in the root namespace."""
    data = await iproute.query(["-4", "route", "show", "table", "main", "proto", str(ROUTE_PROTO)])
    return [(str(r["dst"]), int(r.get("metric", 0))) for r in data if r.get("type") == "unreachable"]


async def collect_leftovers() -> list[str]:
    """Remove what dead runs left behind; return a description of each removed object."""
    removed: list[str] = []
    dead: dict[str, bool] = {}

    def is_dead(marker: str) -> bool:
        if marker not in dead:
            dead[marker] = _is_dead(marker)
        return dead[marker]

    names = [n for n in await iproute.netns_names() if (m := _NAME.match(n)) and is_dead(m.group(1))]
    await delete_namespaces(names)
    removed += [f"netns {n}" for n in names]
    routes = [(dst, metric) for dst, metric in await unreachable_routes() if is_dead(f"{metric:06x}")]
    for dst, metric in routes:
        try:
            await iproute.batch([f"route del unreachable {dst} proto {ROUTE_PROTO} metric {metric}"])
        except NetworkError as exc:
            log.warning("route %s: %s", dst, exc)
    removed += [f"route unreachable {dst} metric {metric}" for dst, metric in routes]
    for item in removed:
        log.info("removed a leftover of a dead run: %s", item)
    return removed
