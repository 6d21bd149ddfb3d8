"""The seed's proxy function (nodejs4.3, context.succeed/fail) against the seed's Express app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port
from tests.integration.functions.conftest import make_spec
from tests.integration.gateway.express import Express, express_dir
from vpcgate.functions.service import FunctionService


@pytest.fixture(scope="module")
def express(seed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The seed's Express app listening on 127.0.0.1:<port>; yields the port."""
    app = Express(express_dir(seed_dir, tmp_path_factory.mktemp("express")), free_port())
    try:
        app.start()
        yield app.port
    finally:
        app.stop()


def seed_event(
    port: int, *, method: str = "GET", query: dict[str, str] | None = None, body: Any = None
) -> bytes:
    """An event shaped like the seed's request template renders it."""
    event = {
        "requestParams": {"hostname": "127.0.0.1", "port": str(port), "path": "/", "method": method},
        "bodyJson": {} if body is None else body,
        "params": {"path": {}, "querystring": query or {}, "header": {"Accept": "*/*"}},
        "stage-variables": {},
        "context": {
            "account-id": "",
            "api-id": "abc123",
            "http-method": method,
            "stage": "prod",
            "source-ip": "127.0.0.1",
            "user-agent": "curl/8.0",
            "request-id": "r-1",
            "resource-path": "/",
        },
    }
    return json.dumps(event).encode()


def _deploy(service: FunctionService, seed_dir: Path, runtime: str = "nodejs4.3") -> None:
    source = (seed_dir / "lambda-proxy" / "index.js").read_text()
    service.deploy(make_spec("proxy", runtime, source, handler="index.myHandler", timeout_seconds=10))


async def test_get_returns_the_backend_json(service: FunctionService, seed_dir: Path, express: int) -> None:
    _deploy(service, seed_dir)
    result = await service.invoke("proxy", seed_event(express))
    assert result.function_error is None
    body = json.loads(result.payload)
    assert body["status"] == 200
    assert body["bodyJson"] == {"message": "Hello World!"}
    assert body["headers"]["x-powered-by"] == "Express"


async def test_backend_error_goes_through_context_fail(
    service: FunctionService, seed_dir: Path, express: int
) -> None:
    _deploy(service, seed_dir)
    result = await service.invoke("proxy", seed_event(express, query={"error": "1"}))
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert error["errorType"] == "string"
    assert error["trace"] == []
    inner = json.loads(error["errorMessage"])
    assert inner["status"] == 403
    assert json.loads(inner["bodyJson"]) == {"error": "Random error"}


async def test_post_echoes_the_body(service: FunctionService, seed_dir: Path, express: int) -> None:
    _deploy(service, seed_dir)
    result = await service.invoke("proxy", seed_event(express, method="POST", body={"a": 1}))
    assert json.loads(result.payload)["bodyJson"] == {"a": 1}


async def test_ten_gets_in_a_row_on_one_warm_worker(
    service: FunctionService, seed_dir: Path, express: int
) -> None:
    _deploy(service, seed_dir)
    pids = set()
    for _ in range(10):
        result = await service.invoke("proxy", seed_event(express))
        assert result.function_error is None, result.payload
        assert "socket hang up" not in result.log
        assert json.loads(result.payload)["status"] == 200
        pids |= {w.pid for w in service.pool("proxy").workers}
    assert len(pids) == 1


async def test_a_keepalive_agent_breaks_the_seed_which_is_why_legacy_ids_keep_the_old_one(
    service: FunctionService, seed_dir: Path, express: int
) -> None:
    _deploy(service, seed_dir, runtime="nodejs20.x")
    failures = 0
    for _ in range(4):
        result = await service.invoke("proxy", seed_event(express))
        failures += result.function_error is not None
    assert failures >= 1
