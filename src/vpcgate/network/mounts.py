"""Private mounts for confined code: a mount namespace per execution environment (a function's
worker) or instance, with its own /tmp and a /proc that shows it only its own processes.

Lambda gives each execution environment its own ``/tmp`` ("This storage is temporary and unique to
each execution environment", EphemeralStorage.Size MB, 512 by default, 512 to 10,240): two
concurrent invocations run in two environments and never see each other's files, while a warm
environment keeps its ``/tmp`` across its own invocations. It shows it no other customer's
processes.
https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html,
https://docs.aws.amazon.com/lambda/latest/dg/API_EphemeralStorage.html and
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-ephemeralstorage.html
Here, a uid per function (``confine.py``) already keeps other functions out of a process's
``/proc/<pid>/environ`` and 0700 files; a mount namespace closes the rest:

- ``/tmp`` is a fresh tmpfs (512 MB unless told; ``/dev/shm`` one of 64 MB), seen by that
  environment's processes only; host directories under ``/tmp`` the code needs (its code, an
  instance's working directory) are bound back at the same path, and nothing else of the host's
  ``/tmp`` is there;
- ``/proc`` is a new procfs instance mounted ``hidepid=invisible`` (proc(5): each proc mount has its
  own options since Linux 5.8): a process sees only its own uid's processes, so not another
  function's, an instance's or vpcgate's (nor their ``cmdline``);
- for a function in a VPC, ``/sys`` is a sysfs mounted from its ENI's network namespace (what
  ``ip netns exec`` would give it, made here instead of at every start);
- everything else is the host's, copied when the namespace is made, with propagation ``private``:
  nothing mounted inside reaches the host, and nothing is mounted on the host at all.

A namespace is made in a short-lived thread (``unshare(CLONE_NEWNS)`` implies a private
``fs_struct``, so only that thread moves; it mounts, opens ``/proc/thread-self/ns/mnt`` and dies).
vpcgate keeps that descriptor: it keeps the namespace alive with no process in it, and ``close()``
frees it (no mount to undo; once a process is in it, the namespace lives as long as that process).
A child enters it by ``setns`` (``enter()``, in a preexec) or ``nsenter --mount=<path>`` (argv
launchers). ``setns`` moves the working directory to the namespace's root, so the caller
``chdir``-s back *by path* (a descriptor opened before would be a tunnel into the host's tree,
``/proc`` included).

:class:`NamespaceSeat` is one child's descriptor for its namespace. Its number is reserved (holding
``/dev/null``) when the argv is built (``nsenter --mount=/proc/self/fd/<n>``), the namespace is
put there (``dup2``) once the code directory is known, the descriptor is passed to that one child
and closed in vpcgate right after the spawn. Each child thus opens its own namespace, never the
one a later start made: a single descriptor re-pointed for every start would race (the child's
``nsenter`` opens the path only after ``exec``, by when another start may have replaced it). A seat
never filled still holds ``/dev/null``, which ``setns`` refuses: that child fails instead of
running unconfined.

Where this does not apply (kept as it was, a note in ``running.py``): user-namespace mode (a procfs
mount with options needs the PID namespace's owner), guard mode and host mode (no confinement of
that kind), and any process not running as root (:func:`unavailable` says why).

Errors::

    OSError        unshare/mount/setns failed (errno set); raised in the caller's thread
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from vpcgate import syscalls
from vpcgate.syscalls import (
    CLONE_NEWNET,
    CLONE_NEWNS,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_REC,
    mount,
)

TMP = Path("/tmp")
SHM = Path("/dev/shm")
DEFAULT_TMP_MB = 512  # Lambda's default ephemeral storage
SHM_MB = 64


def unavailable() -> str | None:
    """Why private mounts cannot be made here, or None."""
    if os.geteuid() != 0:
        return "not root: no mount namespace of our own"
    return None


# vpcgate's own package: a preexec hook runs vpcgate's Python in the child after it entered the
# namespace, and the runtimes' bootstraps live here; a checkout under /tmp must stay importable.
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def under_tmp(paths: Iterable[Path]) -> list[Path]:
    """The top-level folders of /tmp that hold ``paths`` (resolved, deduplicated, sorted): what must
    be bound back. The whole top-level folder, not only the path: a project checked out under /tmp
    (CI clones there) keeps its relative paths (an instance's UserData ``cd ../../.cache/...``, the
    runtimes' bootstraps beside the code). That folder is the user's own tree, as readable to these
    users as any path outside /tmp; the other top-level entries of the host's /tmp stay hidden."""
    found: set[Path] = set()
    for path in paths:
        try:
            real = path.resolve(strict=True)
        except OSError:
            continue
        if real != TMP and TMP in real.parents:
            found.add(TMP / real.relative_to(TMP).parts[0])
    return sorted(found)


def _build(keep: list[Path], tmp_mb: int, net: Path | None) -> int:
    """In the calling (throwaway) thread: a new mount namespace set up; a descriptor for it."""
    if net is not None:
        fd = os.open(net, os.O_RDONLY | os.O_CLOEXEC)
        try:
            syscalls.setns(fd, CLONE_NEWNET)
        finally:
            os.close(fd)
    syscalls.unshare(CLONE_NEWNS)
    mount(None, Path("/"), None, MS_REC | MS_PRIVATE, None)
    # opened in the new namespace (a bind from another namespace's mount is refused), before /tmp
    # is covered
    held = [os.open(path, os.O_PATH | os.O_CLOEXEC) for path in keep]
    try:
        mount("tmpfs", TMP, "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_mb}m,mode=1777")
        for path, fd in zip(keep, held, strict=True):
            path.mkdir(parents=True, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
    finally:
        for fd in held:
            os.close(fd)
    if SHM.is_dir():
        mount("tmpfs", SHM, "tmpfs", MS_NOSUID | MS_NODEV, f"size={SHM_MB}m,mode=1777")
    mount("proc", Path("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")
    if net is not None:  # a sysfs shows the network namespace of whoever mounts it
        mount("sysfs", Path("/sys"), "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    return os.open("/proc/thread-self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)


class MountNamespace:
    """A private mount namespace, held open by a descriptor of ours (no process needs to be in it)."""

    def __init__(self, fd: int, keep: tuple[Path, ...]) -> None:
        self.fd = fd
        self.keep = keep

    @classmethod
    def create(
        cls, keep: Iterable[Path] = (), tmp_mb: int = DEFAULT_TMP_MB, net: Path | None = None
    ) -> MountNamespace:
        """A new namespace whose /tmp is empty but for ``keep`` (those of them under /tmp); with
        ``net`` (a network namespace), its /sys shows that namespace's interfaces."""
        paths = under_tmp([*keep, PACKAGE_DIR])
        box: dict[str, int | BaseException] = {}

        def body() -> None:
            try:
                box["fd"] = _build(paths, tmp_mb, net)
            except BaseException as exc:  # handed back to the caller's thread
                box["error"] = exc

        thread = threading.Thread(target=body, name="vpcgate-mountns")
        thread.start()
        thread.join()
        error = box.get("error")
        if isinstance(error, BaseException):
            raise error
        fd = box["fd"]
        assert isinstance(fd, int)
        return cls(fd, tuple(paths))

    @property
    def path(self) -> Path:
        """A path any root process can open to enter it (``nsenter --mount=``)."""
        return Path(f"/proc/{os.getpid()}/fd/{self.fd}")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class NamespaceSeat:
    """One child's descriptor for its mount namespace (see the module docstring).

    ``child_path`` goes into that child's argv before the namespace exists; ``fill`` puts one there;
    the spawn passes ``fd`` to that child alone (it is close-on-exec for every other); ``close``
    after the spawn (the child holds its own copy by then).
    """

    def __init__(self) -> None:
        self.fd = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        self.filled = False

    @property
    def child_path(self) -> Path:
        """The path the child opens, in its own descriptor table (the number is kept by pass_fds)."""
        return Path(f"/proc/self/fd/{self.fd}")

    def fill(self, ns: MountNamespace) -> None:
        """Hold ``ns`` in this seat (the seat's copy keeps it alive; ``ns`` itself is closed)."""
        os.dup2(ns.fd, self.fd, inheritable=False)
        ns.close()
        self.filled = True

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def enter(fd: int) -> None:
    """Move the calling (single-threaded, forked) process into the mount namespace at ``fd``; its
    working directory is then that namespace's root."""
    syscalls.setns(fd, CLONE_NEWNS)
