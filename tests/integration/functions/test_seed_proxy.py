"""The seed's proxy function (nodejs4.3, context.succeed/fail) against the seed's Express app."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.functions.conftest import make_spec
from vpcgate.functions.service import FunctionService


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _express_dir(seed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = os.environ.get("VPCGATE_NODE_CACHE")
    if cache and (Path(cache) / "express-app" / "node_modules" / "express").is_dir():
        return Path(cache) / "express-app"
    target = tmp_path_factory.mktemp("express") / "express-app"
    shutil.copytree(seed_dir / "express-app", target)
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund"], cwd=target, check=True)
    return target


@pytest.fixture(scope="module")
def express(seed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The seed's Express app listening on 127.0.0.1:<port>; yields the port."""
    app = _express_dir(seed_dir, tmp_path_factory)
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(port), "HOST": "127.0.0.1"}
    process = subprocess.Popen(["node", "index.js"], cwd=app, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the Express app did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        process.kill()
        process.wait()


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
