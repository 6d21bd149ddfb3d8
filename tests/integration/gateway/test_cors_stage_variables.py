"""CORS the way REST APIs do it, and stage variables in templates, requestParameters, an HTTP
integration URI and a Lambda function name with its alias — over real HTTP, real Python workers and
a real backend server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers import serving
from tests.integration.gateway.conftest import FIXTURES, running
from vpcgate.http.message import HttpRequest, HttpResponse


async def _echo(request: HttpRequest) -> HttpResponse:
    seen = {"path": request.path, "query": request.query, "tag": request.headers.get("x-tag")}
    return HttpResponse.of(200, json.dumps(seen).encode(), [("Content-Type", "application/json")])


@pytest.fixture
async def backend() -> AsyncIterator[str]:
    async with serving(_echo) as url:
        yield url


async def test_cors_preflight_methods_and_errors(backend: str, tmp_path: Path) -> None:
    async with running([FIXTURES / "cors_stages.yaml"], tmp_path, [f"BackendUrl={backend}"]) as gw:
        preflight = await gw.call(
            "OPTIONS",
            "/blue/items",
            headers=[("Origin", "https://app.example"), ("Access-Control-Request-Method", "GET")],
        )
        assert (preflight.status, preflight.body) == (200, b"")
        assert preflight.headers.get("Access-Control-Allow-Methods") == "GET,OPTIONS"
        assert preflight.headers.get("Access-Control-Allow-Origin") == "https://app.example"
        assert preflight.headers.get("Access-Control-Allow-Headers") == (
            "Content-Type,X-Amz-Date,Authorization,X-Api-Key"
        )

        get = await gw.call("GET", "/blue/items", headers=[("Origin", "https://app.example")])
        assert get.status == 200
        assert get.headers.get("Access-Control-Allow-Origin") == "https://app.example"

        # errors come from gateway responses, which carry the headers DEFAULT_4XX/5XX configure
        unknown = await gw.call("DELETE", "/blue/items", headers=[("Origin", "https://app.example")])
        assert (unknown.status, unknown.body) == (403, b'{"message":"Missing Authentication Token"}')
        assert unknown.headers.get("Access-Control-Allow-Origin") == "*"
        assert unknown.headers.get("Access-Control-Allow-Headers") == "Content-Type,X-Api-Key"
        failed = await gw.call("POST", "/blue/items", body=b"{}")
        assert (failed.status, failed.body) == (500, b'{"message": "Internal server error"}')
        assert failed.headers.get("Access-Control-Allow-Origin") == "*"


async def test_stage_variables_everywhere(backend: str, tmp_path: Path) -> None:
    async with running([FIXTURES / "cors_stages.yaml"], tmp_path, [f"BackendUrl={backend}"]) as gw:
        for stage, tag in (("blue", "b1"), ("green", "g2")):
            items = await gw.call("GET", f"/{stage}/items")
            assert json.loads(items.body) == {"tag": tag, "stage": stage}
            assert items.headers.get("x-stage-tag") == tag

            http = await gw.call("GET", f"/{stage}/http")
            assert json.loads(http.body) == {"path": f"/{tag}/echo", "query": "from=gateway", "tag": tag}

        blue = json.loads((await gw.call("GET", "/blue/fn")).body)
        assert (blue["fn"], blue["version"]) == ("blue", "$LATEST")
        green = json.loads((await gw.call("GET", "/green/fn")).body)
        assert green["fn"] == "green"  # vpcgate runs a function's current code for every version
        assert green["arn"].endswith(":function:sv-green:live")
