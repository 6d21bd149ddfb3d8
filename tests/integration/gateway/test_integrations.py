"""HTTP, HTTP_PROXY, AWS_PROXY and Lambda permissions over real HTTP, against a real backend server
and real Python function workers; the Lambda Invoke API on the gateway's port."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers import serving
from tests.integration.gateway.conftest import FIXTURES, running
from vpcgate.http.message import HttpRequest, HttpResponse

PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"


async def backend_handler(request: HttpRequest) -> HttpResponse:
    if request.path == "/slow":
        await asyncio.sleep(2)
    if request.path == "/img":
        return HttpResponse.of(200, PNG, [("Content-Type", "image/png")])
    if request.path.startswith("/items/missing"):
        return HttpResponse.of(404, b'{"no":1}')
    seen = {
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": {k.lower(): v for k, v in request.headers},
        "body": request.body.decode("utf-8", "replace"),
        "hex": request.body.hex(),
    }
    headers = [("x-backend", "real"), ("Content-Type", "application/json"), ("Server", "tiny")]
    headers += [("x-multi", "m1"), ("x-multi", "m2")]
    return HttpResponse.of(200, json.dumps(seen).encode(), headers)


@pytest.fixture
async def backend() -> AsyncIterator[str]:
    async with serving(backend_handler) as url:
        yield url


async def test_http_and_http_proxy(backend: str, tmp_path: Path) -> None:
    async with running([FIXTURES / "integrations.yaml"], tmp_path, [f"BackendUrl={backend}"]) as gw:
        mapped = await gw.call(
            "POST",
            "/v1/http/a%20b?q=x&other=y",
            body=b'{"k":1}',
            headers=[("Content-Type", "application/json")],
        )
        assert mapped.status == 200
        seen = json.loads(mapped.body)
        assert (seen["method"], seen["path"], seen["query"]) == ("PUT", "/items/a%20b", "q=x")
        assert seen["headers"]["x-from"] == "gateway"
        assert json.loads(seen["body"]) == {"wrapped": {"k": 1}}
        assert (mapped.headers.get("x-backend"), mapped.headers.get("x-method")) == ("real", "PUT")

        refused = await gw.call("POST", "/v1/http/missing", body=b"{}")
        assert (refused.status, refused.body) == (400, b'{"backend":"refused"}')

        proxied = await gw.call("DELETE", "/v1/proxy/a/b?z=1", headers=[("x-client", "c")], body=b"raw")
        seen = json.loads(proxied.body)
        assert (proxied.status, seen["method"], seen["path"], seen["query"]) == (200, "DELETE", "/a/b", "z=1")
        assert (seen["headers"]["x-client"], seen["body"]) == ("c", "raw")
        assert proxied.headers.get("x-amzn-Remapped-Server") == "tiny"
        assert proxied.headers.get("x-backend") == "real"

        slow = await gw.call("GET", "/v1/slow")
        assert (slow.status, slow.body) == (504, b'{"message": "Endpoint request timed out"}')


async def test_lambda_proxy_and_permissions(backend: str, tmp_path: Path) -> None:
    async with running([FIXTURES / "integrations.yaml"], tmp_path, [f"BackendUrl={backend}"]) as gw:
        ok = await gw.call("GET", "/v1/fn/x%20y")
        assert ok.status == 201
        assert json.loads(ok.body) == {
            "path": "/fn/x%20y",
            "resource": "/fn/{name}",
            "params": {"name": "x y"},
            "stage": "v1",
        }
        assert (ok.headers.get("x-fn"), ok.headers.get("x-amzn-Remapped-Date")) == ("yes", "mine")

        malformed = await gw.call("GET", "/v1/fn/x?bad=1")
        assert (malformed.status, malformed.body) == (502, b'{"message": "Internal server error"}')

        # The permission's SourceArn names GET only: POST has no permission, nor does LockedFn.
        for method, path in (("POST", "/v1/fn/x"), ("GET", "/v1/locked")):
            denied = await gw.call(method, path)
            assert (denied.status, denied.body) == (500, b'{"message": "Internal server error"}')

        invoked = await gw.call(
            "POST",
            f"/2015-03-31/functions/{_name(gw.app, 'ProxyFn')}/invocations",
            body=b'{"queryStringParameters":null,"path":"/p","resource":"/r","pathParameters":null,"requestContext":{"stage":"s"}}',
        )
        assert invoked.status == 200
        assert json.loads(invoked.body)["statusCode"] == 201


def _name(app: object, logical_id: str) -> str:
    from vpcgate.app import App

    assert isinstance(app, App)
    return next(s.resources[logical_id].physical_id for s in app.stacks if logical_id in s.resources)


async def test_passthrough_overrides_and_stage_variables(backend: str, tmp_path: Path) -> None:
    async with running([FIXTURES / "integrations.yaml"], tmp_path, [f"BackendUrl={backend}"]) as gw:
        mapped = await gw.call(
            "POST", "/v2/pass?qq=client", body=b"{}", headers=[("Content-Type", "application/json")]
        )
        seen = json.loads(mapped.body)
        assert (seen["path"], seen["query"]) == ("/pass/blue", "qq=blue")
        assert json.loads(seen["body"]) == {"json": True, "color": "blue"}
        assert seen["headers"]["x-over"] == "o1"
        assert mapped.headers.get("x-all") == "m1,m2"

        raw = await gw.call("POST", "/v1/pass", body=b"a=1&b=2", headers=[("Content-Type", "text/plain")])
        seen = json.loads(raw.body)
        assert (seen["path"], seen["body"], seen["query"]) == ("/pass/", "a=1&b=2", "")
        assert "x-over" not in seen["headers"]

        refused = await gw.call("POST", "/v1/strict", body=b"x", headers=[("Content-Type", "text/plain")])
        assert (refused.status, refused.body) == (415, b'{"message":"Unsupported Media Type"}')
        assert refused.headers.get("x-amzn-ErrorType") == "BadRequestException"
        json_ok = await gw.call("POST", "/v1/strict", body=b"{}")
        assert json_ok.status == 200


async def test_lambda_custom_integration(backend: str, tmp_path: Path) -> None:
    async with running([FIXTURES / "integrations.yaml"], tmp_path, [f"BackendUrl={backend}"]) as gw:
        ok = await gw.call("GET", "/v1/custom?who=ann")
        assert (ok.status, json.loads(ok.body), ok.headers.get("x-n")) == (
            200,
            {"greeting": "hi ann", "n": 1},
            "1",
        )

        selected = await gw.call("GET", "/v1/custom?mode=bad-input")
        assert (selected.status, json.loads(selected.body)) == (
            422,
            {"error": "mode bad-input", "type": "ValueError"},
        )

        # An error no pattern selects falls to the default response: AWS's "error returned as 200".
        unmatched = await gw.call("GET", "/v1/custom?mode=other")
        assert unmatched.status == 200
        assert json.loads(unmatched.body)["errorMessage"] == "mode other"

        slow = await gw.call("GET", "/v1/custom?mode=sleep")
        assert (slow.status, slow.body) == (504, b'{"message": "Endpoint request timed out"}')


async def test_stop_lets_requests_in_flight_finish(backend: str, tmp_path: Path) -> None:
    async with running([FIXTURES / "integrations.yaml"], tmp_path, [f"BackendUrl={backend}"]) as gw:
        assert (await gw.call("GET", "/v1/custom?who=warm")).status == 200
        in_flight = asyncio.create_task(gw.call("GET", "/v1/custom?mode=sleep"))
        await asyncio.sleep(0.1)
        await gw.app.stop()
        finished = await in_flight
        assert (finished.status, finished.body) == (504, b'{"message": "Endpoint request timed out"}')


async def test_binary_media_types_and_content_handling(backend: str, tmp_path: Path) -> None:
    async with running([FIXTURES / "binary.yaml"], tmp_path, [f"BackendUrl={backend}"]) as gw:
        raw = await gw.call("GET", "/v1/img", headers=[("Accept", "image/png")])
        assert (raw.status, raw.body, raw.headers.get("content-type")) == (200, PNG, "image/png")
        # The first Accept type is a text type: the binary payload goes out base64-encoded.
        encoded = await gw.call("GET", "/v1/img", headers=[("Accept", "application/json, image/png")])
        assert base64.b64decode(encoded.body) == PNG
        as_text = await gw.call("GET", "/v1/as-text", headers=[("Accept", "image/png")])
        assert base64.b64decode(as_text.body) == PNG

        upload = await gw.call(
            "POST", "/v1/upload", body=PNG, headers=[("Content-Type", "application/octet-stream")]
        )
        assert base64.b64decode(json.loads(upload.body)["body"]) == PNG
        text = base64.b64encode(PNG)
        decoded = await gw.call("POST", "/v1/decode", body=text, headers=[("Content-Type", "text/plain")])
        assert bytes.fromhex(json.loads(decoded.body)["hex"]) == PNG
        bad = await gw.call(
            "POST", "/v1/decode", body=b"not base64!", headers=[("Content-Type", "text/plain")]
        )
        assert (bad.status, bad.body) == (500, b'{"message": "Internal server error"}')
