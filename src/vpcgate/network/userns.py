"""User-namespace mode: namespace enforcement for a user who is not root.

Where the kernel allows unprivileged user namespaces, :func:`enter_userns` makes this process root of
a new user namespace (mapped to the real user: uid 0 inside is the user outside) with a private mount
namespace, and mounts a tmpfs on ``/run/netns`` there. From then on the namespace machinery works
unchanged, with the host's network namespace kept (the gateway still listens where the user expects):
VPC, instance and ENI namespaces belong to our user namespace, nftables and bridges work there.

What is weaker than namespace mode, and ``vpcgate up`` says so:

- no ``unreachable`` routes in the host's namespace (it belongs to the real root): a connection that
  vpcgate itself opens to a VPC address follows the host's routes;
- one uid for every function and instance (only one is mapped): workers run as root of our user
  namespace with an empty bounding set and ``no_new_privs`` (no capability at all after ``exec``),
  so they cannot touch nftables, addresses or other namespaces, but they can read each other's
  ``/proc/<pid>/environ`` and the user's files, and functions sharing an ENI share a uid, so the
  per-uid Runtime API port guard (``launch.py``) cannot tell them apart.

A killed run leaves nothing: the namespaces are mounted only in our private mount namespace, which
the kernel frees with its last process.

Errors::

    ConfigError      the process already has threads, the kernel refused, or /run/netns is missing
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from vpcgate import syscalls
from vpcgate.errors import ConfigError
from vpcgate.syscalls import CLONE_NEWNS, CLONE_NEWUSER, MS_PRIVATE, MS_REC

NETNS_DIR = Path("/run/netns")


def _step(what: str, call: Callable[[], None]) -> None:
    try:
        call()
    except OSError as error:
        raise ConfigError(f"user-namespace mode: {what} failed: {error.strerror}") from None


def in_userns() -> bool:
    """Is this process inside a user namespace other than the initial one?"""
    try:
        lines = Path("/proc/self/uid_map").read_text().split()
    except OSError:
        return False
    return lines[:3] != ["0", "0", "4294967295"]


def enter_userns() -> None:
    """Become root of a new user namespace with a private mount namespace and our own /run/netns.

    Must run before any thread starts (the kernel refuses ``CLONE_NEWUSER`` to a threaded process).
    """
    if threading.active_count() > 1:
        raise ConfigError("user-namespace mode must be entered before any thread starts")
    if not NETNS_DIR.is_dir():
        raise ConfigError(f"user-namespace mode needs {NETNS_DIR} (once per boot: sudo mkdir -p {NETNS_DIR})")
    uid, gid = os.geteuid(), os.getegid()
    _step("unshare(CLONE_NEWUSER|CLONE_NEWNS)", lambda: syscalls.unshare(CLONE_NEWUSER | CLONE_NEWNS))
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    _step("making / private", lambda: syscalls.mount(None, Path("/"), None, MS_REC | MS_PRIVATE, None))
    _step(
        f"mounting a tmpfs on {NETNS_DIR}",
        lambda: syscalls.mount("tmpfs", NETNS_DIR, "tmpfs", 0, "mode=0755"),
    )
