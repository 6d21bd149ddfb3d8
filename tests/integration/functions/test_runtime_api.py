"""The Runtime API for ``provided*``: raw HTTP checks, then the official clients unmodified.

awslambdaric (PyPI) is in the dev dependencies; aws-lambda-ric (npm) is installed into
``.cache/node/aws-lambda-ric`` by ``make ric`` or, if missing, by the ``npm_ric`` fixture.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.functions.conftest import make_spec
from vpcgate.functions.service import FunctionService

ROOT = Path(__file__).resolve().parents[3]
RIC_VERSION = "4.0.2"

# A bootstrap speaking the Runtime API with nothing but the standard library; it reports the headers
# and environment it saw, and errors through /error with only a header when asked.
RAW_BOOTSTRAP = f"""#!{sys.executable}
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
def post(path, body, headers={{}}):
    request = urllib.request.Request(api + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
if os.environ.get("FAIL_INIT"):
    post("/init/error", json.dumps({{"errorMessage": "no db", "errorType": "InitFailed"}}).encode())
    raise SystemExit(1)
while True:
    with urllib.request.urlopen(api + "/invocation/next") as response:
        event = json.loads(response.read())
        headers = dict(response.headers)
    rid = headers["Lambda-Runtime-Aws-Request-Id"]
    if event.get("fail"):
        kind = {{"Lambda-Runtime-Function-Error-Type": "Custom.Error"}}
        post(f"/invocation/{{rid}}/error", b"not json", kind)
        continue
    bogus = post("/invocation/not-the-id/response", b"{{}}")
    body = {{"headers": headers, "event": event, "bogus": [bogus[0], json.loads(bogus[1])],
            "handler": os.environ["_HANDLER"], "task_root": os.environ["LAMBDA_TASK_ROOT"]}}
    post(f"/invocation/{{rid}}/response", json.dumps(body).encode())
"""


def _provided_dir(tmp_path: Path, bootstrap: str, files: dict[str, str] | None = None) -> Path:
    code = tmp_path / "code"
    code.mkdir()
    (code / "bootstrap").write_text(bootstrap)
    (code / "bootstrap").chmod(0o755)
    for name, text in (files or {}).items():
        (code / name).write_text(text)
    return code


async def test_runtime_api_headers_responses_and_errors(service: FunctionService, tmp_path: Path) -> None:
    code = _provided_dir(tmp_path, RAW_BOOTSTRAP)
    service.deploy(make_spec("raw", "provided.al2023", handler="my.handler", directory=code))
    result = await service.invoke("raw", b'{"hello": 1}', client_context='{"custom": {}}')
    assert result.function_error is None
    body = json.loads(result.payload)
    headers = body["headers"]
    assert headers["Lambda-Runtime-Aws-Request-Id"] == result.request_id
    assert headers["Lambda-Runtime-Invoked-Function-Arn"].endswith(":function:raw")
    assert int(headers["Lambda-Runtime-Deadline-Ms"]) > 0
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    assert headers["Lambda-Runtime-Client-Context"] == '{"custom": {}}'
    assert body["event"] == {"hello": 1}
    assert body["bogus"] == [
        400,
        {"errorMessage": "invocation not-the-id is not in progress", "errorType": "InvalidRequestID"},
    ]
    assert body["handler"] == "my.handler"
    assert body["task_root"] == str(code.resolve())
    failed = await service.invoke("raw", b'{"fail": true}')
    assert failed.function_error == "Unhandled"
    assert json.loads(failed.payload) == {"errorMessage": "not json", "errorType": "Custom.Error"}
    again = await service.invoke("raw", b"{}")
    assert again.function_error is None


async def test_init_error_and_missing_bootstrap(service: FunctionService, tmp_path: Path) -> None:
    code = _provided_dir(tmp_path, RAW_BOOTSTRAP)
    service.deploy(make_spec("init", "provided", directory=code, environment={"FAIL_INIT": "1"}))
    result = await service.invoke("init", b"{}")
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {"errorMessage": "no db", "errorType": "InitFailed"}
    empty = tmp_path / "empty"
    empty.mkdir()
    service.deploy(make_spec("none", "provided.al2", directory=empty))
    error = json.loads((await service.invoke("none", b"{}")).payload)
    assert error["errorType"] == "Runtime.InvalidEntrypoint"
    assert service.pool("none").workers == frozenset()


PY_HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise KeyError("missing")
    return {"got": event, "request_id": context.aws_request_id, "fn": context.function_name}
"""


async def test_awslambdaric_round_trip(service: FunctionService, tmp_path: Path) -> None:
    pytest.importorskip("awslambdaric")
    bootstrap = f'#!/bin/sh\nexec {sys.executable} -m awslambdaric "$_HANDLER"\n'
    code = _provided_dir(tmp_path, bootstrap, {"app.py": PY_HANDLER})
    service.deploy(make_spec("pyric", "provided.al2023", handler="app.handler", directory=code))
    result = await service.invoke("pyric", b'{"n": 1}')
    assert result.function_error is None, result.payload
    assert json.loads(result.payload) == {"got": {"n": 1}, "request_id": result.request_id, "fn": "pyric"}
    failed = await service.invoke("pyric", b'{"fail": true}')
    assert failed.function_error == "Unhandled"
    error = json.loads(failed.payload)
    assert (error["errorType"], error["errorMessage"], error["requestId"]) == (
        "KeyError",
        "'missing'",
        failed.request_id,
    )
    assert (await service.invoke("pyric", b'{"n": 2}')).function_error is None


_BUILD_TOOLS = ("autoconf", "automake", "libtoolize", "cmake", "make", "g++")


@pytest.fixture(scope="session")
def npm_ric() -> Path:
    """aws-lambda-ric's entry point, installed into .cache/node/aws-lambda-ric if it is not there yet.

    Its install scripts build curl and aws-lambda-cpp from source when npm runs them; the test is
    skipped only when that build cannot happen here (npm or a build tool missing).
    """
    cache = Path(os.environ.get("VPCGATE_NODE_CACHE", ROOT / ".cache" / "node")) / "aws-lambda-ric"
    entry = cache / "node_modules" / "aws-lambda-ric" / "index.mjs"
    if entry.exists():
        return entry
    missing = [tool for tool in ("npm", *_BUILD_TOOLS) if shutil.which(tool) is None]
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "package.json").write_text('{"name": "vpcgate-ric", "private": true}\n')
    command = ["npm", "install", "--silent", "--no-audit", "--no-fund", f"aws-lambda-ric@{RIC_VERSION}"]
    try:
        subprocess.run(command, cwd=cache, check=True, timeout=900)
    except (OSError, subprocess.CalledProcessError):
        if missing:
            pytest.skip(f"cannot build aws-lambda-ric: missing {', '.join(missing)}")
        raise
    return entry


async def test_aws_lambda_ric_round_trip(service: FunctionService, tmp_path: Path, npm_ric: Path) -> None:
    entry = npm_ric
    node = shutil.which("node")
    bootstrap = f'#!/bin/sh\nexec {node} {entry} "$_HANDLER"\n'
    handler = (
        "exports.handler = async (event, context) => {"
        " if (event.fail) throw new TypeError('nope');"
        " return { got: event, id: context.awsRequestId }; };\n"
    )
    code = _provided_dir(tmp_path, bootstrap, {"app.js": handler})
    service.deploy(make_spec("noderic", "provided.al2023", handler="app.handler", directory=code))
    result = await service.invoke("noderic", b'{"n": 1}')
    assert result.function_error is None, (result.payload, result.log)
    assert json.loads(result.payload) == {"got": {"n": 1}, "id": result.request_id}
    failed = await service.invoke("noderic", b'{"fail": true}')
    assert failed.function_error == "Unhandled"
    error = json.loads(failed.payload)
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "nope")
    assert (await service.invoke("noderic", b'{"n": 2}')).function_error is None


SLEEPER = """
import json, os, time, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as response:
        rid = response.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(response.read())
    time.sleep(event.get("sleep", 0))
    body = json.dumps(os.getpid()).encode()
    urllib.request.urlopen(urllib.request.Request(api + rid + "/response", data=body, method="POST")).read()
"""


async def test_provided_workers_scale_time_out_and_die_with_their_children(
    service: FunctionService, tmp_path: Path
) -> None:
    # The bootstrap does not exec: the runtime is its child, and must die with it on a timeout.
    bootstrap = f'#!/bin/sh\n{sys.executable} "$LAMBDA_TASK_ROOT/runtime.py"\n'
    code = _provided_dir(tmp_path, bootstrap, {"runtime.py": SLEEPER})
    service.deploy(make_spec("sleeper", "provided.al2023", directory=code, timeout_seconds=1))
    first, second = await asyncio.gather(
        service.invoke("sleeper", b'{"sleep": 0.3}'), service.invoke("sleeper", b'{"sleep": 0.3}')
    )
    pids = {json.loads(first.payload), json.loads(second.payload)}
    assert len(pids) == 2  # two workers, each with its own Runtime API
    timed_out = await service.invoke("sleeper", b'{"sleep": 30}')
    assert json.loads(timed_out.payload)["errorType"] == "Sandbox.Timedout"
    for _ in range(200):  # SIGKILL is delivered at once, but the dying process runs its exit a little later
        survivors = [pid for pid in pids if _alive(pid)]
        if len(survivors) == 1:
            break
        await asyncio.sleep(0.01)
    assert len(survivors) == 1  # the runtime that timed out is gone, not just its shell
    assert (await service.invoke("sleeper", b"{}")).function_error is None


def _alive(pid: int) -> bool:
    """Running (a killed process may linger as a zombie until its new parent reaps it: that is dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status
