"""The execution trace and access logs over real HTTP: what the console's Test view shows (method
request, endpoint request after the template, endpoint response, the function's log, method
response, timings), a Stage's AccessLogSetting format in a file, AWS's CLF preset for a stage
without one, and ``vpcgate up --trace --access-log -`` as a real process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.integration.gateway.conftest import FIXTURES, Caller
from vpcgate.app import App, AppConfig
from vpcgate.http.client import HttpClient

RUN_UP = "import sys; from vpcgate.cli_up import up; up(sys.argv[1:], prog_name='vpcgate up')"


async def _started(config: AppConfig) -> Caller:
    app = App.deploy(config)
    await app.start()
    return Caller(app, HttpClient())


async def test_trace_and_access_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    access = tmp_path / "access.log"
    config = AppConfig(
        templates=(FIXTURES / "cors_stages.yaml",),
        overrides=("BackendUrl=http://127.0.0.1:9",),
        port=0,
        state_dir=tmp_path / "state",
        trace=True,
        access_log=str(access),
    )
    gw = await _started(config)
    try:
        fn = await gw.call("GET", "/blue/fn?x=1", headers=[("User-Agent", "tracer/1")])
        assert fn.status == 200
        missing = await gw.call("GET", "/green/nothing")
        assert missing.status == 403
        refused = await gw.call("DELETE", "/blue/items")
        assert refused.status == 403
    finally:
        await gw.client.close()
        await gw.app.stop()
    err = capsys.readouterr().err
    request_id = fn.headers.get("x-amzn-RequestId")
    trace = err[err.index(f"Execution log for request {request_id}") :]
    for expected in (
        f"Starting execution for request: {request_id}",
        "HTTP Method: GET, Resource Path: /fn",
        "Method request query string: {'x': '1'}",
        "Endpoint request URI: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:sv-blue/invocations",
        'Endpoint request body after transformations: {"stage":"b1"}',
        "Received response. Status: 200",
        "Function log: START RequestId:",
        "Function log: REPORT RequestId:",
        "Method response body after transformations: " + fn.body.decode(),
        "Method completed with status: 200",
    ):
        assert expected in trace, expected
    assert re.search(r"Step timings: ParseStep [\d.]+ ms, RouteStep [\d.]+ ms, .*InvokeStep [\d.]+ ms", trace)

    lines = access.read_text().splitlines()
    assert len(lines) == 3
    blue = json.loads(lines[0])
    assert blue == {
        "id": request_id,
        "m": "GET",
        "r": "/fn",
        "s": 200,
        "n": len(fn.body),
        "stage": "blue",
        "il": blue["il"],
        "is": "200",
        "ua": "tracer/1",
        "e": "-",
    }
    assert json.loads(lines[2])["e"] == "MISSING_AUTHENTICATION_TOKEN"
    assert blue["il"].isdigit()
    # green has no AccessLogSetting: AWS's CLF preset; unknown values (no route: no resourcePath) print "-"
    clf = re.fullmatch(r'127\.0\.0\.1 - - \[([^]]+)\] "GET - HTTP/1\.1" 403 42 ([0-9a-f-]{36})', lines[1])
    assert clf is not None, lines[1]
    assert clf.group(2) == missing.headers.get("x-amzn-RequestId")


def test_up_trace_and_access_log_flags(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", RUN_UP, str(FIXTURES / "mock.yaml"), "--port", "0"]
    argv += ["--state-dir", str(tmp_path), "--trace", "--access-log", "-", "--quiet"]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:
            found = re.search(r"(http://127\.0\.0\.1:\d+/dev/)$", line.strip())
            url = url or (found.group(1) if found else None)
            if "serving on" in line:
                break
        assert url is not None
        with urllib.request.urlopen(url + "hello", timeout=10) as response:
            request_id = response.headers["x-amzn-RequestId"]
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
        assert f"Execution log for request {request_id}" in err
        assert "Method completed with status: 200" in err
        assert re.search(rf'"GET /hello HTTP/1\.1" 200 \d+ {request_id}', err)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
