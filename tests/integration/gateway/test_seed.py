"""THE SEED end to end: the seed's template unchanged, after the project's network stack, with the
seed's Node function (nodejs4.3 code) and Express app, over real HTTP; every row of the seed
README's table.

Network: host mode. The Express app listens on 127.0.0.1 and BackendHost/BackendPort are
overridden to reach it (the network stack's instance is not started in host mode). Running the
same table through the private subnet (namespaces mode, root) is the acceptance test,
``tests/seed/test_seed.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import free_port
from tests.integration.gateway.conftest import running
from tests.integration.gateway.express import ROOT, Express, express_dir

NETWORK = ROOT / "examples" / "seed-network" / "template.yaml"


@pytest.fixture
def express(seed_dir: Path, tmp_path: Path) -> Iterator[Express]:
    app = Express(express_dir(seed_dir, tmp_path), free_port())
    app.start()
    try:
        yield app
    finally:
        app.stop()


async def test_seed_readme_table(seed_template: Path, express: Express, tmp_path: Path) -> None:
    overrides = ["BackendHost=127.0.0.1", f"BackendPort={express.port}"]
    async with running([NETWORK, seed_template], tmp_path, overrides) as gw:
        for _ in range(10):  # warm GETs: the legacy agent must not poison kept sockets
            hello = await gw.call("GET", "/prod/")
            assert (hello.status, hello.body) == (200, b'{"message":"Hello World!"}')
        assert hello.headers.get("content-type") == "application/json; charset=utf-8"
        assert (hello.headers.get("etag") or "").startswith('W/"')
        assert hello.headers.get("x-powered-by") == "Express"
        assert hello.headers.get("x-amzn-RequestId")

        error = await gw.call("GET", "/prod/?error=1")
        assert (error.status, error.body) == (403, b'{"error":"Random error"}')

        echo = await gw.call(
            "POST", "/prod/", body=b'{"a":1}', headers=[("Content-Type", "application/json")]
        )
        assert (echo.status, json.loads(echo.body)) == (200, {"a": 1})
        assert echo.body == b'{"a":1}'

        for method, path in (("PUT", "/prod/"), ("GET", "/prod/nowhere")):
            missing = await gw.call(method, path)
            assert (missing.status, missing.body) == (403, b'{"message":"Missing Authentication Token"}')

        express.stop()
        down = await gw.call("GET", "/prod/")
        assert (down.status, down.body) == (500, b'{"message":"Internal server error"}')
