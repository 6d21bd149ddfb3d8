"""One worker process: spawn, initialise, run one invocation at a time, die; a default-deny state machine.

States and the only transitions allowed (anything else raises ``InvalidTransition``, a bug)::

    STARTING ──▶ IDLE ◀──▶ BUSY
        │          │         │
        └──────────┴─────────┴──▶ DEAD

A worker dies when its process exits (crash, ``exit``, out of memory), when an invocation times out
(vpcgate kills it, as Lambda stops the execution environment), when it is reaped after being idle, or
when its function is redeployed. The pool replaces dead workers on demand.

Memory: ``MemorySize`` becomes the process's RLIMIT_DATA (set right after spawn with ``prlimit``).
RLIMIT_AS is not usable: V8 reserves gigabytes of address space up front (pointer cage, code range)
and Node would not start under a 128 MB address-space limit; RLIMIT_DATA counts only writable private
memory actually mapped, which both Python and Node honour (allocations beyond it fail: MemoryError, or
Node's "allocation failed" and an exit, reported as Runtime.ExitError).

Errors::

    InvalidTransition   a state change the machine does not list (a bug in vpcgate)
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from vpcgate.functions.channel import Channel, WorkerGone
from vpcgate.functions.invocation import InvocationRequest, Reply
from vpcgate.functions.launch import Launcher
from vpcgate.functions.logs import OutputCapture, PeakMemory

log = logging.getLogger("vpcgate.functions")


class WorkerState(Enum):
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    DEAD = "dead"

    # Members are singletons compared by identity: hash them by identity too (C), not by name
    # (Enum's __hash__ is Python, and every transition looks a state up twice).
    __hash__ = object.__hash__


_ALLOWED: Mapping[WorkerState, frozenset[WorkerState]] = {
    WorkerState.STARTING: frozenset({WorkerState.IDLE, WorkerState.DEAD}),
    WorkerState.IDLE: frozenset({WorkerState.BUSY, WorkerState.DEAD}),
    WorkerState.BUSY: frozenset({WorkerState.IDLE, WorkerState.DEAD}),
    WorkerState.DEAD: frozenset(),
}


class InvalidTransition(RuntimeError):
    """A state change the worker state machine does not allow."""


class Ending(Enum):
    """How an invocation ended, when it did not end with a reply."""

    TIMEOUT = "timeout"
    EXIT = "exit"


@dataclass(frozen=True)
class Outcome:
    """What one invocation on a worker produced."""

    reply: Reply | None  # None when the invocation timed out or the worker died
    ending: Ending | None
    exit_description: str  # "signal: killed", "exit status 1" (for Runtime.ExitError)
    output: str  # what the worker printed during the invocation
    duration_ms: float
    max_memory_mb: int


_SIGNAL_WORDS = {
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGINT: "interrupt",
    signal.SIGBUS: "bus error",
}


def describe_exit(returncode: int | None) -> str:
    """Lambda's wording of how a runtime process ended (``exit status 1``, ``signal: killed``)."""
    if returncode is None:
        return "unknown"
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"signal: {-returncode}"
        return "signal: " + _SIGNAL_WORDS.get(sig, sig.name.lower())
    return f"exit status {returncode}"


@dataclass(frozen=True)
class WorkerPlan:
    """What a worker is started from."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    memory_mb: int


class Worker:
    """One runtime process and its channel."""

    def __init__(
        self,
        plan: WorkerPlan,
        channel: Channel,
        launcher: Launcher,
        *,
        on_exit: Callable[[Worker], None] | None = None,
    ) -> None:
        self._plan = plan
        self._channel = channel
        self._launcher = launcher
        self._on_exit = on_exit
        self._loop = asyncio.get_running_loop()
        self._process: asyncio.subprocess.Process | None = None
        self._capture: OutputCapture | None = None
        self._memory: PeakMemory | None = None
        self._watch: asyncio.Task[None] | None = None
        self._exited: asyncio.Future[int] = self._loop.create_future()
        self.state = WorkerState.STARTING
        self.init_ms: float | None = None  # reported once, on the first invocation (a cold start)
        self.last_used = 0.0
        self.retiring = False

    # -- state machine
    def _transition(self, target: WorkerState) -> None:
        if target not in _ALLOWED[self.state]:
            raise InvalidTransition(f"worker {self.pid}: {self.state.value} → {target.value}")
        self.state = target

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        return self.state is not WorkerState.DEAD

    # -- lifecycle
    async def start(self, init_timeout: float) -> tuple[Reply | None, str]:
        """Spawn and wait until initialised: (None, output) when ready, (INIT_ERROR reply, output) if not.

        Raises WorkerGone (with Lambda's exit wording) if the process dies or hangs during init,
        and OSError if it cannot be spawned at all.
        """
        started = time.perf_counter()
        out_r, out_w = os.pipe()
        try:
            self._process = await self._spawn(out_w)
        except OSError:
            os.close(out_r)
            await self._channel.close()
            self._transition(WorkerState.DEAD)
            raise
        finally:
            os.close(out_w)
        self._capture = OutputCapture(out_r, self._loop)
        self._memory = PeakMemory(self._process.pid)
        self._limit_memory()
        await self._channel.attach()
        self._watch = self._loop.create_task(self._watch_exit())
        try:
            init_error = await asyncio.wait_for(asyncio.shield(self._channel.ready()), init_timeout)
        except (WorkerGone, TimeoutError) as error:
            timed_out = isinstance(error, TimeoutError)
            self.kill()
            code = await self._exited
            output = self._capture.take()
            raise WorkerGone("timeout" if timed_out else describe_exit(code), output) from None
        self.init_ms = (time.perf_counter() - started) * 1000
        output = self._capture.take()
        if init_error is not None:
            self.kill()
            return init_error, output
        if self.state is WorkerState.DEAD:  # ready, then gone before we got here
            raise WorkerGone(describe_exit(await self._exited), output)
        self._transition(WorkerState.IDLE)
        return None, output

    async def _spawn(self, out_w: int) -> asyncio.subprocess.Process:
        argv = self._launcher.command(self._plan.argv)
        env = self._launcher.env({**self._plan.env, **self._channel.env()})
        user = self._launcher.user()
        # uvloop's subprocess_exec does not accept user/group at all: pass them only when asked.
        identity: dict[str, Any] = (
            {} if user is None else {"user": user[0], "group": user[1], "extra_groups": []}
        )
        own = self._launcher.pass_fds()
        try:
            return await asyncio.create_subprocess_exec(
                *argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                env=env,
                cwd=self._plan.cwd,
                pass_fds=(*self._channel.pass_fds(), *own),
                start_new_session=True,
                **identity,
            )
        finally:
            self._launcher.spawned(own)

    def _limit_memory(self) -> None:
        if self._launcher.limits_memory():
            return
        limit = self._plan.memory_mb * 1024 * 1024
        try:
            resource.prlimit(self.pid or 0, resource.RLIMIT_DATA, (limit, limit))
        except ProcessLookupError:
            pass  # already gone: its exit will be reported
        except (OSError, ValueError) as error:
            log.warning(
                "MemorySize %d MB is not enforced for pid %s: %s", self._plan.memory_mb, self.pid, error
            )

    async def _watch_exit(self) -> None:
        assert self._process is not None
        code = await self._process.wait()
        if self.state is not WorkerState.DEAD:
            self._transition(WorkerState.DEAD)
        self._channel.abort(WorkerGone(describe_exit(code)))
        if not self._exited.done():
            self._exited.set_result(code)
        await self._channel.close()
        if self._capture is not None:
            self._capture.close()  # keeps what it read: the invocation or start in progress takes it
        if self._memory is not None:
            self._memory.close()
        if self._on_exit is not None:
            self._on_exit(self)

    # -- invocations
    async def invoke(self, request: InvocationRequest, timeout: float) -> Outcome:
        """Run one invocation; never raises for what the function or its process did."""
        self._transition(WorkerState.BUSY)
        started = time.perf_counter()
        future = self._channel.invoke(request)
        timer = self._loop.call_later(timeout, self._time_out, future)
        ending: Ending | None = None
        reply: Reply | None = None
        description = ""
        try:
            reply = await future
        except _TimedOut:
            ending = Ending.TIMEOUT
        except WorkerGone:
            ending = Ending.EXIT
        finally:
            timer.cancel()
        duration = (time.perf_counter() - started) * 1000
        if ending is not None:
            self.kill()  # a broken channel with a live process (it closed its pipe) is no use either
            code = await self._exited
            description = describe_exit(code)
        assert self._capture is not None
        output = self._capture.take()
        memory = self._peak_mb(reply) if ending is None else 0
        if self.state is WorkerState.BUSY:
            if reply is not None and reply.exits:
                self.kill()
            else:
                self._transition(WorkerState.IDLE)
        return Outcome(reply, ending, description, output, duration, memory)

    def _peak_mb(self, reply: Reply | None) -> int:
        if reply is not None and reply.peak_rss_kb is not None:
            return -(-reply.peak_rss_kb // 1024)
        return self._memory.mb() if self._memory is not None else 0

    def _time_out(self, future: asyncio.Future[Reply]) -> None:
        if not future.done():
            future.set_exception(_TimedOut())
            self.kill()

    def kill(self) -> None:
        """Stop the worker now (SIGKILL to its process group, which this worker leads)."""
        if self.state is not WorkerState.DEAD:
            self._transition(WorkerState.DEAD)
        if self._process is not None and self._process.returncode is None:
            with suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)

    async def wait_closed(self) -> None:
        """Wait until the process has exited and the channel is closed."""
        if self._watch is not None:
            await asyncio.shield(self._watch)


class _TimedOut(Exception):
    pass
