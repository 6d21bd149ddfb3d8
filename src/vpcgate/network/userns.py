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

import ctypes
import os
import threading
from pathlib import Path

from vpcgate.errors import ConfigError

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
NETNS_DIR = Path("/run/netns")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise ConfigError(f"user-namespace mode: {what} failed: {os.strerror(err)}")


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
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "making / private")
    _check(
        _libc.mount(b"tmpfs", bytes(NETNS_DIR), b"tmpfs", 0, b"mode=0755"), f"mounting a tmpfs on {NETNS_DIR}"
    )
