"""``vpcgate up`` as a person runs it: a real process prints its URLs and outputs, serves, and stops
cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.helpers import kill_if_running, read_until
from tests.integration.gateway.conftest import FIXTURES

RUN_UP = "import sys; from vpcgate.cli_up import up; up(sys.argv[1:], prog_name='vpcgate up')"


def test_up_prints_urls_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    argv = [
        sys.executable,
        "-c",
        RUN_UP,
        str(FIXTURES / "mock.yaml"),
        "--port",
        "0",
        "--state-dir",
        str(tmp_path),
    ]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        banner = read_until(process.stdout, "serving on")
        assert re.search(r"api mock-api \(\w+\) stage dev:", banner)
        url = re.search(r"(http://127\.0\.0\.1:\d+/dev/)\n", banner)
        assert url is not None, banner
        assert re.search(r"http://\w+\.execute-api\.localhost:\d+/dev/", banner)
        assert re.search(r"/restapis/\w+/dev/_user_request_/", banner)
        with urllib.request.urlopen(url.group(1) + "hello", timeout=10) as response:
            assert response.status == 200
            assert json.loads(response.read())["stage"] == "dev"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        kill_if_running(process)


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "text/plain"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read()
        return body


def test_watch_redeploys_a_changed_template_and_keeps_serving_through_a_broken_one(tmp_path: Path) -> None:
    template = tmp_path / "api.yaml"
    template.write_text((FIXTURES / "mock.yaml").read_text())
    argv = [
        sys.executable,
        "-c",
        RUN_UP,
        str(template),
        "--port",
        "0",
        "--watch",
        "--state-dir",
        str(tmp_path / "s"),
    ]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = read_until(process.stdout, "serving on")
        url = re.search(r"(http://127\.0\.0\.1:\d+/dev/)\n", banner)
        assert url is not None, banner
        hello = url.group(1) + "hello"
        assert _get(hello) == b"plain dev"
        template.write_text(template.read_text().replace("plain $context.stage", "changed $context.stage"))
        assert _eventually(lambda: _get(hello) == b"changed dev")
        template.write_text("Resources: [not, a, mapping]\n")
        assert process.stderr is not None
        lines = [process.stderr.readline() for _ in range(2)]  # "redeployed", then the refusal
        assert lines[0] == "redeployed\n"
        assert lines[1].startswith("not redeployed: "), lines
        assert _get(hello) == b"changed dev"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        kill_if_running(process)


def _eventually(check: Callable[[], bool], seconds: float = 8.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_workers_share_the_port_and_stop_together(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", RUN_UP, str(FIXTURES / "mock.yaml"), "--port", "0", "--workers", "2"]
    process = subprocess.Popen([*argv, "--state-dir", str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        banner = read_until(process.stdout, "serving on")
        url = re.search(r"(http://127\.0\.0\.1:\d+/dev/)\n", banner)
        assert url is not None, banner
        workers = _children(process.pid)
        assert len(workers) == 2
        for _ in range(20):
            with urllib.request.urlopen(url.group(1) + "hello", timeout=10) as response:
                assert response.status == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    finally:
        kill_if_running(process)
