"""Gateway core: router match time (literal, {param}, {proxy+}, miss), error rendering time, the
Lambda proxy event build / response check (both on the AWS_PROXY hot path), and the gateway's own
work per request on the seed's path (issue 6, target d).

The seed rows run the seed's template unchanged (``../shared/seed``, deployed by the project's own
deploy code, host network mode) against the seed's Express app (``.cache/node/express-app``):

- "seed GET, real Node worker": GET /prod/ through the gateway object (parse → route → request
  template → the seed's Node function in a warm worker → Express → integration response), called
  in process, one request at a time; the value is the *gateway thread's* CPU time per request
  (``time.thread_time``), so the worker's and Express's CPU and the wait for them are not counted,
  while the pipe writes, the wake-ups and the reply's handling are;
- "seed GET chain, recorded reply": the same chain with the function's answer recorded once and
  replayed (no worker): the Python of the chain alone, wall time per request.

Medians of repeated timed batches (the machine is noisy). A row that cannot run (no Node, no seed)
says why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench._load import free_port, stop_process, wait_port
from vpcgate.app import App, AppConfig
from vpcgate.functions.invocation import InvokeResult
from vpcgate.gateway.build import compile_api
from vpcgate.gateway.errors import MissingAuthenticationTokenError
from vpcgate.gateway.front import Gateway
from vpcgate.gateway.guard_setup import GuardSettings
from vpcgate.gateway.integrations.base import FunctionInvoker, IntegrationDeps, MethodPlace
from vpcgate.gateway.proxy_event import CallerIdentity, ProxyRequest, build_proxy_event, parse_proxy_response
from vpcgate.gateway.responses import GatewayResponses
from vpcgate.gateway.routing import Router
from vpcgate.gateway.stage_registry import StageRegistry
from vpcgate.http.message import Headers, HttpRequest, HttpResponse
from vpcgate.http.workers import run as run_loop

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(os.environ.get("VPCGATE_SEED", ROOT.parent / "shared" / "seed"))
NODE_CACHE = Path(os.environ.get("VPCGATE_NODE_CACHE", ROOT / ".cache" / "node"))
SEED_BATCH = 200  # sequential requests per timed round
SEED_ROUNDS = 9

ROUTES: dict[str, dict[str, str]] = {
    "/": {"GET": "root", "POST": "root"},
    **{f"/res{i}": {"GET": f"r{i}"} for i in range(50)},
    **{f"/res{i}/{{id}}": {"GET": f"r{i}-one", "DELETE": f"r{i}-del"} for i in range(50)},
    **{f"/res{i}/{{id}}/sub/{{subId}}": {"ANY": f"r{i}-sub"} for i in range(50)},
    "/static/{proxy+}": {"GET": "static"},
}


def _per_call_ns(call: Callable[[], object], batch: int = 20_000, rounds: int = 7) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter_ns() - start) / batch)
    return statistics.median(samples)


def _miss(router: Router[str]) -> None:
    with contextlib.suppress(MissingAuthenticationTokenError):
        router.match("GET", "/nowhere/at/all")


def run() -> list[tuple[str, str]]:
    router: Router[str] = Router(ROUTES)
    responses = GatewayResponses()
    error = MissingAuthenticationTokenError()
    cases: list[tuple[str, Callable[[], object]]] = [
        ("match GET / (root)", lambda: router.match("GET", "/")),
        ("match literal /res42", lambda: router.match("GET", "/res42")),
        ("match {param} /res42/abc", lambda: router.match("GET", "/res42/abc")),
        ("match 2 params + ANY", lambda: router.match("PUT", "/res42/abc/sub/x%20y")),
        ("match {proxy+} 4 segments", lambda: router.match("GET", "/static/a/b/c/d.js")),
        ("miss → 403 (raise)", lambda: _miss(router)),
    ]
    rows = [
        (f"{name} ({len(ROUTES)} resources)", f"{_per_call_ns(call) / 1000:.2f} µs") for name, call in cases
    ]
    request = ProxyRequest(
        http_method="POST",
        path="/res42/abc",
        resource_path="/res42/{id}",
        resource_id="abc123",
        stage="prod",
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        extended_request_id="LgoQBEbzIAMFRkA=",
        request_time_epoch_ms=1764141210123,
        account_id="123456789012",
        api_id="a1b2c3d4e5",
        domain_name="a1b2c3d4e5.execute-api.localhost",
        identity=CallerIdentity(source_ip="127.0.0.1", user_agent="curl/8.5.0"),
        headers=[
            ("Host", "a1b2c3d4e5.execute-api.localhost"),
            ("User-Agent", "curl/8.5.0"),
            ("Accept", "*/*"),
        ],
        query=[("q", "1")],
        path_parameters={"id": "abc"},
        body=b'{"a":1}',
    )
    output = b'{"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{\\"a\\":1}"}'
    rows.append(
        (
            "build proxy event (3 headers, 1 query)",
            f"{_per_call_ns(lambda: build_proxy_event(request)) / 1000:.2f} µs",
        )
    )
    rows.append(
        ("check proxy response", f"{_per_call_ns(lambda: parse_proxy_response(output)) / 1000:.2f} µs")
    )
    rows.append(
        (
            "render MISSING_AUTHENTICATION_TOKEN",
            f"{_per_call_ns(lambda: responses.render(error)) / 1000:.2f} µs",
        )
    )
    return rows + seed_rows()


# -- the seed's path ---------------------------------------------------------------------------


class _Recording:
    """The functions service, with the last answer kept (to replay it)."""

    def __init__(self, real: FunctionInvoker) -> None:
        self.real = real
        self.last: InvokeResult | None = None

    async def invoke(
        self, function_name: str, payload: bytes, *, qualifier: str | None = None
    ) -> InvokeResult:
        self.last = await self.real.invoke(function_name, payload, qualifier=qualifier)
        return self.last


class _Replaying:
    def __init__(self, result: InvokeResult) -> None:
        self.result = result

    async def invoke(
        self, function_name: str, payload: bytes, *, qualifier: str | None = None
    ) -> InvokeResult:
        return self.result


def _allowed(place: MethodPlace, function: str) -> bool:
    return True


def _seed_request(api_id: str) -> HttpRequest:
    """What bench/_load sends: GET /restapis/{id}/prod/_user_request_/ on a keep-alive connection."""
    headers = Headers([("Host", "127.0.0.1:3000"), ("Accept", "application/json")])
    return HttpRequest(
        "GET", f"/restapis/{api_id}/prod/_user_request_/", "", headers, client=("127.0.0.1", 50000)
    )


async def _per_request(
    call: Callable[[], Awaitable[HttpResponse]], clock: Callable[[], float]
) -> tuple[float, HttpResponse]:
    """(median µs per request by ``clock`` over SEED_ROUNDS batches, the last response)."""
    response = await call()
    samples = []
    for _ in range(SEED_ROUNDS):
        start = clock()
        for _ in range(SEED_BATCH):
            response = await call()
        samples.append((clock() - start) / SEED_BATCH * 1e6)
    return statistics.median(samples), response


def _gateway_over(app: App, functions: FunctionInvoker) -> Gateway:
    deps = IntegrationDeps(functions=functions, http=app.http_client, may_invoke=_allowed)
    stages = [
        stage
        for api in app.apis
        for stage in compile_api(api, deps, region=app.config.region, account_id=app.config.account_id)
    ]
    return Gateway(StageRegistry(stages))


async def _seed_measure(app: App) -> list[tuple[str, str]]:
    await app.start()
    try:
        assert app.functions is not None
        api_id = app.apis[0].id
        request = _seed_request(api_id)
        for _ in range(20):  # a warm worker, warm JIT in Node and in the gateway
            await app.gateway(request)
        real, response = await _per_request(lambda: app.gateway(request), time.thread_time)
        if (response.status, response.body) != (200, b'{"message":"Hello World!"}'):
            return [("seed GET", f"failed: {response.status} {response.body[:80]!r}")]
        recording = _Recording(app.functions)
        await _gateway_over(app, recording)(request)
        assert recording.last is not None
        replay = _gateway_over(app, _Replaying(recording.last))
        chain, response = await _per_request(lambda: replay(request), time.perf_counter)
        assert response.body == b'{"message":"Hello World!"}'
    finally:
        await app.stop()
    return [
        ("seed GET, real Node worker: gateway thread CPU", f"{real:.0f} µs/request"),
        ("seed GET chain, recorded reply (no worker)", f"{chain:.0f} µs/request"),
    ]


def seed_rows() -> list[tuple[str, str]]:
    template = SEED / "cloudformation" / "vpc-proxy.template.json"
    express_app = NODE_CACHE / "express-app"
    if shutil.which("node") is None or not template.is_file() or not (express_app / "node_modules").is_dir():
        return [("seed GET", f"skipped: needs node, {template} and {express_app}/node_modules")]
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(port), "HOST": "127.0.0.1"}
    express = subprocess.Popen(["node", "index.js"], cwd=express_app, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_port(port, express)
        with tempfile.TemporaryDirectory(prefix="vpcgate-bench-seed-") as scratch:
            overrides = (
                "BackendHost=127.0.0.1",
                f"BackendPort={port}",
                "SecurityGroupId=sg-12345678",
                "SubnetId=subnet-12345678",
            )
            config = AppConfig(
                templates=(template,),
                overrides=overrides,
                port=0,
                state_dir=Path(scratch) / "state",
                guards=GuardSettings(account=None),  # as `up --account-rate 0 --account-burst 0`
            )
            return run_loop(_seed_measure(App.deploy(config)))  # uvloop, as `vpcgate up`
    finally:
        stop_process(express, signal.SIGTERM)


if __name__ == "__main__":
    for row in run():
        print(*row, sep="\t")
