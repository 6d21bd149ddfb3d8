"""The throughput cost of API key + usage-plan throttling (issue 7), side by side in one run.

Paths measured (real ``vpcgate up`` processes, real HTTP, host network mode, --quiet):

- **seed GET /** (the acceptance path: custom Lambda integration, the seed's Node function, Express):
  the seed's API as it is ("plain") next to a copy of it whose GET / requires an API key in a usage
  plan with a plan throttle, a per-method plan throttle and a daily quota ("keyed"); the two APIs are
  served by the same process, so their ratio is measured under the same conditions;
- **MOCK GET** (no integration cost, so the step cost shows at its largest: this is the row that
  measures the steps themselves; per-request cost = 1/keyed - 1/plain): ``/`` and ``/keyed``;
  in process only, also ``/authz``: a TOKEN Lambda authorizer whose answer is cached (this node's copy:
  with Redis the request still makes one round trip, the limits decision) + the same key and plan.

Each of the two state stores gets its own gateway process: ``--state memory`` and
``--state redis://`` (a redis-server started here on a free port, killed by pid). The account-level
bucket is switched off (``--account-rate 0 --account-burst 0``) so that "plain" has no guard step at
all and "keyed" has exactly the api key and throttle steps (quota + 2 plan buckets: one store call).
Targets (issue 7): keyed ≤ 10 % fewer requests/s than plain with memory, ≤ 25 % with Redis — on the
seed path. 2 cores shared by the load generator, the gateway, Node, Express (and Redis): compare
within a run.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._load import free_port, stop_process, throughput, wait_port

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(os.environ.get("VPCGATE_SEED", ROOT.parent / "shared" / "seed"))
NODE_CACHE = Path(os.environ.get("VPCGATE_NODE_CACHE", ROOT / ".cache" / "node"))
RUN_UP = "import sys; from vpcgate.cli_up import up; up(sys.argv[1:], prog_name='vpcgate up')"

KEY = "bench-api-key-value-0123456789"
ROUNDS = 5

AUTHORIZER_CODE = """
def handler(event, context):
    stage_arn = "/".join(event["methodArn"].split("/")[:2])
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": stage_arn + "/GET/*"}
    return {"principalId": "bench", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
"""

MOCK_TEMPLATE: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Api": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {
                "Name": "bench-limits-mock",
                "Body": {
                    "swagger": "2.0",
                    "info": {"title": "bench-limits-mock", "version": "1"},
                    "securityDefinitions": {
                        "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                        "token": {
                            "type": "apiKey",
                            "name": "Authorization",
                            "in": "header",
                            "x-amazon-apigateway-authtype": "custom",
                            "x-amazon-apigateway-authorizer": {
                                "type": "token",
                                "authorizerUri": {
                                    "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31"
                                    "/functions/${AuthFn.Arn}/invocations"
                                },
                                "authorizerResultTtlInSeconds": 300,
                            },
                        },
                    },
                    "paths": {
                        "/": {"get": {"x-amazon-apigateway-integration": "MOCK"}},
                        "/keyed": {
                            "get": {"security": [{"api_key": []}], "x-amazon-apigateway-integration": "MOCK"}
                        },
                        "/authz": {
                            "get": {
                                "security": [{"token": [], "api_key": []}],
                                "x-amazon-apigateway-integration": "MOCK",
                            }
                        },
                    },
                },
            },
        },
        "AuthRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
        },
        "AuthFn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["AuthRole", "Arn"]},
                "Code": {"ZipFile": AUTHORIZER_CODE},
            },
        },
        "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod"},
        },
    },
}
MOCK_INTEGRATION = {
    "type": "mock",
    "requestTemplates": {"application/json": '{"statusCode": 200}'},
    "responses": {
        "default": {
            "statusCode": "200",
            "responseTemplates": {"application/json": '{"message":"Hello World!"}'},
        }
    },
}


def _plan(api: str, stage_dependency: str, key_value: str | None = None) -> dict[str, Any]:
    """An API key (given value) in a usage plan with plan + per-method throttles and a daily quota."""
    huge = {"RateLimit": 1_000_000, "BurstLimit": 1_000_000}
    return {
        "BenchPlan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "DependsOn": stage_dependency,
            "Properties": {
                "ApiStages": [
                    {
                        "ApiId": {"Ref": api},
                        "Stage": "prod",
                        "Throttle": {"//GET": huge, "/keyed/GET": huge, "/authz/GET": huge},
                    }
                ],
                "Throttle": huge,
                "Quota": {"Limit": 1_000_000_000, "Period": "DAY"},
            },
        },
        "BenchKey": {
            "Type": "AWS::ApiGateway::ApiKey",
            "Properties": {"Name": "bench", "Enabled": True, "Value": key_value or KEY},
        },
        "BenchLink": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {
                "KeyId": {"Ref": "BenchKey"},
                "KeyType": "API_KEY",
                "UsagePlanId": {"Ref": "BenchPlan"},
            },
        },
    }


def _templates(scratch: Path) -> list[Path]:
    mock = copy.deepcopy(MOCK_TEMPLATE)
    paths = mock["Resources"]["Api"]["Properties"]["Body"]["paths"]
    for methods in paths.values():
        methods["get"]["x-amazon-apigateway-integration"] = MOCK_INTEGRATION
    mock["Resources"].update(_plan("Api", "Deployment", "bench-mock-key-value-0123456789"))
    keyed = json.loads((SEED / "cloudformation" / "vpc-proxy.template.json").read_text())
    api = keyed["Resources"]["ProxyApi"]["Properties"]
    api["Name"] = "vpc-proxy-keyed"
    api["Body"]["securityDefinitions"] = {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}
    api["Body"]["paths"]["/"]["get"]["security"] = [{"api_key": []}]
    keyed["Resources"].update(_plan("ProxyApi", "ProxyApiDeployment"))
    files = [scratch / "mock.json", scratch / "seed-keyed.json"]
    files[0].write_text(json.dumps(mock))
    files[1].write_text(json.dumps(keyed))
    return [files[0], SEED / "cloudformation" / "vpc-proxy.template.json", files[1]]


async def _throughput(
    port: int, path: str, concurrency: int, seconds: float, key: str | None
) -> tuple[float, int]:
    """Requests/s over ``concurrency`` keep-alive connections for ``seconds`` (with the API key, if any)."""
    return await throughput(port, path, concurrency, seconds, [("x-api-key", key)] if key else [])


async def _measure(port: int, paths: dict[str, tuple[str, str | None]]) -> dict[str, list[float]]:
    """Requests/s of each path in ``ROUNDS`` rounds, the paths interleaved within a round (so a
    plain and a keyed sample are taken a second apart, under the same load from elsewhere)."""
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for path, key in paths.values():  # warm: workers started, connections pooled
        await _throughput(port, path, 4, 0.5, key)
    for _ in range(ROUNDS):
        for name, (path, key) in paths.items():
            rate, failures = await _throughput(port, path, 32, 1.0, key)
            if failures:
                raise RuntimeError(f"{name}: {failures} non-200 answers")
            rates[name].append(rate)
    return rates


def _paths(banner: str) -> dict[str, tuple[str, str | None]]:
    ids = dict(re.findall(r"api (\S+) \((\w+)\) stage prod:", banner))

    def at(api: str, path: str) -> str:
        return f"/restapis/{ids[api]}/prod/_user_request_{path}"

    return {
        "seed plain": (at("vpc-proxy", "/"), None),
        "seed keyed": (at("vpc-proxy-keyed", "/"), KEY),
        "MOCK plain": (at("bench-limits-mock", "/"), None),
        "MOCK keyed": (at("bench-limits-mock", "/keyed"), "bench-mock-key-value-0123456789"),
    }


def _gateway(
    templates: list[Path], port: int, state: str, scratch: Path, express_port: int
) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", RUN_UP, *map(str, templates), "--port", str(port)]
    argv += ["--state-dir", str(scratch / f"state-{port}"), "--quiet", "--state", state]
    argv += ["--account-rate", "0", "--account-burst", "0", "--network-mode", "host"]
    overrides = ["BackendHost=127.0.0.1", f"BackendPort={express_port}"]
    for override in [*overrides, "SecurityGroupId=sg-12345678", "SubnetId=subnet-12345678"]:
        argv += ["--parameter-overrides", override]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _banner(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    banner = ""
    for line in process.stdout:
        banner += line
        if "serving on" in line:
            return banner
    raise RuntimeError(f"vpcgate up did not start (exit status {process.wait()})")


def _rows(store: str, rates: dict[str, list[float]]) -> list[tuple[str, str]]:
    """Median rates; the cost is the median of the rounds' keyed/plain ratios (each round's pair was
    measured back to back), so load from elsewhere on the machine cancels out as far as it can."""
    rows = []
    for path in ("seed", "MOCK"):
        plain, keyed = rates[f"{path} plain"], rates[f"{path} keyed"]
        cost = 1 - statistics.median(k / p for k, p in zip(keyed, plain, strict=True))
        rows.append((f"{path} GET plain req/s ({store})", f"{statistics.median(plain):,.0f}"))
        rows.append((f"{path} GET key+plan req/s ({store})", f"{statistics.median(keyed):,.0f}"))
        rows.append((f"{path} GET key+plan cost ({store})", f"{cost * 100:+.1f} % fewer req/s"))
    # The seed path's rate swings more between runs than the steps cost it; the steps' own cost,
    # measured where nothing else costs much (MOCK), applied to the seed's plain rate, is steadier.
    step = statistics.median(
        1 / k - 1 / p for k, p in zip(rates["MOCK keyed"], rates["MOCK plain"], strict=True)
    )
    seed = statistics.median(rates["seed plain"])
    rows.append((f"key+plan steps, µs a request ({store}, from MOCK)", f"{step * 1e6:.1f}"))
    rows.append(
        (
            f"seed GET key+plan cost ({store}, from MOCK µs)",
            f"{seed * step / (1 + seed * step) * 100:+.1f} % fewer req/s",
        )
    )
    return rows


async def _in_process(template: Path, state: str, scratch: Path) -> list[tuple[str, str]]:
    """The chain alone, no HTTP: one App in this process, requests handed to its gateway one after
    another (MOCK ``/`` and ``/keyed``, interleaved rounds, medians). Steady where HTTP rates are not;
    with Redis each request waits for its round trip (nothing to pipeline with)."""
    from vpcgate.app import App, AppConfig
    from vpcgate.gateway.guard_setup import GuardSettings
    from vpcgate.http.message import Headers, HttpRequest
    from vpcgate.limits.state import StateConfig

    guards = GuardSettings(state=StateConfig(state), account=None)
    app = App.deploy(AppConfig(templates=(template,), port=0, state_dir=scratch / "inproc", guards=guards))
    await app.start()
    try:
        base = f"/restapis/{app.apis[0].id}/prod/_user_request_"
        requests = {}
        mock_key = "bench-mock-key-value-0123456789"
        for name, path, key in (
            ("plain", "/", None),
            ("keyed", "/keyed", mock_key),
            ("authz", "/authz", mock_key),
        ):
            headers = Headers([("Host", "bench"), ("Accept", "application/json")])
            if key:
                headers.add("x-api-key", key)
            if name == "authz":
                headers.add("Authorization", "bench-token")
            requests[name] = HttpRequest("GET", base + path, headers=headers, client=("127.0.0.1", 1))
        if (await app.gateway(requests["authz"])).status != 200:  # the authorizer's answer, cached
            raise RuntimeError("in process authz: not 200")
        samples: dict[str, list[float]] = {"plain": [], "keyed": [], "authz": []}
        for _ in range(ROUNDS):
            for name, request in requests.items():
                count, start = 3000, time.perf_counter()
                for _ in range(count):
                    if (await app.gateway(request)).status != 200:
                        raise RuntimeError(f"in process {name}: not 200")
                samples[name].append((time.perf_counter() - start) / count * 1e6)
    finally:
        await app.stop()
    plain, keyed = statistics.median(samples["plain"]), statistics.median(samples["keyed"])
    authz = statistics.median(samples["authz"])
    where = f"in process, {state.split(':', maxsplit=1)[0]}"
    return [
        (f"MOCK chain µs a request, plain ({where})", f"{plain:.1f}"),
        (f"MOCK chain µs a request, key+plan ({where})", f"{keyed:.1f} (+{keyed - plain:.1f})"),
        (
            f"MOCK chain µs a request, cached Lambda authorizer + key+plan ({where})",
            f"{authz:.1f} (+{authz - plain:.1f})",
        ),
    ]


def run() -> list[tuple[str, str]]:
    express_port, redis_port = free_port(), free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(express_port), "HOST": "127.0.0.1"}
    express = subprocess.Popen(
        ["node", "index.js"], cwd=NODE_CACHE / "express-app", env=env, stdout=subprocess.DEVNULL
    )
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    rows: list[tuple[str, str]] = []
    try:
        wait_port(express_port, express)
        wait_port(redis_port, redis)
        with tempfile.TemporaryDirectory(prefix="vpcgate-bench-limits-") as scratch_dir:
            scratch = Path(scratch_dir)
            templates = _templates(scratch)
            for store, state in (("memory", "memory"), ("Redis", f"redis://127.0.0.1:{redis_port}/0")):
                port = free_port()
                gateway = _gateway(templates, port, state, scratch, express_port)
                try:
                    paths = _paths(_banner(gateway))
                    rows += _rows(store, asyncio.run(_measure(port, paths)))
                finally:
                    stop_process(gateway, signal.SIGINT)
                time.sleep(0.2)
                rows += asyncio.run(_in_process(templates[0], state, scratch))
    finally:
        for process in (express, redis):
            process.kill()
            process.wait()
    return rows


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
