"""A worker's log: its stdout and stderr (one pipe), cut per invocation, framed by Lambda's lines.

Lambda writes ``START``, ``END`` and ``REPORT`` lines around each invocation's own output:
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html and
https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html (the REPORT fields: Duration, Billed
Duration, Memory Size, Max Memory Used, Init Duration on a cold start).

Why the pipe is read by hand: the runtimes flush their output before they send a result on the
other pipe, so once a result is in, everything the invocation printed is already in this pipe's
kernel buffer. ``take()`` reads it out right then (non-blocking), so each invocation gets exactly
its own lines, with no waiting and no ordering race between two pipes.
"""

from __future__ import annotations

import asyncio
import math
import os
import time

MAX_KEPT = 1 << 20  # per invocation; older output beyond this is dropped (the tail is what matters)


class OutputCapture:
    """Collects a worker's output pipe without blocking the event loop."""

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop) -> None:
        self._fd = fd
        self._loop = loop
        self._buffer = bytearray()
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._drain)
        self._open = True

    def _drain(self) -> None:
        while self._open:
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._open = False
                self._loop.remove_reader(self._fd)
                os.close(self._fd)
                return
            self._buffer += chunk
            if len(self._buffer) > MAX_KEPT:
                del self._buffer[: len(self._buffer) - MAX_KEPT]

    def take(self) -> str:
        """Everything written since the last ``take`` (reads what is waiting in the pipe first)."""
        self._drain()
        text = self._buffer.decode("utf-8", "replace")
        self._buffer.clear()
        return text

    def close(self) -> None:
        """Read what is left, then close the pipe; what was read stays available to ``take``."""
        if self._open:
            self._drain()
        if self._open:
            self._open = False
            self._loop.remove_reader(self._fd)
            os.close(self._fd)


class PeakMemory:
    """A process's peak resident memory (VmHWM), read through a descriptor kept open (cheap per call)."""

    def __init__(self, pid: int) -> None:
        try:
            self._fd: int | None = os.open(f"/proc/{pid}/status", os.O_RDONLY)
        except OSError:
            self._fd = None

    def mb(self) -> int:
        """Peak resident memory in MB (rounded up), 0 if it cannot be read."""
        if self._fd is None:
            return 0
        try:
            data = os.pread(self._fd, 8192, 0)
        except OSError:
            return 0
        start = data.find(b"VmHWM:")
        if start < 0:
            return 0
        return math.ceil(int(data[start + 6 : data.index(b"kB", start)]) / 1024)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_mb: int,
    max_used_mb: int,
    init_ms: float | None = None,
    status: str | None = None,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_used_mb} MB\t"
    )
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    if status is not None:
        line += f"Status: {status}\t"
    return line + "\n"


def timestamp() -> str:
    """Now as Lambda's log timestamps: ``2026-11-26T07:00:00.000Z``."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
