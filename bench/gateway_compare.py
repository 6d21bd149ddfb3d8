"""The gateway against its neighbours, in one run: requests/s at 32 connections and p50 latency at 1
for

  (a) the seed's Express app directly;
  (b) nginx as a plain reverse proxy to it (keep-alive upstream, one worker process);
  (c) vpcgate, HTTP_PROXY to it (plus a MOCK method: the chain and VTL alone);
  (d) vpcgate running the seed (custom integration, VTL, the seed's Node function, Express);
  (e) serverless-offline running the same seed shape (``integration: lambda``, the seed's request
      template with host and port filled in, its response templates and header mappings, the
      seed's function on its generation's HTTP agent);

and the ratios (c)/(b) and (d)/(e). vpcgate runs as ``vpcgate up --quiet``, one process, host
network mode, without the account-level throttle (its 10,000 requests/s would answer MOCK with
429s). serverless-offline (serverless 3, serverless-offline 13: the last pair that runs without a
Serverless account) is installed with npm under ``bench/.serverless-offline/`` on first use; a row
that cannot run says why and is skipped. The machine's cores are shared by the load
generator and every server: compare within a run.

Known difference in (e): serverless-offline renders ``$context.resourcePath`` of ``/`` as an empty
string, so only GET /prod/ (Node turns an empty path into ``/``) is measured, which is all this
benchmark asks.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._load import free_port, latency_ms, stop_process, throughput, wait_port

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(os.environ.get("VPCGATE_SEED", ROOT.parent / "shared" / "seed"))
NODE_CACHE = Path(os.environ.get("VPCGATE_NODE_CACHE", ROOT / ".cache" / "node"))
SLS_DIR = Path(__file__).resolve().parent / ".serverless-offline"
FLOOR_JS = Path(__file__).resolve().parent / "seed_floor.js"
SLS_PACKAGES = ("serverless@3", "serverless-offline@13")
RUN_UP = "import sys; from vpcgate.cli_up import up; up(sys.argv[1:], prog_name='vpcgate up')"

MOCK_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ExpressUrl: {Type: String}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: bench-mock
      Body:
        swagger: "2.0"
        info: {title: bench-mock, version: "1"}
        paths:
          /:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses:
                  default:
                    statusCode: "200"
                    responseTemplates: {application/json: '{"message":"Hello World!"}'}
          /proxy:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: !Ref ExpressUrl
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
"""

NGINX_CONF = """
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 10000000;
  upstream express {{ server 127.0.0.1:{upstream}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://express;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}
}}
"""

SLS_HANDLER = """// The seed's function on the HTTP agent of its runtime's generation (nodejs4.3: no
// keep-alive), as vpcgate runs it; without this, Node 20's keep-alive agent breaks every second GET.
const http = require('http');
http.globalAgent = new http.Agent({ keepAlive: false });
module.exports = require('./index.js');
"""

ROUNDS = 3  # measured windows per row, interleaved across rows; the table quotes medians
WINDOW = 2.0  # seconds of one requests/s window at c=32
WARM_UP = 2.5  # seconds at c=32 before the first window: every Lambda-style worker is warm
LATENCY_COUNT = 400  # sequential requests of one p50 window at c=1


@dataclass
class Target:
    """Something measured: a window of requests/s at 32 in flight, and a p50 at 1 in flight."""

    window: Callable[[float], tuple[float, int]]  # seconds → (requests/s, non-200 answers)
    p50_ms: Callable[[int], float]  # sequential requests → median milliseconds


@dataclass
class Result:
    rates: list[float] = field(default_factory=list)
    failures: int = 0
    p50s: list[float] = field(default_factory=list)


def _http(port: int, path: str) -> Target:
    return Target(
        window=lambda seconds: asyncio.run(throughput(port, path, 32, seconds)),
        p50_ms=lambda count: asyncio.run(latency_ms(port, path, count)),
    )


def _started(stack: ExitStack, argv: list[str], sig: int, **popen: Any) -> subprocess.Popen[Any]:
    process: subprocess.Popen[Any] = subprocess.Popen(argv, **popen)
    stack.callback(stop_process, process, sig)
    return process


# -- (a) Express -----------------------------------------------------------------------------------


def _express(stack: ExitStack) -> int:
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(port), "HOST": "127.0.0.1"}
    argv = ["node", "index.js"]
    process = _started(
        stack, argv, signal.SIGTERM, cwd=NODE_CACHE / "express-app", env=env, stdout=subprocess.DEVNULL
    )
    wait_port(port, process)
    return port


# -- (b) nginx -----------------------------------------------------------------------------------


def _nginx(stack: ExitStack, upstream: int, scratch: Path) -> Target | str:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        return "skipped: nginx is not installed (apt-get install -y nginx)"
    port = free_port()
    conf = scratch / "nginx.conf"
    conf.write_text(NGINX_CONF.format(upstream=upstream, port=port))
    argv = [binary, "-p", str(scratch), "-c", str(conf), "-e", str(scratch / "nginx-error.log")]
    argv += ["-g", f"daemon off; pid {scratch / 'nginx.pid'};"]
    process = _started(stack, argv, signal.SIGQUIT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, process)
    return _http(port, "/")


# -- (c), (d) vpcgate ------------------------------------------------------------------------------


def _vpcgate(stack: ExitStack, express_port: int, scratch: Path) -> dict[str, Target]:
    port = free_port()
    mock = scratch / "mock.yaml"
    mock.write_text(MOCK_TEMPLATE)
    argv = [sys.executable, "-c", RUN_UP, str(mock), str(SEED / "cloudformation" / "vpc-proxy.template.json")]
    argv += ["--port", str(port), "--state-dir", str(scratch / "state"), "--quiet"]
    argv += ["--account-rate", "0", "--account-burst", "0"]  # AWS's 10,000 rps account limit would 429 MOCK
    argv += ["--network-mode", "host"]  # the default (auto) picks namespaces as root: no such subnet here
    for override in (
        "BackendHost=127.0.0.1",
        f"BackendPort={express_port}",
        f"ExpressUrl=http://127.0.0.1:{express_port}/",
        "SecurityGroupId=sg-12345678",
        "SubnetId=subnet-12345678",
    ):
        argv += ["--parameter-overrides", override]
    gateway = _started(
        stack, argv, signal.SIGINT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert gateway.stdout is not None
    banner = ""
    for line in gateway.stdout:
        banner += line
        if "serving on" in line:
            break
    ids = dict(re.findall(r"api (\S+) \((\w+)\) stage prod:", banner))
    return {
        "mock": _http(port, f"/restapis/{ids['bench-mock']}/prod/_user_request_/"),
        "http_proxy": _http(port, f"/restapis/{ids['bench-mock']}/prod/_user_request_/proxy"),
        "seed": _http(port, f"/restapis/{ids['vpc-proxy']}/prod/_user_request_/"),
    }


# -- (e) serverless-offline ------------------------------------------------------------------------


def _install_serverless_offline() -> str | None:
    """None when installed (now or before), else why not."""
    if (SLS_DIR / "node_modules" / "serverless-offline").is_dir():
        return None
    if shutil.which("npm") is None:
        return "skipped: npm is not installed"
    SLS_DIR.mkdir(parents=True, exist_ok=True)
    (SLS_DIR / "package.json").write_text('{"name": "bench-serverless-offline", "private": true}\n')
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", *SLS_PACKAGES],
        cwd=SLS_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return f"skipped: npm install {' '.join(SLS_PACKAGES)} failed: {result.stderr.strip()[-200:]}"
    return None


def _seed_shape(backend_port: int) -> dict[str, Any]:
    """serverless.json for the seed's GET and POST / with the seed's own templates."""
    template = json.loads((SEED / "cloudformation" / "vpc-proxy.template.json").read_text())
    integration = template["Resources"]["ProxyApi"]["Properties"]["Body"]["paths"]["/"]["get"][
        "x-amazon-apigateway-integration"
    ]
    values = {"BackendHost": "127.0.0.1", "BackendPort": str(backend_port)}
    parts = integration["requestTemplates"]["application/json"]["Fn::Join"][1]
    request = "".join(p if isinstance(p, str) else values[p["Ref"]] for p in parts)
    responses = integration["responses"]
    default = responses["default"]
    codes: dict[str, Any] = {"200": {"pattern": ""}}
    for pattern, response in responses.items():
        if pattern != "default":
            codes[response["statusCode"]] = {
                "pattern": pattern,
                "template": response["responseTemplates"]["application/json"],
            }
    headers = {name.rsplit(".", 1)[1]: source for name, source in default["responseParameters"].items()}

    def event(method: str) -> dict[str, Any]:
        return {
            "http": {
                "path": "/",
                "method": method,
                "integration": "lambda",
                "request": {"passThrough": "WHEN_NO_TEMPLATES", "template": {"application/json": request}},
                "response": {
                    "headers": headers,
                    "template": default["responseTemplates"]["application/json"],
                    "statusCodes": codes,
                },
            }
        }

    return {
        "service": "seed-shape",
        "frameworkVersion": "3",
        "provider": {"name": "aws", "runtime": "nodejs18.x", "stage": "prod", "region": "us-east-1"},
        "plugins": ["serverless-offline"],
        "functions": {"proxy": {"handler": "handler.myHandler", "events": [event("get"), event("post")]}},
    }


def _serverless_offline(stack: ExitStack, express_port: int, scratch: Path) -> Target | str:
    why = _install_serverless_offline()
    if why is not None:
        return why
    service = scratch / "sls"
    service.mkdir()
    (service / "serverless.json").write_text(json.dumps(_seed_shape(express_port), indent=1))
    (service / "handler.js").write_text(SLS_HANDLER)
    shutil.copy(SEED / "lambda-proxy" / "index.js", service / "index.js")
    (service / "node_modules").symlink_to(SLS_DIR / "node_modules")
    port, lambda_port = free_port(), free_port()
    env = {
        **os.environ,
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }
    cli = str(SLS_DIR / "node_modules" / "serverless" / "bin" / "serverless.js")
    argv = ["node", cli, "offline", "start", "--httpPort", str(port), "--lambdaPort", str(lambda_port)]
    process = _started(
        stack,
        argv,
        signal.SIGINT,
        cwd=service,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_port(port, process, seconds=60)
    except RuntimeError:
        return f"skipped: serverless offline did not start (exit code {process.poll()})"
    return _http(port, "/prod/")


# -- (f) the floor: the seed's function alone ------------------------------------------------------


def _floor(stack: ExitStack, express_port: int) -> Target:
    """32 warm Node processes running the seed's handler straight at Express (bench/seed_floor.js)."""
    handler = str(SEED / "lambda-proxy" / "index.js")
    argv = ["node", str(FLOOR_JS), handler, str(express_port), "32"]
    process = _started(stack, argv, signal.SIGTERM, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def ask(command: str) -> dict[str, float]:
        stdin.write(command + "\n")
        stdin.flush()
        answer: dict[str, float] = json.loads(stdout.readline())
        return answer

    ask("")  # the children's ready line
    return Target(
        window=lambda seconds: (ask(f"rate {seconds}")["rate"], 0),
        p50_ms=lambda count: ask(f"latency {count}")["p50_ms"],
    )


def _wake_up_us(parent_cpu: int, child_cpu: int) -> float:
    """Median round trip of one byte between two processes pinned to the given CPUs over two pipes,
    in µs: two wake-ups. Across CPUs each wake-up is an inter-processor interrupt, which in a VM costs
    far more than on bare metal; the c=1 rows pay it at every hop between processes."""
    to_child, from_child = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:  # the child echoes until it reads nothing
        os.sched_setaffinity(0, {child_cpu})
        os.close(to_child[1])
        os.close(from_child[0])
        while data := os.read(to_child[0], 1):
            os.write(from_child[1], data)
        os._exit(0)
    os.close(to_child[0])
    os.close(from_child[1])
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {parent_cpu})
    samples = []
    for _ in range(5000):
        start = time.perf_counter()
        os.write(to_child[1], b"x")
        os.read(from_child[0], 1)
        samples.append(time.perf_counter() - start)
    os.sched_setaffinity(0, allowed)
    os.close(to_child[1])
    os.waitpid(pid, 0)
    os.close(from_child[0])
    return statistics.median(samples) * 1e6


def _wake_up_rows() -> list[tuple[str, str]]:
    cpus = sorted(os.sched_getaffinity(0))
    rows = [("pipe round trip, two processes on one CPU, p50 µs", f"{_wake_up_us(cpus[0], cpus[0]):.1f}")]
    if len(cpus) > 1:
        rows.append(
            ("pipe round trip, two processes on two CPUs, p50 µs", f"{_wake_up_us(cpus[0], cpus[1]):.1f}")
        )
    return rows


# -- the rounds and the table ----------------------------------------------------------------------


def _measure_all(targets: dict[str, Target]) -> dict[str, Result]:
    """Warm every target, then ROUNDS windows each, interleaved and in a rotating order, so that the
    machine's drift (and the TIME_WAIT sockets the fresh-connection rows leave behind) spreads over
    all rows instead of landing on whichever runs last."""
    results = {name: Result() for name in targets}
    for target in targets.values():
        target.window(WARM_UP)
    names = list(targets)
    for round_ in range(ROUNDS):
        order = names[round_:] + names[:round_]
        for name in order:
            rate, failures = targets[name].window(WINDOW)
            results[name].rates.append(rate)
            results[name].failures += failures
        for name in order:
            results[name].p50s.append(targets[name].p50_ms(LATENCY_COUNT))
    return results


def _spread(values: list[float], fmt: str) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:{fmt}} ({low:{fmt}}–{high:{fmt}})"


def _rows(name: str, result: Result | str) -> list[tuple[str, str]]:
    if isinstance(result, str):
        return [(f"{name} req/s (c=32)", result), (f"{name} p50 ms (c=1)", result)]
    note = f" ({result.failures} non-200)" if result.failures else ""
    return [
        (f"{name} req/s (c=32)", _spread(result.rates, ",.0f") + note),
        (f"{name} p50 ms (c=1)", _spread(result.p50s, ".3f")),
    ]


def _ratio(name: str, top: Result | str, bottom: Result | str) -> list[tuple[str, str]]:
    if isinstance(top, str) or isinstance(bottom, str):
        return [(name, "n/a (a row was skipped)")]
    rate = statistics.median(top.rates) / statistics.median(bottom.rates)
    p50 = statistics.median(top.p50s) / statistics.median(bottom.p50s)
    return [(f"{name} req/s", f"{rate:.2f}x"), (f"{name} p50", f"{p50:.2f}x")]


def _targets_for_d(seed: Result, offline: Result | str, floor: Result) -> list[tuple[str, str]]:
    """What issue 6 asks of (d) next to what the seed's function alone achieves."""
    rows = [
        ("(f) floor p50 ms (c=1) against the target for (d)", f"{statistics.median(floor.p50s):.3f} vs 0.500")
    ]
    if not isinstance(offline, str):
        wanted = 3 * statistics.median(offline.rates)
        rows.append(("3 × (e) req/s: the target for (d)", f"{wanted:,.0f}"))
        rows.append(
            (
                "(f)/(e) req/s: the floor's own ratio",
                f"{statistics.median(floor.rates) / statistics.median(offline.rates):.2f}x",
            )
        )
    rows.append(
        (
            "(d)/(f) req/s: vpcgate's share of the floor",
            f"{statistics.median(seed.rates) / statistics.median(floor.rates):.2f}x",
        )
    )
    added = statistics.median(seed.p50s) - statistics.median(floor.p50s)
    rows.append(("(d) − (f) p50 ms: what vpcgate adds at c=1", f"{added:.3f}"))
    return rows


def run() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="vpcgate-compare-") as name, ExitStack() as stack:
        scratch = Path(name)
        express_port = _express(stack)
        targets: dict[str, Target] = {"direct": _http(express_port, "/")}
        skipped: dict[str, str] = {}
        for key, made in (
            ("nginx", _nginx(stack, express_port, scratch)),
            ("offline", _serverless_offline(stack, express_port, scratch)),
        ):
            if isinstance(made, str):
                skipped[key] = made
            else:
                targets[key] = made
        targets.update(_vpcgate(stack, express_port, scratch))
        targets["floor"] = _floor(stack, express_port)
        measured: dict[str, Result | str] = {**_measure_all(targets), **skipped}
    floor, seed = measured["floor"], measured["seed"]
    assert not isinstance(floor, str) and not isinstance(seed, str)
    return [
        *_rows("(a) Express directly", measured["direct"]),
        *_rows("(b) nginx → Express", measured["nginx"]),
        *_rows("(c) vpcgate HTTP_PROXY → Express", measured["http_proxy"]),
        *_rows("(d) vpcgate seed (Lambda → Express)", seed),
        *_rows("(e) serverless-offline seed shape", measured["offline"]),
        *_rows("(f) floor: the seed's function alone, 32 Node processes", floor),
        *_rows("vpcgate MOCK (chain + VTL)", measured["mock"]),
        *_ratio("(c)/(b)", measured["http_proxy"], measured["nginx"]),
        *_ratio("(d)/(e)", seed, measured["offline"]),
        *_targets_for_d(seed, measured["offline"], floor),
        *_wake_up_rows(),
    ]


if __name__ == "__main__":
    for row_name, value in run():
        print(f"{row_name}: {value}")
