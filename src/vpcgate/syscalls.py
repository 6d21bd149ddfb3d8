"""The Linux system calls Python 3.11's ``os`` lacks, called through libc with ctypes: ``unshare``,
``setns``, ``mount`` and ``prctl``. One binding for the modules that make namespaces
(``network/enforce/netns.py``, ``network/mounts.py``, ``network/userns.py``), confine a worker
(``network/confine.py``) and tie a server worker to its supervisor (``http/workers.py``).

The calls are safe in a forked child before ``exec`` (preexec functions use them): they allocate only
when they fail. Importing this module works where libc has no ``prctl`` (not Linux); the call itself
then raises AttributeError.

Errors::

    OSError          the call failed; errno and the call's name are in it
    AttributeError   libc has no such call (not Linux)
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

_libc = ctypes.CDLL(None, use_errno=True)
if hasattr(_libc, "mount"):
    _libc.mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    ]
if hasattr(_libc, "prctl"):
    _libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _check(rc: int, call: str, arg: object) -> None:
    """Raise for a failed call; the message is made only then (no allocation on success)."""
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{call}({arg}): {os.strerror(err)}")


def unshare(flags: int) -> None:
    """Move the calling thread (or process) into new namespaces of the ``CLONE_*`` kinds in ``flags``."""
    _check(_libc.unshare(flags), "unshare", flags)


def setns(fd: int, nstype: int) -> None:
    """Move the calling thread into the namespace open at ``fd`` (``nstype``: a ``CLONE_*`` kind)."""
    _check(_libc.setns(fd, nstype), "setns", nstype)


def mount(source: str | None, target: Path, fstype: str | None, flags: int, data: str | None) -> None:
    """mount(2), with None for the arguments the kernel takes as NULL."""
    rc = _libc.mount(
        source.encode() if source else None,
        str(target).encode(),
        fstype.encode() if fstype else None,
        flags,
        data.encode() if data else None,
    )
    _check(rc, "mount", target)


def prctl(option: int, arg: int) -> None:
    """prctl(2) with one argument (``PR_SET_NO_NEW_PRIVS``, ``PR_SET_PDEATHSIG``, ...)."""
    _check(_libc.prctl(option, arg, 0, 0, 0), "prctl", option)
