"""Small helpers the integration tests share for the real processes they start: a free loopback
port, waiting until something listens on it, reading a process's banner up to a marker line, and
killing a process we started if it is still running (by its own Popen handle, never by name), and
serving a handler on our own HTTP server for a test's backend; and the seed's mapping templates
(also read by bench/vtl.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

from vpcgate.http.server import Handler, HttpServer

__all__ = ["free_port", "kill_if_running", "read_until", "seed_templates", "serving", "wait_port"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[Any], what: str, seconds: float = 15) -> None:
    """Return once 127.0.0.1:``port`` accepts; RuntimeError("``what`` did not start") when
    ``process`` exits first or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.05)


def read_until(stream: IO[str] | None, marker: str) -> str:
    """The lines of ``stream`` up to and including the first one containing ``marker`` (or all of
    them when the stream ends first)."""
    assert stream is not None
    text = ""
    for line in stream:
        text += line
        if marker in line:
            break
    return text


def kill_if_running(process: subprocess.Popen[Any]) -> None:
    """Kill and reap ``process`` (one we started) unless it already exited."""
    if process.poll() is None:
        process.kill()
        process.wait()


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[str]:
    """Our HttpServer answering with ``handler`` on a free 127.0.0.1 port; yields its base URL."""
    server = HttpServer(handler)
    await server.serve("127.0.0.1", 0)
    try:
        host, port = server.address
        yield f"http://{host}:{port}"
    finally:
        await server.close()


def seed_templates(seed: Path) -> dict[str, str]:
    """The seed's GET / mapping templates: ``request`` (its Fn::Join filled with a backend at
    10.0.1.10:8080), and the ``default`` and ``error`` (status 403) response templates."""
    document = json.loads((seed / "cloudformation" / "vpc-proxy.template.json").read_text())
    integration = document["Resources"]["ProxyApi"]["Properties"]["Body"]["paths"]["/"]["get"][
        "x-amazon-apigateway-integration"
    ]
    values = {"BackendHost": "10.0.1.10", "BackendPort": "8080"}
    parts = integration["requestTemplates"]["application/json"]["Fn::Join"][1]
    request = "".join(p if isinstance(p, str) else values[p["Ref"]] for p in parts)
    responses = integration["responses"]
    return {
        "request": request,
        "default": responses["default"]["responseTemplates"]["application/json"],
        "error": responses['\\{\\"status\\"\\:403.*']["responseTemplates"]["application/json"],
    }
