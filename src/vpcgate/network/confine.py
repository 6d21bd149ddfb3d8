"""Confining hostile code: a network namespace, an unprivileged uid, no capabilities, no_new_privs.

Lambda runs each environment in its own microVM; vpcgate has namespaces, so the rest must come from
privileges. Measured on this kernel: root inside its own namespace can flush that namespace's nftables
rules, add addresses, and ``setns`` back into the host through ``/proc/<pid>/ns/net``. So a child
that runs user code (a function worker, an instance's UserData) is, before ``exec``:

1. moved into its network namespace (``setns``; needs the parent's CAP_SYS_ADMIN);
2. stripped of every capability in its bounding set (``PR_CAPBSET_DROP``; needs CAP_SETPCAP);
3. given no supplementary groups, then its own gid and uid (real, effective, saved): the kernel
   clears the permitted, effective and ambient capability sets on that uid change;
4. marked ``no_new_privs`` (set-uid binaries and file capabilities grant nothing), with a parent-death
   signal of SIGKILL (set after the uid change, which clears it), umask 077.

With ``mounts`` (a mount namespace, ``mounts.py``), it also enters that namespace (right after the
network one) and goes back to its working directory by path: its own /tmp, a /proc showing only its
own processes.

``Confinement.preexec()`` does that as a ``preexec_fn``; ``Confinement.wrap_argv()`` does the same with
``ip netns exec`` + ``setpriv`` for callers that cannot pass a preexec (slower: two more execs).
The uid allocator gives each function its own uid, so one function cannot read another's
``/proc/<pid>/environ``, signal its processes or open its 0700 files.

Errors::

    OSError        setns/setres*id/prctl failed in the child (subprocess re-raises it in the parent)
"""

from __future__ import annotations

import os
import resource
import signal
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from vpcgate.network import mounts as mountns
from vpcgate.network.enforce import netns
from vpcgate.syscalls import prctl

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
DEFAULT_UID_BASE = 2_000_000_000
LAMBDA_PROCESSES = 1024
LAMBDA_FILES = 1024


def reachable_by_others(path: Path) -> bool:
    """Can a uid that is neither owner nor group reach ``path`` (every parent o+x, the file o+r or o+x)?

    A confined process runs as its own uid: an interpreter or directory under a 0700 home (a pyenv
    under /root, say) is out of its reach, and exec/chdir would fail with a bare EACCES.
    """
    try:
        real = path.resolve(strict=True)
        if not all(p.stat().st_mode & stat.S_IXOTH for p in real.parents):
            return False
        return bool(real.stat().st_mode & (stat.S_IROTH | stat.S_IXOTH))
    except OSError:
        return False


def last_capability() -> int:
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return 40


@dataclass(frozen=True)
class Confinement:
    """Who a child becomes: ``uid``/``gid`` (non-zero), optionally inside the namespace ``netns``."""

    uid: int
    gid: int
    netns: Path | None = None
    # keep_ids: stay who we are (user-namespace mode: root of our user namespace, the only uid
    # mapped; guard mode: the user vpcgate runs as) and rely on capabilities and no_new_privs alone
    keep_ids: bool = False
    # Lambda's per-environment quotas: 1,024 processes/threads and 1,024 file descriptors
    # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    lambda_limits: bool = False
    memory_mb: int | None = None  # RLIMIT_DATA, set before privileges drop (root cannot prlimit it later)
    # a private mount namespace to enter (``mounts.MountNamespace.path``), or None: the host's mounts
    mounts: Path | None = None

    @classmethod
    def as_ourselves(cls, netns: Path | None = None, *, lambda_limits: bool = False) -> Confinement:
        return cls(
            uid=os.geteuid(), gid=os.getegid(), netns=netns, keep_ids=True, lambda_limits=lambda_limits
        )

    def __post_init__(self) -> None:
        if not self.keep_ids and (self.uid == 0 or self.gid == 0):
            raise ValueError("a confined process may not run as uid or gid 0")
        if self.keep_ids and (self.uid, self.gid) != (os.geteuid(), os.getegid()):
            raise ValueError("keep_ids keeps this process's own uid and gid")

    def preexec(self) -> Callable[[], None]:
        """A ``preexec_fn`` for subprocess / asyncio.create_subprocess_exec (needs root in the parent)."""
        uid, gid, path, last_cap, keep = self.uid, self.gid, self.netns, last_capability(), self.keep_ids
        limits, mounts = self.lambda_limits, self.mounts
        # A non-root parent (guard mode) has no capability to drop, and may not touch the bounding set.
        caps = range(last_cap + 1) if os.geteuid() == 0 else range(0)

        def enter() -> None:
            if path is not None:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                netns.setns_fd(fd)
                os.close(fd)
            if mounts is not None:
                cwd = os.getcwd()
                fd = os.open(mounts, os.O_RDONLY | os.O_CLOEXEC)
                mountns.enter(fd)
                os.close(fd)
                os.chdir(cwd)  # by path: setns left us at the namespace's root
            if limits:
                resource.setrlimit(resource.RLIMIT_NPROC, (LAMBDA_PROCESSES, LAMBDA_PROCESSES))
                resource.setrlimit(resource.RLIMIT_NOFILE, (LAMBDA_FILES, LAMBDA_FILES))
            for cap in caps:
                prctl(PR_CAPBSET_DROP, cap)
            if not keep:  # (in a user namespace, setgroups is denied and only uid 0 exists)
                os.setgroups([])
                os.setresgid(gid, gid, gid)
                os.setresuid(uid, uid, uid)
            prctl(PR_SET_NO_NEW_PRIVS, 1)
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            os.umask(0o077)

        return enter

    def wrap_argv(self, argv: list[str]) -> list[str]:
        """``argv`` prefixed so that it runs confined, for callers that cannot pass a preexec."""
        ids = [] if self.keep_ids else [f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups"]
        drop = [
            "setpriv",
            *ids,
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--pdeathsig=KILL",
            "--",
        ]
        enter = ["ip", "netns", "exec", self.netns.name] if self.netns is not None else []
        data = [] if self.memory_mb is None else [f"--data={self.memory_mb * 1024 * 1024}"]
        limit = ["prlimit", f"--nproc={LAMBDA_PROCESSES}", f"--nofile={LAMBDA_FILES}", *data, "--"]
        return [*enter, *(limit if self.lambda_limits else []), *drop, *argv]


class UidAllocator:
    """A distinct uid (and same-numbered gid) per key, from ``base`` up; stable within a run.

    With ``keep_ids=True`` (user-namespace and guard modes) every key keeps this process's uid (in
    user-namespace mode: uid 0 of our user namespace, the only uid mapped), confined by
    capabilities and no_new_privs alone.
    """

    def __init__(self, base: int = DEFAULT_UID_BASE, *, keep_ids: bool = False) -> None:
        self._base = base
        self._keep_ids = keep_ids
        self._given: dict[str, int] = {}

    def uid_for(self, key: str) -> int:
        if self._keep_ids:
            return os.geteuid()
        if key not in self._given:
            self._given[key] = self._base + len(self._given)
        return self._given[key]

    def confinement(
        self,
        key: str,
        netns_path: Path | None = None,
        *,
        lambda_limits: bool = False,
        memory_mb: int | None = None,
    ) -> Confinement:
        if self._keep_ids:
            return replace(
                Confinement.as_ourselves(netns_path, lambda_limits=lambda_limits), memory_mb=memory_mb
            )
        uid = self.uid_for(key)
        return Confinement(
            uid=uid, gid=uid, netns=netns_path, lambda_limits=lambda_limits, memory_mb=memory_mb
        )
