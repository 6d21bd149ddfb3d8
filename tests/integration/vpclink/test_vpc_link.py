"""VPC link integrations over real TCP, in namespace mode (root): examples/vpc-link deployed as is.

The gateway's only way to the two private instances is the link's load balancer: its connections
leave from the balancer's address inside the private subnet (which the instances' security group
admits), take turns between the targets, skip a target that refuses, and end in AWS's 500 when no
target is left, or 504 past timeoutInMillis. The test process (the gateway's own process) cannot
open a connection to an instance at all.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.gateway.conftest import Caller, running
from tests.integration.network.conftest import SKIP

needs_root = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "vpc-link"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUBNET = ipaddress.IPv4Network("10.30.1.0/24")
BACKENDS = {"10.30.1.10", "10.30.1.11"}
INTERNAL_ERROR = b'{"message": "Internal server error"}'
TIMED_OUT = b'{"message": "Endpoint request timed out"}'


@pytest.fixture
def example() -> Iterator[Path]:
    """The example copied where the instances' unprivileged uids may read it."""
    where = Path(tempfile.mkdtemp(prefix="vpcgate-vpclink-"))
    try:
        where.chmod(0o755)
        for name in ("template.yaml", "backend.py"):
            shutil.copy(EXAMPLE / name, where / name)
            (where / name).chmod(0o644)
        yield where / "template.yaml"
    finally:
        shutil.rmtree(where, ignore_errors=True)


async def _json(gw: Caller, method: str, path: str, body: bytes = b"") -> tuple[int, Any]:
    response = await gw.call(method, path, body=body, timeout=10)
    return response.status, json.loads(response.body) if response.status == 200 else response.body


async def _until_up(gw: Caller) -> None:
    seen: set[str] = set()
    for _ in range(100):  # UserData starts python; nothing waits for it (like EC2)
        status, doc = await _json(gw, "GET", "/prod/ping")
        if status == 200:
            seen.add(doc["served_by"])
            if seen == BACKENDS:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the backends never answered through the link (saw {seen})")


def _host_connects(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=1).close()
    except OSError:
        return False
    return True


@needs_root
async def test_the_link_is_the_only_way_in(example: Path, tmp_path: Path) -> None:
    async with running([example], tmp_path, network_mode="namespaces") as gw:
        await _until_up(gw)
        answers = [await _json(gw, "GET", f"/prod/items/{n}?q=1") for n in range(4)]
        assert [status for status, _ in answers] == [200] * 4
        docs = [doc for _, doc in answers]
        served = [d["served_by"] for d in docs]
        assert set(served) == BACKENDS and served[0] != served[1], served  # round robin
        peers = {d["peer"] for d in docs}
        assert len(peers) == 1 and ipaddress.IPv4Address(peers.pop()) in SUBNET  # the balancer's address
        assert {d["peer"] for d in docs}.isdisjoint(BACKENDS)
        assert docs[2]["path"] == "/items/2?q=1"
        outputs = {name: value for _, name, value in gw.app.outputs()}
        assert {d["host"] for d in docs} == {outputs["BalancerDnsName"]}
        status, doc = await _json(gw, "POST", "/prod/notes", b"hello")
        assert status == 200 and doc["body"] == "hello" and doc["method"] == "POST"
        for backend in sorted(BACKENDS):  # the gateway's own process has no way into the VPC
            assert not _host_connects(backend, 8080)


@needs_root
async def test_timeout_and_targets_down(example: Path, tmp_path: Path) -> None:
    async with running([example], tmp_path, network_mode="namespaces") as gw:
        await _until_up(gw)
        loop = asyncio.get_running_loop()
        started = loop.time()
        slow = await gw.call("GET", "/prod/slow?seconds=5", timeout=10)
        assert (slow.status, slow.body) == (504, TIMED_OUT)  # timeoutInMillis: 2000
        assert 1.9 < loop.time() - started < 4
        first, second = gw.app.instances
        await first.stop()
        answers = [await _json(gw, "GET", "/prod/ping") for _ in range(4)]
        assert {status for status, _ in answers} == {200}
        assert len({doc["served_by"] for _, doc in answers}) == 1  # the refusing target is skipped
        await second.stop()
        down = await gw.call("GET", "/prod/ping", timeout=10)
        assert (down.status, down.body) == (500, INTERNAL_ERROR)


@needs_root
async def test_the_targets_security_group_judges_link_traffic(example: Path, tmp_path: Path) -> None:
    """The same stack, but the backends admit another subnet only: the balancer's connections are
    refused as any other would be."""
    text = example.read_text().replace("CidrIp: 10.30.1.0/24", "CidrIp: 10.30.2.0/24")
    assert "10.30.2.0/24" in text
    example.write_text(text)
    async with running([example], tmp_path, network_mode="namespaces") as gw:
        await asyncio.sleep(0.5)  # (the backends start meanwhile; nothing would reach them anyway)
        response = await gw.call("GET", "/prod/ping", timeout=10)
        # dropped (AWS's way): timeoutInMillis passes, 504; rejected (--network-reject): refused, 500
        rejects = getattr(gw.app.config, "network_reject", True)
        assert (response.status, response.body) == ((500, INTERNAL_ERROR) if rejects else (504, TIMED_OUT))


async def test_host_mode_reaches_targets_on_loopback(example: Path, tmp_path: Path) -> None:
    """Host mode has no VPC: the link goes to each target's port on 127.0.0.1 (announced, no isolation)."""
    server = await asyncio.start_server(_answer_once_per_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with running([example], tmp_path, [f"BackendPort={port}"]) as gw:
            response = await gw.call("GET", "/prod/hello/world", timeout=10)
            assert response.status == 200
            assert response.body.startswith(b"GET /hello/world HTTP/1.1")
            host = {name: value for _, name, value in gw.app.outputs()}["BalancerDnsName"]
            assert f"\r\nHost: {host}\r\n".encode() in response.body
    finally:
        server.close()
        await server.wait_closed()


async def _answer_once_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers with the request head it received (one request, then the connection closes)."""
    head = await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(head) + head)
    await writer.drain()
    writer.close()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("vpcLinkId: !Ref Link", "vpcLinkId: nosuch"),  # the stage variable names no link
        ("http://${Balancer.DNSName}/{proxy}", "http://${Balancer.DNSName}:81/{proxy}"),  # no listener
    ],
)
async def test_a_link_that_leads_nowhere_is_aws_500(
    example: Path, tmp_path: Path, old: str, new: str
) -> None:
    server = await asyncio.start_server(_answer_once_per_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    text = example.read_text()
    assert old in text
    example.write_text(text.replace(old, new))
    try:
        async with running([example], tmp_path, [f"BackendPort={port}"]) as gw:
            response = await gw.call("GET", "/prod/hello", timeout=10)
            assert (response.status, response.body) == (500, INTERNAL_ERROR)
    finally:
        server.close()
        await server.wait_closed()


async def test_http_integration_over_a_link(tmp_path: Path) -> None:
    """Type HTTP (not proxy): requestParameters and the URI's path go to the target, Host is the
    URI's host and port, the listener is chosen by the URI's port (8000)."""
    server = await asyncio.start_server(_answer_once_per_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with running([FIXTURES / "http_link.yaml"], tmp_path, [f"BackendPort={port}"]) as gw:
            response = await gw.call("GET", "/test/items", timeout=10)
            assert response.status == 200
            head = response.body.decode().split("\r\n")
            assert head[0] == "GET /stock HTTP/1.1"
            assert "Host: items.internal:8000" in head and "x-from: the-gateway" in head
    finally:
        server.close()
        await server.wait_closed()
