"""``make demo`` / ``vpcgate demo``: the seed architecture, end to end, on this machine; then the
project's own example of it (``examples/private-notes``: a Python backend on an instance in a private
subnet, a Python proxy function in that subnet, a REST API with mapping templates), checked the same
way and then served until Ctrl-C with ready-to-paste curl lines (``--no-serve`` stops after the
checks).

The seed: it deploys the project's network stack (``examples/seed-network``) and then the seed's template,
unchanged: the network stack's Outputs fill the seed's four Parameters. It asks the gateway what
the seed's README promises and prints each answer beside the expected one.

- As root with ``ip`` and ``nft``: namespaces mode. The Express app runs as an EC2-style instance
  in the private subnet (its UserData), the Node function in its ENI, security groups in nftables;
  the host itself cannot reach the backend.
- Otherwise: host mode, announced. Express runs on 127.0.0.1 and only the seed's template is
  deployed, with BackendHost/BackendPort pointing at it (no isolation).

The last row stops the backend and expects AWS's 500 through the seed's error mapping.

The example runs the same way: namespaces mode deploys ``network.yaml`` then ``api.yaml`` (the
network's Outputs fill the API's Parameters); host mode runs ``backend.py`` on 127.0.0.1 and
deploys ``api.yaml`` alone.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
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

EXAMPLE = Path("examples/private-notes")
EXAMPLE_TABLE = (
    Row("GET", "/notes/", b"", 200, b'{"message":"Hello from the private subnet"}'),
    Row("GET", "/notes/?error=1", b"", 403, b'{"error":"Not for you"}'),
    Row("POST", "/notes/", b'{"note":"buy milk"}', 200, b'{"note":"buy milk"}'),
    Row("DELETE", "/notes/", b"", 403, MISSING),
)
EXAMPLE_STOPPED = Row("GET", "/notes/", b"", 500, b'{"message":"Internal server error"}')


def _namespaces_possible() -> bool:
    facts = probe_host()
    return facts.euid == 0 and facts.has_ip and facts.has_nft


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LoopbackBackend:
    """Host mode's backend on 127.0.0.1: ``argv`` run in ``cwd`` with PORT and HOST set (backend.py
    for the example, the seed's Express app for the seed)."""

    def __init__(self, argv: list[str], cwd: Path, port: int) -> None:
        self.argv, self.cwd, self.port = argv, cwd, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=env, stdout=subprocess.DEVNULL)

    async def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


def _host_overrides(port: int) -> tuple[str, ...]:
    """Parameter overrides pointing a template's backend at 127.0.0.1:``port`` (dummy network ids)."""
    return (
        "BackendHost=127.0.0.1",
        f"BackendPort={port}",
        "SecurityGroupId=sg-0123456789abcdef0",
        "SubnetId=subnet-0123456789abcdef0",
    )


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
        if _use_namespaces(mode):
            say("network mode: namespaces (root): the backend lives in a private subnet")
            config = AppConfig(
                templates=(NETWORK_STACK, template), port=0, state_dir=state, network_mode=NAMESPACES_MODE
            )
            return await _run(App.deploy(config), None, say)
        say("network mode: host: NO isolation, the backend is on 127.0.0.1")
        express = LoopbackBackend(["node", "index.js"], EXPRESS_DIR, _free_port())
        overrides = _host_overrides(express.port)
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


def _use_namespaces(mode: str) -> bool:
    if mode == NAMESPACES_MODE and not _namespaces_possible():
        raise ConfigError("the demo's namespaces mode needs root, ip and nft")
    return mode == NAMESPACES_MODE or (mode == "auto" and _namespaces_possible())


def _example_config(
    mode: str, state: Path, say: Callable[[str], None], port: int = 0
) -> tuple[AppConfig, LoopbackBackend | None]:
    """The example's AppConfig, and the loopback backend host mode needs (not started)."""
    network, api = EXAMPLE / "network.yaml", EXAMPLE / "api.yaml"
    if _use_namespaces(mode):
        say("network mode: namespaces (root): backend.py runs on an instance in a private subnet")
        templates = (network, api)
        return AppConfig(templates, port=port, state_dir=state, network_mode=NAMESPACES_MODE), None
    say("network mode: host: NO isolation, backend.py is on 127.0.0.1")
    backend = LoopbackBackend([sys.executable, "-I", "backend.py"], EXAMPLE, _free_port())
    overrides = _host_overrides(backend.port)
    return AppConfig((api,), overrides, port=port, state_dir=state, network_mode=HOST_MODE), backend


async def run_example(say: Callable[[str], None], mode: str = "auto") -> bool:
    """The project's own example through a real gateway; True when every answer is the expected one."""
    state = Path(tempfile.mkdtemp(prefix="vpcgate-example-"))
    state.chmod(0o755)
    try:
        config, backend = _example_config(mode, state, say)
        if backend is not None:
            backend.start()
        try:
            app = App.deploy(config)
            return await _run(app, backend, say, EXAMPLE_TABLE, EXAMPLE_STOPPED)
        finally:
            if backend is not None:
                await backend.stop()
    finally:
        shutil.rmtree(state, ignore_errors=True)


async def serve_example(say: Callable[[str], None], mode: str = "auto", port: int = 3000) -> None:
    """Deploy the example, print its invoke URLs and curl lines, serve until SIGINT/SIGTERM."""
    state = Path(tempfile.mkdtemp(prefix="vpcgate-example-"))
    state.chmod(0o755)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    config, backend = _example_config(mode, state, say, port)
    client = HttpClient()
    app = App.deploy(config)
    try:
        if backend is not None:
            backend.start()
        await app.start()
        host, bound = app.address
        await _until_up(client, f"http://{host}:{bound}", "/notes/")
        _print_serving(app, say)
        await stop.wait()
        say("stopping...")
    finally:
        await client.close()
        await app.stop()
        if backend is not None:
            await backend.stop()
        shutil.rmtree(state, ignore_errors=True)


def _print_serving(app: App, say: Callable[[str], None]) -> None:
    for url in app.invoke_urls():
        say(f"api {url.api_name} ({url.api_id}) stage {url.stage}:")
        for invoke_url in url.urls:
            say(f"  {invoke_url}")
    base = app.invoke_urls()[0].urls[0]
    say("try:")
    say(f"  curl -i {base}")
    say(f"  curl -i '{base}?error=1'")
    say(f"  curl -i -X POST {base} -H 'Content-Type: application/json' -d '{{\"note\":\"buy milk\"}}'")
    say(f"  curl -i -X DELETE {base}")
    say("serving until Ctrl-C")


async def _run(
    app: App,
    backend: LoopbackBackend | None,
    say: Callable[[str], None],
    table: tuple[Row, ...] = TABLE,
    stopped: Row = BACKEND_STOPPED,
) -> bool:
    client = HttpClient()
    await app.start()
    try:
        host, port = app.address
        base = f"http://{host}:{port}"
        say(f"gateway on {base}; waiting for the backend (nothing waits for an instance, as on EC2)")
        await _until_up(client, base, table[0].path)
        ok = True
        for row in table:
            ok &= await _check(client, base, row, say)
        await _stop_backend(app, backend)
        ok &= await _check(client, base, stopped, say, note=" (backend stopped)")
        return ok
    finally:
        await client.close()
        await app.stop()


async def _until_up(client: HttpClient, base: str, path: str = "/prod/", seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            answer = await client.request("GET", base + path, timeout=5)
            if answer.status == 200:
                return
        except ClientError:
            pass
        await asyncio.sleep(0.2)
    raise ConfigError(f"the backend never answered through {base}{path} within {seconds:g} s")


async def _stop_backend(app: App, backend: LoopbackBackend | None) -> None:
    if backend is not None:
        await backend.stop()
    for instance in app.instances:
        await instance.stop()


async def _check(client: HttpClient, base: str, row: Row, say: Callable[[str], None], note: str = "") -> bool:
    headers = [("Content-Type", "application/json")] if row.body else []
    answer = await client.request(row.method, base + row.path, headers=headers, body=row.body, timeout=15)
    good = (answer.status, answer.body) == (row.status, row.expected)
    mark = "ok  " if good else "FAIL"
    got = answer.body.decode(errors="replace")
    say(f"{mark} {row.method:<6} {row.path:<16} → {answer.status} {got}{note}")
    if not good:
        say(f"     expected {row.status} {row.expected.decode()}")
    return good
