"""Which enforcement this run can have, and why: ``--network-mode auto|namespace|userns|guard``.

- ``namespace``: root; VPCs are network namespaces, security groups nftables (``enforce/``).
- ``userns``: not root, but the kernel lets an unprivileged user create user + network namespaces;
  the same namespaces, owned by a user namespace of our own (``userns.py``: call
  :func:`vpcgate.network.userns.enter_userns` first thing, then build as in namespace mode with
  ``userns=True`` and ``UidAllocator(keep_ids=True)``; weaker points listed there).
- ``guard``: neither. A clearly weaker mode: private services listen on loopback and the built-in
  runtimes check each connection with :func:`vpcgate.network.policy.decide` before it is made.
  Hostile code can bypass it; ``vpcgate up`` says so.

``auto`` takes the strongest available. Asking for a mode the host cannot give is a ConfigError that
names the reason (the kernel's, where it has one), never a silent downgrade.

Errors::

    ConfigError     an unknown mode, or a mode this host cannot provide (the message says why)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from vpcgate.errors import ConfigError
from vpcgate.network.enforce.nft import nft_available
from vpcgate.network.userns import NETNS_DIR

MODES = ("auto", "namespace", "userns", "guard")
GUARD_WARNING = (
    "guard mode is weaker than a VPC: services listen on loopback, and only the built-in runtimes "
    "check connections against the security groups; code that opens its own sockets is not stopped"
)

_USERNS_PROBE = (
    "import ctypes, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "rc = libc.unshare(0x10000000 | 0x40000000)\n"
    "sys.stdout.write('ok' if rc == 0 else os.strerror(ctypes.get_errno()))\n"
)


@dataclass(frozen=True)
class HostFacts:
    """What decides the mode; gathered by :func:`probe_host`, or given by tests."""

    euid: int
    has_ip: bool
    has_nft: bool
    userns_error: str | None  # None: an unprivileged user + network namespace can be created


def _sysctl(path: str) -> str | None:
    try:
        return Path("/proc/sys", path).read_text().strip()
    except OSError:
        return None


def _probe_python() -> str:
    """An interpreter this user may exec: a venv's ``python`` may link into another user's 0700 home
    (a pyenv under /root) that the running process reached but cannot exec again."""
    for candidate in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate
    return sys.executable


def userns_error() -> str | None:
    """Why user + network namespaces cannot be created here (None when they can)."""
    if not NETNS_DIR.is_dir():
        return f"{NETNS_DIR} does not exist (once per boot: sudo mkdir -p {NETNS_DIR})"
    if _sysctl("user/max_user_namespaces") == "0":
        return "user.max_user_namespaces is 0"
    if _sysctl("kernel/unprivileged_userns_clone") == "0":
        return "kernel.unprivileged_userns_clone is 0"
    try:
        proc = subprocess.run(
            [_probe_python(), "-I", "-S", "-c", _USERNS_PROBE],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the probe could not run: {exc}"
    if proc.stdout == "ok":
        return None
    restricted = _sysctl("kernel/apparmor_restrict_unprivileged_userns") == "1"
    reason = proc.stdout or proc.stderr.strip() or f"probe exited {proc.returncode}"
    return f"unshare(CLONE_NEWUSER|CLONE_NEWNET): {reason}" + (
        " (kernel.apparmor_restrict_unprivileged_userns is 1)" if restricted else ""
    )


def probe_host() -> HostFacts:
    euid = os.geteuid()
    return HostFacts(
        euid=euid,
        has_ip=shutil.which("ip") is not None,
        has_nft=nft_available(),
        userns_error=None if euid == 0 else userns_error(),
    )


def _namespace_blocker(facts: HostFacts) -> str | None:
    if facts.euid != 0:
        return f"not running as root (euid {facts.euid})"
    if not facts.has_ip:
        return "iproute2's ip is not installed"
    if not facts.has_nft:
        return "nftables (libnftables or nft) is not installed"
    return None


def _userns_blocker(facts: HostFacts) -> str | None:
    if not facts.has_ip or not facts.has_nft:
        return "iproute2 and nftables are needed"
    return facts.userns_error


def choose_mode(requested: str, facts: HostFacts | None = None) -> tuple[str, str]:
    """(mode, reason) for ``--network-mode requested``; raises ConfigError when it cannot be had."""
    if requested not in MODES:
        raise ConfigError(f"--network-mode must be one of {', '.join(MODES)}, not {requested!r}")
    facts = facts or probe_host()
    namespace_no = _namespace_blocker(facts)
    if requested == "namespace":
        if namespace_no:
            raise ConfigError(f"--network-mode namespace is not available: {namespace_no}")
        return "namespace", "running as root: VPCs are network namespaces, security groups nftables"
    if requested == "userns":
        userns_no = _userns_blocker(facts)
        if userns_no:
            raise ConfigError(f"--network-mode userns is not available: {userns_no}")
        return "userns", "unprivileged user and network namespaces are allowed"
    if requested == "guard":
        return "guard", f"asked for; {GUARD_WARNING}"
    if namespace_no is None:
        return "namespace", "running as root: VPCs are network namespaces, security groups nftables"
    userns_no = _userns_blocker(facts)
    if userns_no is None:
        return "userns", f"{namespace_no}; unprivileged user and network namespaces are allowed"
    return "guard", f"namespace mode: {namespace_no}; userns mode: {userns_no}. {GUARD_WARNING}"
