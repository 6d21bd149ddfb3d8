"""The Launcher seam: the service starts every worker through the launcher chosen for its function."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.integration.functions.conftest import make_spec
from vpcgate.functions.launch import HostLauncher
from vpcgate.functions.model import FunctionSpec
from vpcgate.functions.service import FunctionService, ServiceConfig


class WrappingLauncher(HostLauncher):
    """Prefixes the argv (as a namespace launcher would) and counts Runtime API sockets it made."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.sockets = 0

    def command(self, argv: Sequence[str]) -> list[str]:
        wrapped = ["/usr/bin/env", "VIA_LAUNCHER=yes", *argv]
        self.commands.append(wrapped)
        return wrapped

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        return {**env, "LAUNCHER_ENV": "set"}

    def listen(self) -> tuple[socket.socket, str]:
        self.sockets += 1
        return super().listen()


PY = """
import os
def handler(event, context):
    return [os.environ.get("VIA_LAUNCHER"), os.environ.get("LAUNCHER_ENV")]
"""
BOOTSTRAP = f"""#!{sys.executable}
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
    body = json.dumps([os.environ.get("VIA_LAUNCHER"), os.environ.get("LAUNCHER_ENV")]).encode()
    urllib.request.urlopen(urllib.request.Request(api + rid + "/response", data=body, method="POST")).read()
"""


async def test_workers_start_through_the_functions_launcher(tmp_path: Path) -> None:
    wrapping = WrappingLauncher()

    def launcher_for(spec: FunctionSpec) -> HostLauncher:
        return wrapping if spec.name.startswith("custom") else HostLauncher()

    service = FunctionService(
        ServiceConfig(work_dir=tmp_path / "state"), launcher_for=launcher_for, log_sink=None
    )
    code = tmp_path / "code"
    code.mkdir()
    (code / "bootstrap").write_text(BOOTSTRAP)
    (code / "bootstrap").chmod(0o755)
    try:
        service.deploy(make_spec("custom", "python3.11", PY))
        service.deploy(make_spec("plain", "python3.11", PY))
        service.deploy(make_spec("custom-provided", "provided.al2", directory=code))
        assert json.loads((await service.invoke("custom", b"{}")).payload) == ["yes", "set"]
        assert json.loads((await service.invoke("plain", b"{}")).payload) == [None, None]
        assert json.loads((await service.invoke("custom-provided", b"{}")).payload) == ["yes", "set"]
        assert [c[:2] for c in wrapping.commands] == [["/usr/bin/env", "VIA_LAUNCHER=yes"]] * 2
        assert wrapping.sockets == 1  # the Runtime API socket of the provided worker came from the launcher
    finally:
        await service.shutdown()
