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
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._load import free_port, measure, stop_process, wait_port

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(os.environ.get("VPCGATE_SEED", ROOT.parent / "shared" / "seed"))
NODE_CACHE = Path(os.environ.get("VPCGATE_NODE_CACHE", ROOT / ".cache" / "node"))
SLS_DIR = Path(__file__).resolve().parent / ".serverless-offline"
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

Measured = tuple[float, int, float]  # requests/s at c=32, non-200 answers, p50 ms at c=1


def _measure(port: int, path: str) -> Measured:
    return asyncio.run(measure(port, path))


# -- (b) nginx -----------------------------------------------------------------------------------


def _nginx(upstream: int, scratch: Path) -> Measured | str:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        return "skipped: nginx is not installed (apt-get install -y nginx)"
    port = free_port()
    conf = scratch / "nginx.conf"
    conf.write_text(NGINX_CONF.format(upstream=upstream, port=port))
    argv = [binary, "-p", str(scratch), "-c", str(conf), "-e", str(scratch / "nginx-error.log")]
    argv += ["-g", f"daemon off; pid {scratch / 'nginx.pid'};"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, process)
        return _measure(port, "/")
    finally:
        stop_process(process, signal.SIGQUIT)


# -- (c), (d) vpcgate ------------------------------------------------------------------------------


def _vpcgate(express_port: int, scratch: Path) -> dict[str, Measured]:
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
    gateway = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert gateway.stdout is not None
        banner = ""
        for line in gateway.stdout:
            banner += line
            if "serving on" in line:
                break
        ids = dict(re.findall(r"api (\S+) \((\w+)\) stage prod:", banner))
        return {
            "mock": _measure(port, f"/restapis/{ids['bench-mock']}/prod/_user_request_/"),
            "http_proxy": _measure(port, f"/restapis/{ids['bench-mock']}/prod/_user_request_/proxy"),
            "seed": _measure(port, f"/restapis/{ids['vpc-proxy']}/prod/_user_request_/"),
        }
    finally:
        stop_process(gateway, signal.SIGINT)


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


def _serverless_offline(express_port: int, scratch: Path) -> Measured | str:
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
    process = subprocess.Popen(
        argv,
        cwd=service,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        try:
            wait_port(port, process, seconds=60)
        except RuntimeError:
            return f"skipped: serverless offline did not start (exit code {process.poll()})"
        return _measure(port, "/prod/")
    finally:
        stop_process(process, signal.SIGINT)


# -- the table -------------------------------------------------------------------------------------


def _rows(name: str, result: Measured | str) -> list[tuple[str, str]]:
    if isinstance(result, str):
        return [(f"{name} req/s (c=32)", result), (f"{name} p50 ms (c=1)", result)]
    rate, failures, p50 = result
    note = f" ({failures} non-200)" if failures else ""
    return [(f"{name} req/s (c=32)", f"{rate:,.0f}{note}"), (f"{name} p50 ms (c=1)", f"{p50:.3f}")]


def _ratio(name: str, top: Measured | str, bottom: Measured | str) -> list[tuple[str, str]]:
    if isinstance(top, str) or isinstance(bottom, str):
        return [(name, "n/a (a row was skipped)")]
    return [
        (f"{name} req/s", f"{top[0] / bottom[0]:.2f}x"),
        (f"{name} p50", f"{top[2] / bottom[2]:.2f}x"),
    ]


def run() -> list[tuple[str, str]]:
    express_port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(express_port), "HOST": "127.0.0.1"}
    express = subprocess.Popen(
        ["node", "index.js"], cwd=NODE_CACHE / "express-app", env=env, stdout=subprocess.DEVNULL
    )
    with tempfile.TemporaryDirectory(prefix="vpcgate-compare-") as name:
        scratch = Path(name)
        try:
            wait_port(express_port, express)
            direct = _measure(express_port, "/")
            nginx = _nginx(express_port, scratch)
            ours = _vpcgate(express_port, scratch)
            offline = _serverless_offline(express_port, scratch)
        finally:
            stop_process(express, signal.SIGTERM)
    return [
        *_rows("(a) Express directly", direct),
        *_rows("(b) nginx → Express", nginx),
        *_rows("(c) vpcgate HTTP_PROXY → Express", ours["http_proxy"]),
        *_rows("(d) vpcgate seed (Lambda → Express)", ours["seed"]),
        *_rows("(e) serverless-offline seed shape", offline),
        *_rows("vpcgate MOCK (chain + VTL)", ours["mock"]),
        *_ratio("(c)/(b)", ours["http_proxy"], nginx),
        *_ratio("(d)/(e)", ours["seed"], offline),
    ]


if __name__ == "__main__":
    for row_name, value in run():
        print(f"{row_name}: {value}")
