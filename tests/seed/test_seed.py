"""The acceptance test of issue 6 ("Done when"), in one place.

THE SEED through the private subnet (namespaces mode, root): the project's network stack builds
the VPC as network namespaces with nftables; its instance runs the seed's Express app (UserData) at
10.0.1.10 inside the private subnet; the seed's template is deployed unchanged (the network stack's
outputs fill its four parameters); its Node function runs in its ENI's namespace. Every row of the
seed README's table, GET /prod/ 100 times in a row, and the host itself cannot reach the backend.
(Host mode's run of the same table, without isolation: tests/integration/gateway/test_seed.py.)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from tests.integration.gateway.conftest import Caller, running
from tests.integration.gateway.express import ROOT, express_dir

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces mode needs root")

NETWORK = ROOT / "examples" / "seed-network" / "template.yaml"
HELLO = b'{"message":"Hello World!"}'


async def _until_backend_up(gw: Caller) -> None:
    for _ in range(80):  # the instance's UserData starts node; nothing waits for it (like EC2)
        response = await gw.call("GET", "/prod/")
        if (response.status, response.body) == (200, HELLO):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the Express instance never answered through the gateway")


def _host_reaches(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=1).close()
    except OSError:
        return False
    return True


async def test_seed_through_the_private_subnet(seed_dir: Path, seed_template: Path, tmp_path: Path) -> None:
    express_dir(seed_dir, tmp_path)  # the instance's UserData runs .cache/node/express-app
    # The function runs as its own unprivileged uid: its code must sit where that uid can read it
    # (pytest's tmp_path is private to root).
    state = Path(tempfile.mkdtemp(prefix="vpcgate-gateway-ns-"))
    state.chmod(0o755)
    try:
        await _table_through_namespaces(seed_template, tmp_path, state)
    finally:
        shutil.rmtree(state, ignore_errors=True)


async def _table_through_namespaces(seed_template: Path, tmp_path: Path, state: Path) -> None:
    templates = [NETWORK, seed_template]
    async with running(templates, tmp_path, network_mode="namespaces", state_dir=state) as gw:
        await _until_backend_up(gw)
        outputs = {name: value for _, name, value in gw.app.outputs()}
        assert not _host_reaches(outputs["BackendHost"], int(outputs["BackendPort"]))

        for _ in range(100):
            hello = await gw.call("GET", "/prod/")
            assert (hello.status, hello.body) == (200, HELLO)
        assert hello.headers.get("content-type") == "application/json; charset=utf-8"
        assert (hello.headers.get("etag") or "").startswith('W/"')
        assert hello.headers.get("x-powered-by") == "Express"

        error = await gw.call("GET", "/prod/?error=1")
        assert (error.status, error.body) == (403, b'{"error":"Random error"}')
        echo = await gw.call(
            "POST", "/prod/", body=b'{"a":1}', headers=[("Content-Type", "application/json")]
        )
        assert (echo.status, echo.body) == (200, b'{"a":1}')
        for method, path in (("PUT", "/prod/"), ("GET", "/prod/nowhere")):
            missing = await gw.call(method, path)
            assert (missing.status, missing.body) == (403, b'{"message":"Missing Authentication Token"}')

        for instance in gw.app.instances:
            await instance.stop()
        down = await gw.call("GET", "/prod/")
        assert (down.status, down.body) == (500, b'{"message":"Internal server error"}')
