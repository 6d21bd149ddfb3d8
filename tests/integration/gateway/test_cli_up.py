"""``vpcgate up`` as a person runs it: a real process prints its URLs and outputs, serves, and stops
cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

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
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "serving on" in line:
                break
        banner = "".join(lines)
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
        if process.poll() is None:
            process.kill()
            process.wait()
