"""Instances: an AWS::EC2::Instance's UserData run as a script inside the instance's namespace.

Like EC2 (cloud-init runs user data once, as a script, at first boot; nothing waits for what it
starts): https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html

- the script is written to a private run directory; a ``#!`` first line chooses the interpreter
  (the kernel reads it), else ``/bin/sh`` runs it;
- working directory: the template's directory; environment: vpcgate's (plus what the caller adds);
- it runs confined (``confine.py``): in the instance's namespace, as an unprivileged uid (EC2 runs
  user data as root: package installs and the like fail here; ports below 1024 may be bound, the
  namespace allows it);
- with ``private_mounts`` (namespace mode, as root), in a mount namespace of its own
  (``mounts.py``): its own /tmp (the working directory and the script bound back when under /tmp),
  a /proc showing only its own processes and a /sys showing its own network namespace;
- every line of its output goes to the log as ``<instance id>: <line>``;
- a non-zero exit is reported (logged, and kept in ``returncode``), never fatal;
- ``stop()`` signals the whole process group (SIGTERM, then SIGKILL after a grace period).

Errors::

    OSError        the script could not be started (the confinement or exec failed)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from vpcgate.network.confine import Confinement, reachable_by_others
from vpcgate.network.model import Instance
from vpcgate.network.mounts import MountNamespace

log = logging.getLogger("vpcgate.instances")


def script_argv(user_data: str, path: Path) -> list[str]:
    """How to run the script at ``path``: itself when it starts with ``#!``, else ``/bin/sh`` it."""
    return [str(path)] if user_data.startswith("#!") else ["/bin/sh", str(path)]


class InstanceProcess:
    """One instance's UserData, running (or finished) under a confinement."""

    def __init__(
        self,
        instance: Instance,
        *,
        confinement: Confinement,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        grace_seconds: float = 3.0,
        private_mounts: bool = False,
    ) -> None:
        self.instance = instance
        self._private_mounts = private_mounts
        self._confinement = confinement
        self._cwd = cwd
        self._env = dict(env) if env is not None else None
        self._grace = grace_seconds
        self._proc: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self._waiter: asyncio.Task[None] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self.returncode: int | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def start(self) -> None:
        """Start the script; returns at once (like EC2, nothing waits for the service to be ready)."""
        user_data = self.instance.user_data
        if not user_data:
            return
        if not self._confinement.keep_ids and not reachable_by_others(self._cwd):
            log.warning(
                "%s: the template directory %s is not reachable by the instance's unprivileged uid %d"
                " (a directory above it is not world-traversable); its UserData may fail to start",
                self.instance.instance_id,
                self._cwd,
                self._confinement.uid,
            )
        self._dir = tempfile.TemporaryDirectory(prefix=f"vpcgate-{self.instance.instance_id}-")
        path = Path(self._dir.name) / "user-data"
        path.write_text(user_data)
        os.chmod(self._dir.name, 0o711)
        os.chmod(path, 0o500)
        os.chown(path, self._confinement.uid, self._confinement.gid)
        confinement = self._confinement
        mounts = None
        if self._private_mounts:
            keep = [self._cwd, path.parent]
            mounts = MountNamespace.create(keep, net=self._confinement.netns)
        if mounts is not None:
            confinement = replace(confinement, mounts=mounts.path)
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *script_argv(user_data, path),
                cwd=self._cwd,
                env=self._env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=confinement.preexec(),
            )
        finally:  # the namespace lives on as long as a process is in it
            if mounts is not None:
                mounts.close()
        log.info("%s: user data started (pid %d)", self.instance.instance_id, self._proc.pid)
        self._pump = asyncio.create_task(self._forward_output(self._proc))
        self._waiter = asyncio.create_task(self._report_exit(self._proc))

    async def _forward_output(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:  # until every process of the group has closed it
            log.info("%s: %s", self.instance.instance_id, raw.decode(errors="replace").rstrip("\n"))

    async def _report_exit(self, proc: asyncio.subprocess.Process) -> None:
        self.returncode = await proc.wait()
        iid = self.instance.instance_id
        if self._stopping:
            log.info("%s: user data stopped", iid)
        elif self.returncode != 0:
            log.warning("%s: user data exited with status %d", iid, self.returncode)
        else:
            log.info("%s: user data finished", iid)

    async def wait(self) -> int | None:
        """Wait for the script itself to end (what it left running may go on); its exit status."""
        if self._waiter is not None:
            await self._waiter
        return self.returncode

    async def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it after the grace period, remove the script."""
        proc = self._proc
        self._stopping = True
        if proc is not None:
            await _stop_group(proc.pid, self._grace)
            await proc.wait()
        for task in (self._pump, self._waiter):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


def _signal_group(pgid: int, sig: int) -> bool:
    """Signal a process group; False when no process of it is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


async def _stop_group(pgid: int, grace: float) -> None:
    """SIGTERM the group (the script and whatever it left running), SIGKILL what outlives ``grace``."""
    if not _signal_group(pgid, signal.SIGTERM):
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while loop.time() < deadline:
        await asyncio.sleep(0.02)
        if not _signal_group(pgid, 0):
            return
    _signal_group(pgid, signal.SIGKILL)
