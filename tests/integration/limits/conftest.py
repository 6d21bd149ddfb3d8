"""A real ``redis-server`` on a free loopback port, started and killed by pid (never by name)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.helpers import free_port


class RedisServer:
    """One redis-server process on a fixed port; ``kill`` and ``start`` again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    @contextlib.contextmanager
    def monitor(self) -> Iterator[list[str]]:
        """The MONITOR lines of what happens inside the ``with`` block (filled in on exit)."""
        lines: list[str] = []
        watcher = subprocess.Popen(
            ["redis-cli", "-p", str(self.port), "MONITOR"], stdout=subprocess.PIPE, text=True
        )
        assert watcher.stdout is not None
        assert watcher.stdout.readline().strip() == "OK"
        try:
            yield lines
            self.cli("ECHO", "monitor-end")  # a marker: everything before it has been shown
            for line in watcher.stdout:
                if '"monitor-end"' in line:
                    break
                lines.append(line.strip())
        finally:
            watcher.kill()
            watcher.wait()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.fail("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.kill()
