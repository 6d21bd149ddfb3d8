"""``--workers N``: N forked processes serving one listening socket, under a small supervisor; and
the event loop every server process runs on (uvloop: the only module importing it).

::

    supervisor (the calling process)        binds host:port once, then forks N workers
    ├── worker 1 ── run(main(listener, stop))   each: a fresh event loop, the shared socket
    ├── worker 2 ── ...
    └── SIGINT / SIGTERM → SIGTERM to every worker → each stops accepting and finishes what is in
        flight (``main`` decides how: ``serve_handler`` uses HttpServer.shutdown) → after
        ``stop_timeout`` seconds the supervisor SIGKILLs what is left

The socket is bound in the supervisor, so the port is known (``port=0`` works) and accepting before
any worker runs: connections wait in the kernel's backlog, never refused, while a worker starts or
is replaced. A worker that dies is started again; a worker that keeps dying (``max_restarts`` in
``restart_window`` seconds) stops the whole group with exit status 1. Workers are forked, so a
caller may deploy (read templates, build objects) once before calling :func:`serve_workers`; it
must do so before starting any thread or event loop. Workers get SIGTERM if the supervisor dies.

Errors::

    OSError        the address cannot be bound (raised by serve_workers before any fork)
    ValueError     workers < 1
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import uvloop

from vpcgate.http.limits import DEFAULT_LIMITS, ServerLimits
from vpcgate.http.server import Handler, HttpServer
from vpcgate.syscalls import prctl

__all__ = ["WorkerMain", "bind", "run", "serve_handler", "serve_workers"]

log = logging.getLogger("vpcgate.http.workers")

WorkerMain = Callable[[socket.socket, asyncio.Event], Awaitable[None]]
T = TypeVar("T")

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on a new uvloop event loop."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def bind(host: str, port: int, *, backlog: int = 1024) -> socket.socket:
    """A listening TCP socket on host:port (``port=0``: any free port); raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def serve_handler(
    make_handler: Callable[[], Handler],
    *,
    limits: ServerLimits = DEFAULT_LIMITS,
    drain_seconds: float = 10.0,
) -> WorkerMain:
    """A worker ``main`` that serves ``make_handler()`` (called in the worker) with an HttpServer
    until stopped, then shuts it down gracefully within ``drain_seconds``."""

    async def main(listener: socket.socket, stop: asyncio.Event) -> None:
        server = HttpServer(make_handler(), limits=limits)
        await server.serve(sock=listener)
        await stop.wait()
        await server.shutdown(drain_seconds)

    return main


def serve_workers(
    main: WorkerMain,
    *,
    workers: int,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[tuple[str, int]], None] | None = None,
    stop_timeout: float = 15.0,
    max_restarts: int = 5,
    restart_window: float = 10.0,
) -> int:
    """Bind, fork ``workers`` processes each running ``main(listener, stop)``, supervise them until
    SIGINT or SIGTERM, stop them; returns the exit status (0, or 1 when workers kept dying).
    ``on_ready((host, port))`` is called once bound (the port is accepting from then on)."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    listener = bind(host, port)
    address = listener.getsockname()
    supervisor = _Supervisor(main, listener, stop_timeout, max_restarts, restart_window)
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {*_STOP_SIGNALS, signal.SIGCHLD})
    try:
        for _ in range(workers):
            supervisor.spawn()
        if on_ready is not None:
            on_ready((str(address[0]), int(address[1])))
        return supervisor.supervise()
    finally:
        supervisor.stop_all()
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        listener.close()


class _Supervisor:
    def __init__(
        self, main: WorkerMain, listener: socket.socket, stop_timeout: float, max_restarts: int, window: float
    ) -> None:
        self._main = main
        self._listener = listener
        self._stop_timeout = stop_timeout
        self._max_restarts = max_restarts
        self._window = window
        self._pids: set[int] = set()
        self._deaths: list[float] = []

    def spawn(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _worker(self._main, self._listener)  # never returns
        self._pids.add(pid)

    def supervise(self) -> int:
        """Wait for a stop signal, restarting workers that die; the exit status."""
        watched = {*_STOP_SIGNALS, signal.SIGCHLD}
        while True:
            info = signal.sigtimedwait(watched, 1.0)
            if info is not None and info.si_signo in _STOP_SIGNALS:
                return 0
            if self._reap() and not self._restart():
                log.error("workers keep dying: stopping")
                return 1

    def _reap(self) -> int:
        """Collect dead workers; how many died."""
        died = 0
        while self._pids:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid in self._pids:
                self._pids.discard(pid)
                died += 1
                log.warning(
                    "worker %d exited (status %d): restarting", pid, os.waitstatus_to_exitcode(status)
                )
        return died

    def _restart(self) -> bool:
        now = time.monotonic()
        self._deaths = [t for t in self._deaths if now - t < self._window] + [now]
        if len(self._deaths) > self._max_restarts:
            return False
        self.spawn()
        return True

    def stop_all(self) -> None:
        """SIGTERM every worker, wait up to ``stop_timeout``, SIGKILL the rest."""
        for pid in self._pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + self._stop_timeout
        while self._pids and time.monotonic() < deadline:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(0.01)
            self._pids.discard(pid)
        for pid in self._pids:
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        self._pids.clear()


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _worker(main: WorkerMain, listener: socket.socket) -> None:
    """The forked child: its own event loop, stopped by SIGINT/SIGTERM; exits, never returns."""
    status = 0
    try:
        _die_with_parent()
        run(_worker_main(main, listener))
    except BaseException:
        log.exception("worker %d failed", os.getpid())
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


async def _worker_main(main: WorkerMain, listener: socket.socket) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())  # blocked by the supervisor; handled from here on
    await main(listener, stop)


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when the supervisor dies (prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: it outlives a killed supervisor
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
