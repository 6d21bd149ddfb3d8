"""`vpcgate demo` (what `make demo` runs): the seed's README table through a real gateway."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port, kill_if_running, read_until
from tests.integration.gateway.express import express_dir

ROOT = Path(__file__).resolve().parents[3]


def run_demo(seed_dir: Path, mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "vpcgate",
            "demo",
            "--seed",
            str(seed_dir),
            "--network-mode",
            mode,
            "--no-serve",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "mode",
    [
        "host",
        pytest.param(
            "namespaces",
            marks=pytest.mark.skipif(os.geteuid() != 0, reason="namespaces mode needs root"),
        ),
    ],
)
def test_demo_answers_as_the_seed_readme_promises(seed_dir: Path, tmp_path: Path, mode: str) -> None:
    app_dir = express_dir(seed_dir, tmp_path)
    assert app_dir == ROOT / ".cache" / "node" / "express-app", "make fills .cache/node/express-app"
    result = run_demo(seed_dir, mode)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
    assert len(rows) == 6 + 5  # the seed's table, then examples/private-notes
    assert all(row.startswith("ok") for row in rows), rows
    assert f"network mode: {mode}" in result.stdout
    assert "The project's own example works end to end." in result.stdout


def test_demo_serves_the_example_with_curl_lines(seed_dir: Path, tmp_path: Path) -> None:
    """After the checks, ``vpcgate demo`` prints invoke URLs and curl lines and serves until Ctrl-C."""
    express_dir(seed_dir, tmp_path)
    argv = [sys.executable, "-m", "vpcgate", "demo", "--seed", str(seed_dir), "--network-mode", "host"]
    process = subprocess.Popen(
        [*argv, "--port", str(free_port())], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        text = read_until(process.stdout, "serving until Ctrl-C")
        curl = re.search(r"curl -i (http://127\.0\.0\.1:\d+/notes/)\n", text)
        assert curl is not None, text
        with urllib.request.urlopen(curl.group(1), timeout=10) as response:
            assert json.loads(response.read()) == {"message": "Hello from the private subnet"}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        kill_if_running(process)
