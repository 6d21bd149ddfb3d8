"""Entering a named network namespace from Python: ``setns(2)`` (``vpcgate.syscalls``), one thread at a time.

A network namespace belongs to a thread, not a process: a thread that ``setns``-es into
``/run/netns/<name>`` sees that namespace's interfaces, ``/proc/sys/net`` and netlink, while the
event loop's thread stays in the host's. So work that must happen *inside* a namespace (writing its
sysctls, loading its nftables ruleset, opening a listening socket there) runs in a short-lived thread
that enters it and then dies. Python 3.11 has no ``os.setns``; ``vpcgate.syscalls`` has it.

Errors::

    OSError        the namespace does not exist, or setns failed (errno set)
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from vpcgate import syscalls
from vpcgate.syscalls import CLONE_NEWNET, MS_BIND

NETNS_DIR = Path("/run/netns")
T = TypeVar("T")


def netns_path(name: str) -> Path:
    return NETNS_DIR / name


def setns_fd(fd: int) -> None:
    """Move the calling thread into the network namespace open at ``fd`` (fork-safe: no allocation)."""
    syscalls.setns(fd, CLONE_NEWNET)


def call_in(path: Path, fn: Callable[[], T]) -> T:
    """Run ``fn`` in a new thread that has entered the namespace at ``path``; return its result."""
    box: dict[str, object] = {}

    def body() -> None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                setns_fd(fd)
            finally:
                os.close(fd)
            box["value"] = fn()
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=body, name=f"netns:{path.name}", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


async def acall_in(path: Path, fn: Callable[[], T]) -> T:
    """:func:`call_in` without blocking the event loop."""
    return await asyncio.to_thread(call_in, path, fn)


def write_sysctls(values: dict[str, str]) -> None:
    """Write ``/proc/sys/<key with dots as slashes>``; call through :func:`call_in` for a namespace."""
    for key, value in values.items():
        Path("/proc/sys", *key.split(".")).write_text(value)


def create_named(name: str) -> Path:
    """A new named network namespace at ``/run/netns/<name>``, made without ``ip netns add``.

    ``ip netns add`` enters the new namespace and then ``setns``-es back into the caller's, which a
    user namespace of our own may not do when the caller's is the host's. Here a short-lived thread
    unshares into the new namespace and bind-mounts it; it never goes back, it just ends.
    """
    path = netns_path(name)
    path.touch(mode=0o444, exist_ok=False)

    def make() -> None:
        syscalls.unshare(CLONE_NEWNET)
        syscalls.mount("/proc/thread-self/ns/net", path, None, MS_BIND, None)

    box: dict[str, BaseException] = {}

    def body() -> None:
        try:
            make()
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=body, name=f"netns-create:{name}", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        path.unlink(missing_ok=True)
        raise box["error"]
    return path
