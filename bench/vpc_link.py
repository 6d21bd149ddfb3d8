"""VPC link: p50 of a GET through examples/vpc-link's HTTP_PROXY VPC_LINK integration, in namespace
mode (the balancer's ENI, security groups, two Python backends in turn) versus host mode (the same
backend on loopback), c=1 over keep-alive; and the cost of one socket made inside a namespace (paid
once per new pooled connection).

Namespace mode needs root (skipped otherwise). Addresses: 10.30.0.0/16 behind unreachable routes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._load import free_port
from vpcgate.app import App, AppConfig
from vpcgate.http.client import HttpClient

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "vpc-link"
REQUESTS = 400


async def _p50_ms(app: App, client: HttpClient) -> float:
    host, port = app.address
    url = f"http://{host}:{port}/prod/ping"
    for _ in range(100):  # until the backends answer (UserData starts them; nothing waits)
        if (await client.request("GET", url, timeout=5)).status == 200:
            break
        await asyncio.sleep(0.1)
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = await client.request("GET", url, timeout=5)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status == 200, response
    return statistics.median(times)


async def _run_app(template: Path, state: Path, mode: str, overrides: tuple[str, ...] = ()) -> float:
    config = AppConfig(templates=(template,), overrides=overrides, port=0, state_dir=state, network_mode=mode)
    app = App.deploy(config)
    client = HttpClient()
    await app.start()
    try:
        return await _p50_ms(app, client)
    finally:
        await client.close()
        await app.stop()


async def _host_mode(where: Path) -> float:
    port = free_port()
    backend = subprocess.Popen(
        [sys.executable, "-I", str(where / "backend.py")],
        env={"PORT": str(port), "HOST": "127.0.0.1", "PATH": os.environ.get("PATH", "")},
        stdout=subprocess.DEVNULL,
    )
    try:
        return await _run_app(where / "template.yaml", where / "state-host", "host", (f"BackendPort={port}",))
    finally:
        backend.terminate()
        backend.wait()


def _netns_socket_us() -> float:
    from vpcgate.network.enforce import netns

    path = Path("/proc/self/ns/net")
    times = []
    for _ in range(200):
        start = time.perf_counter()
        netns.call_in(path, lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)).close()
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def run() -> list[tuple[str, str]]:
    where = Path(tempfile.mkdtemp(prefix="vpcgate-bench-vpclink-"))
    try:
        where.chmod(0o755)
        for name in ("template.yaml", "backend.py"):
            shutil.copy(EXAMPLE / name, where / name)
            (where / name).chmod(0o644)
        host = asyncio.run(_host_mode(where))
        rows = [("GET via VPC link, host mode (loopback) p50 c=1", f"{host:.3f} ms")]
        if os.geteuid() != 0:
            return [*rows, ("GET via VPC link, namespace mode", "skipped: needs root")]
        ns = asyncio.run(_run_app(where / "template.yaml", where / "state-ns", "namespaces"))
        return [
            *rows,
            ("GET via VPC link, namespace mode (ENI, SGs) p50 c=1", f"{ns:.3f} ms"),
            ("namespace / host", f"{ns / host:.2f}x"),
            ("socket made in a namespace (per new connection) p50", f"{_netns_socket_us():.0f} µs"),
        ]
    finally:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
