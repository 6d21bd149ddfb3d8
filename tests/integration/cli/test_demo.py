"""`vpcgate demo` (what `make demo` runs): the seed's README table through a real gateway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.gateway.express import express_dir

ROOT = Path(__file__).resolve().parents[3]


def run_demo(seed_dir: Path, mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vpcgate", "demo", "--seed", str(seed_dir), "--network-mode", mode],
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
    assert len(rows) == 6
    assert all(row.startswith("ok") for row in rows), rows
    assert f"network mode: {mode}" in result.stdout
