"""The seed's Express app as a real Node process on 127.0.0.1 (a free port)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.helpers import wait_port

ROOT = Path(__file__).resolve().parents[3]


def express_dir(seed_dir: Path, scratch: Path) -> Path:
    """The app with its npm packages: ``$VPCGATE_NODE_CACHE/express-app`` (``make`` fills it), else
    ``.cache/node/express-app``, else a fresh ``npm install`` into ``scratch``."""
    for cache in (os.environ.get("VPCGATE_NODE_CACHE"), str(ROOT / ".cache" / "node")):
        if cache and (Path(cache) / "express-app" / "node_modules" / "express").is_dir():
            return Path(cache) / "express-app"
    target = scratch / "express-app"
    shutil.copytree(seed_dir / "express-app", target)
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund"], cwd=target, check=True)
    return target


class Express:
    """Start, stop and restart the app on one port."""

    def __init__(self, app_dir: Path, port: int) -> None:
        self.app_dir = app_dir
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(self.port), "HOST": "127.0.0.1"}
        self._process = subprocess.Popen(
            ["node", "index.js"], cwd=self.app_dir, env=env, stdout=subprocess.DEVNULL
        )
        wait_port(self.port, self._process, "the Express app")

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
