"""``make demo`` / ``vpcgate demo``: the seed architecture, end to end, on this machine.

It deploys the project's network stack (``examples/seed-network``) and then the seed's template,
unchanged: the network stack's Outputs fill the seed's four Parameters. It asks the gateway what
the seed's README promises and prints each answer beside the expected one.

- As root with ``ip`` and ``nft``: namespaces mode. The Express app runs as an EC2-style instance
  in the private subnet (its UserData), the Node function in its ENI, security groups in nftables;
  the host itself cannot reach the backend.
- Otherwise: host mode, announced. Express runs on 127.0.0.1 and only the seed's template is
  deployed, with BackendHost/BackendPort pointing at it (no isolation).

The last row stops the backend and expects AWS's 500 through the seed's error mapping.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vpcgate.app import HOST_MODE, NAMESPACES_MODE, App, AppConfig
from vpcgate.errors import ConfigError
from vpcgate.http.client import ClientError, HttpClient
from vpcgate.network.mode import probe_host

NETWORK_STACK = Path("examples/seed-network/template.yaml")
EXPRESS_DIR = Path(".cache/node/express-app")
HELLO = b'{"message":"Hello World!"}'
MISSING = b'{"message":"Missing Authentication Token"}'


@dataclass(frozen=True)
class Row:
    """One request of the seed README's table and the answer it promises."""

    method: str
    path: str
    body: bytes
    status: int
    expected: bytes


TABLE = (
    Row("GET", "/prod/", b"", 200, HELLO),
    Row("GET", "/prod/?error=1", b"", 403, b'{"error":"Random error"}'),
    Row("POST", "/prod/", b'{"a":1}', 200, b'{"a":1}'),
    Row("PUT", "/prod/", b"", 403, MISSING),
    Row("GET", "/prod/nowhere", b"", 403, MISSING),
)
BACKEND_STOPPED = Row("GET", "/prod/", b"", 500, b'{"message":"Internal server error"}')


def _namespaces_possible() -> bool:
    facts = probe_host()
    return facts.euid == 0 and facts.has_ip and facts.has_nft


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LoopbackExpress:
    """Host mode's backend: the seed's Express app on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.process = subprocess.Popen(
            ["node", "index.js"], cwd=EXPRESS_DIR, env=env, stdout=subprocess.DEVNULL
        )

    async def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


async def run_demo(seed: Path, say: Callable[[str], None], mode: str = "auto") -> bool:
    """Run the seed's table through a real gateway; True when every answer is the promised one.

    ``mode`` is ``auto`` (namespaces when possible, else host), ``namespaces`` or ``host``.
    """
    if not (EXPRESS_DIR / "node_modules" / "express").is_dir():
        raise ConfigError(f"{EXPRESS_DIR} has no npm packages: run `make demo`, which installs them")
    template = seed / "cloudformation" / "vpc-proxy.template.json"
    state = Path(tempfile.mkdtemp(prefix="vpcgate-demo-"))
    state.chmod(0o755)  # confined function users must read their unpacked code
    try:
        if mode == NAMESPACES_MODE and not _namespaces_possible():
            raise ConfigError("the demo's namespaces mode needs root, ip and nft")
        if mode == NAMESPACES_MODE or (mode == "auto" and _namespaces_possible()):
            say("network mode: namespaces (root): the backend lives in a private subnet")
            config = AppConfig(
                templates=(NETWORK_STACK, template), port=0, state_dir=state, network_mode=NAMESPACES_MODE
            )
            return await _run(App.deploy(config), None, say)
        say("network mode: host: NO isolation, the backend is on 127.0.0.1")
        express = LoopbackExpress(_free_port())
        overrides = (
            "BackendHost=127.0.0.1",
            f"BackendPort={express.port}",
            "SecurityGroupId=sg-0123456789abcdef0",
            "SubnetId=subnet-0123456789abcdef0",
        )
        config = AppConfig(
            templates=(template,), overrides=overrides, port=0, state_dir=state, network_mode=HOST_MODE
        )
        express.start()
        try:
            return await _run(App.deploy(config), express, say)
        finally:
            await express.stop()
    finally:
        shutil.rmtree(state, ignore_errors=True)


async def _run(app: App, express: LoopbackExpress | None, say: Callable[[str], None]) -> bool:
    client = HttpClient()
    await app.start()
    try:
        host, port = app.address
        base = f"http://{host}:{port}"
        say(f"gateway on {base}; waiting for the backend (nothing waits for an instance, as on EC2)")
        await _until_up(client, base)
        ok = True
        for row in TABLE:
            ok &= await _check(client, base, row, say)
        await _stop_backend(app, express)
        ok &= await _check(client, base, BACKEND_STOPPED, say, note=" (backend stopped)")
        return ok
    finally:
        await client.close()
        await app.stop()


async def _until_up(client: HttpClient, base: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            answer = await client.request("GET", base + "/prod/", timeout=5)
            if answer.status == 200:
                return
        except ClientError:
            pass
        await asyncio.sleep(0.2)
    raise ConfigError(f"the backend never answered through {base}/prod/ within {seconds:g} s")


async def _stop_backend(app: App, express: LoopbackExpress | None) -> None:
    if express is not None:
        await express.stop()
    for instance in app.instances:
        await instance.stop()


async def _check(client: HttpClient, base: str, row: Row, say: Callable[[str], None], note: str = "") -> bool:
    headers = [("Content-Type", "application/json")] if row.body else []
    answer = await client.request(row.method, base + row.path, headers=headers, body=row.body, timeout=15)
    good = (answer.status, answer.body) == (row.status, row.expected)
    mark = "ok  " if good else "FAIL"
    got = answer.body.decode(errors="replace")
    say(f"{mark} {row.method:<4} {row.path:<16} → {answer.status} {got}{note}")
    if not good:
        say(f"     expected {row.status} {row.expected.decode()}")
    return good
