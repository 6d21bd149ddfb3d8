"""examples/hello-python: a Python function behind AWS_PROXY and a MOCK health check, served for real."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.gateway.conftest import running
from tests.integration.gateway.express import ROOT

TEMPLATE = ROOT / "examples" / "hello-python" / "template.yaml"


async def test_hello_python_answers_through_the_proxy_integration(tmp_path: Path) -> None:
    async with running([TEMPLATE], tmp_path) as gw:
        hello = await gw.call("GET", "/dev/hello?name=ada")
        assert hello.status == 200, hello.body
        assert hello.headers.get("content-type") == "application/json"
        answer = json.loads(hello.body)
        assert answer["hello"] == "ada"
        assert answer["requestId"]  # the function's context.aws_request_id

        health = await gw.call("GET", "/dev/health")
        assert (health.status, health.body) == (200, b'{"status": "ok"}')

        missing = await gw.call("GET", "/dev/nowhere")
        assert (missing.status, missing.body) == (403, b'{"message":"Missing Authentication Token"}')
