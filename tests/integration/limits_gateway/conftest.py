"""``vpcgate up`` as real processes sharing a real redis-server (started and killed by pid)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.limits.conftest import RedisServer, redis_server

__all__ = ["Node", "RedisServer", "nodes", "redis_server", "start_nodes"]

RUN_UP = "import sys; from vpcgate.cli_up import up; up(sys.argv[1:], prog_name='vpcgate up')"


@dataclass
class Node:
    """One ``vpcgate up`` process: its URL, banner and stderr (a file, read when asked)."""

    process: subprocess.Popen[str]
    url: str
    banner: str
    stderr: Path

    def log(self) -> str:
        return self.stderr.read_text()


def _start(
    template: Path, tmp_path: Path, name: str, args: Sequence[str]
) -> tuple[subprocess.Popen[str], Path]:
    stderr = tmp_path / f"{name}.stderr"
    argv = [sys.executable, "-c", RUN_UP, str(template), "--port", "0", "--state-dir", str(tmp_path / name)]
    argv += ["--quiet", *args]
    with stderr.open("w") as err:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True, env=dict(os.environ))
    return process, stderr


def _ready(process: subprocess.Popen[str], stderr: Path) -> Node:
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "serving on" in line:
            break
    banner = "".join(lines)
    match = re.search(r"serving on (http://127\.0\.0\.1:\d+)", banner)
    assert match is not None, f"vpcgate up did not start:\n{banner}\n{stderr.read_text()}"
    return Node(process, match.group(1), banner, stderr)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def nodes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by :func:`start_nodes` in a test; stopped (by pid) at its end."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        _stop(process)


def start_nodes(
    started: list[subprocess.Popen[str]], template: Path, tmp_path: Path, args: Sequence[Sequence[str]]
) -> list[Node]:
    """Start one node per argument list, all at once, and wait until each serves."""
    launched = [_start(template, tmp_path, f"node{i}", a) for i, a in enumerate(args)]
    started.extend(p for p, _ in launched)
    return [_ready(p, e) for p, e in launched]
