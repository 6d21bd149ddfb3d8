"""MOCK methods over real HTTP: selection by status, templates by Accept, parameters, overrides,
passthroughBehavior NEVER, addresses, AWS's headers and error bodies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.integration.gateway.conftest import FIXTURES, running
from vpcgate.app import App, AppConfig
from vpcgate.errors import ConfigError


async def test_mock_methods(tmp_path: Path) -> None:
    async with running([FIXTURES / "mock.yaml"], tmp_path) as gw:
        api_id = gw.app.apis[0].id
        ok = await gw.call("GET", "/dev/hello", headers=[("x-in", "abc")])
        assert ok.status == 200
        document = json.loads(ok.body)
        assert document["stage"] == "dev" and document["path"] == "/hello"
        assert document["id"] == ok.headers.get("x-amzn-RequestId")
        assert ok.headers.get("x-stage") == "static-value"
        assert ok.headers.get("x-req") == "GET"
        assert ok.headers.get("content-type") == "application/json"
        assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", ok.headers.get("x-amz-apigw-id") or "")
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", ok.headers.get("X-Amzn-Trace-Id") or "")

        plain = await gw.call("GET", "/dev/hello", headers=[("Accept", "text/plain")])
        assert (plain.body, plain.headers.get("content-type")) == (b"plain dev", "text/plain")

        missing = await gw.call("GET", "/dev/hello?code=404")
        assert (missing.status, missing.body) == (404, b'{"missing":true}')

        teapot = await gw.call("GET", "/dev/override")
        assert (teapot.status, teapot.headers.get("x-teapot"), teapot.body) == (
            418,
            "yes",
            b'{"teapot":true}',
        )

        refused = await gw.call("POST", "/dev/never", body=b"a=1", headers=[("Content-Type", "text/plain")])
        assert (refused.status, refused.body) == (415, b'{"message":"Unsupported Media Type"}')
        accepted = await gw.call(
            "POST", "/dev/never", body=b"{}", headers=[("Content-Type", "application/json")]
        )
        assert accepted.status == 200

        no_mapping = await gw.call("GET", "/dev/broken")
        assert (no_mapping.status, no_mapping.body) == (500, b'{"message": "Internal server error"}')

        unknown = await gw.call("GET", "/dev/nowhere")
        assert (unknown.status, unknown.body) == (403, b'{"message":"Missing Authentication Token"}')
        assert unknown.headers.get("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
        assert unknown.headers.get("x-amzn-RequestId")

        by_host = await gw.call("GET", "/dev/hello", headers=[("Host", f"{api_id}.execute-api.localhost")])
        assert by_host.status == 200
        by_path = await gw.call("GET", f"/restapis/{api_id}/dev/_user_request_/hello")
        assert by_path.status == 200
        no_stage = await gw.call("GET", "/prod/hello")
        assert (no_stage.status, no_stage.body) == (403, b'{"message":"Forbidden"}')


async def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    async with running([FIXTURES / "mock.yaml"], tmp_path) as first:
        port = first.app.address[1]
        config = AppConfig(templates=(FIXTURES / "mock.yaml",), port=port, state_dir=tmp_path / "second")
        second = App.deploy(config)
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            await second.start()
        assert (await first.call("GET", "/dev/hello")).status == 200
