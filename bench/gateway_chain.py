"""The whole gateway over real HTTP, side by side in one run: the Express app directly, a MOCK method
(chain + VTL only), HTTP_PROXY to Express, and the seed's GET /prod/ (custom integration, VTL, the
seed's Node function, the Express app).

One ``vpcgate up --quiet`` process serves both APIs (host network mode, Express on 127.0.0.1,
BackendHost overridden; --quiet: function logs are not printed); this process drives it with a
minimal keep-alive HTTP/1.1 client over raw asyncio streams (so the load generator costs little
next to the gateway). The machine has 2 cores shared by
the load generator, the gateway, the Node worker and Express: numbers are for comparison within a
run. Rows: requests/s at 32 concurrent connections, and p50 latency at 1.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(os.environ.get("VPCGATE_SEED", ROOT.parent / "shared" / "seed"))
NODE_CACHE = Path(os.environ.get("VPCGATE_NODE_CACHE", ROOT / ".cache" / "node"))

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

RUN_UP = "import sys; from vpcgate.cli_up import up; up(sys.argv[1:], prog_name='vpcgate up')"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"nothing listens on {port}") from None
            time.sleep(0.05)


class _Connection:
    """One keep-alive HTTP/1.1 connection: GET, read the whole response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self.reader, self.writer, self.request = reader, writer, request

    async def get(self) -> int:
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        match = re.search(rb"(?i)content-length: *(\d+)", head)
        if match:
            await self.reader.readexactly(int(match.group(1)))
        return int(head[9:12])


async def _connect(port: int, path: str) -> _Connection:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\r\n".encode()
    return _Connection(reader, writer, request)


async def _throughput(port: int, path: str, concurrency: int, seconds: float) -> tuple[float, int]:
    connections = [await _connect(port, path) for _ in range(concurrency)]
    done = 0
    failures = 0
    stop = time.perf_counter() + seconds

    async def loop(connection: _Connection) -> None:
        nonlocal done, failures
        while time.perf_counter() < stop:
            if await connection.get() != 200:
                failures += 1
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in connections))
    elapsed = time.perf_counter() - start
    for connection in connections:
        connection.writer.close()
    return done / elapsed, failures


async def _latency(port: int, path: str, count: int) -> float:
    connection = await _connect(port, path)
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        await connection.get()
        samples.append(time.perf_counter() - start)
    connection.writer.close()
    return statistics.median(samples) * 1000


async def _measure(port: int, paths: dict[str, str]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for path in paths.values():  # warm: workers started, connections pooled
        await _throughput(port, path, 4, 0.5)
    for name, path in paths.items():
        rate, failures = await _throughput(port, path, 32, 3.0)
        rows.append((f"{name} req/s (c=32)", f"{rate:,.0f}" + (f" ({failures} non-200)" if failures else "")))
    for name, path in paths.items():
        rows.append((f"{name} p50 ms (c=1)", f"{await _latency(port, path, 400):.3f}"))
    return rows


def _api_paths(banner: str) -> dict[str, str]:
    ids = dict(re.findall(r"api (\S+) \((\w+)\) stage prod:", banner))
    return {
        "MOCK GET": f"/restapis/{ids['bench-mock']}/prod/_user_request_/",
        "HTTP_PROXY GET (→ Express)": f"/restapis/{ids['bench-mock']}/prod/_user_request_/proxy",
        "seed GET (Lambda → Express)": f"/restapis/{ids['vpc-proxy']}/prod/_user_request_/",
    }


def run() -> list[tuple[str, str]]:
    express_port, gateway_port = _free_port(), _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORT": str(express_port), "HOST": "127.0.0.1"}
    express = subprocess.Popen(
        ["node", "index.js"], cwd=NODE_CACHE / "express-app", env=env, stdout=subprocess.DEVNULL
    )
    with tempfile.TemporaryDirectory(prefix="vpcgate-bench-") as scratch:
        mock = Path(scratch) / "mock.yaml"
        mock.write_text(MOCK_TEMPLATE)
        argv = [
            sys.executable, "-c", RUN_UP, str(mock), str(SEED / "cloudformation" / "vpc-proxy.template.json"),
            "--port", str(gateway_port), "--state-dir", str(Path(scratch) / "state"), "--quiet",
        ]  # fmt: skip
        overrides = ["BackendHost=127.0.0.1", f"BackendPort={express_port}"]
        overrides += [f"ExpressUrl=http://127.0.0.1:{express_port}/"]
        overrides += ["SecurityGroupId=sg-12345678", "SubnetId=subnet-12345678"]
        for override in overrides:
            argv += ["--parameter-overrides", override]
        gateway = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            _wait_port(express_port, express)
            assert gateway.stdout is not None
            banner = ""
            for line in gateway.stdout:
                banner += line
                if "serving on" in line:
                    break
            direct = asyncio.run(_measure(express_port, {"Express directly": "/"}))
            return direct + asyncio.run(_measure(gateway_port, _api_paths(banner)))
        finally:
            gateway.send_signal(signal.SIGINT)
            try:
                gateway.wait(timeout=15)
            except subprocess.TimeoutExpired:
                gateway.kill()
                gateway.wait()
            express.kill()
            express.wait()


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
