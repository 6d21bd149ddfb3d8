"""The escape-attempt suite: hostile code in a function ENI tries to get out; every attempt must fail.

Controls run first (an admitted connection and an admitted datagram get through), so a broken probe
cannot pass for a wall. Decoys (the metadata address, the internet) are only looked up: the ENI's
namespace has an ``unreachable`` default route, so no packet is ever sent toward them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.network.conftest import Lab, LogTap, needs_root
from vpcgate.network.enforce import netns, ruleset
from vpcgate.network.enforce.namespaces import Eni

pytestmark = needs_root


@dataclass
class Victim:
    eni: Eni
    pid: int
    runtime_port: int
    tmp: Path
    unix_path: Path
    host_port: int


async def _host_server() -> asyncio.Server:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nhost loopback")
        await writer.drain()
        writer.close()

    return await asyncio.start_server(reply, "127.0.0.1", 0)


def _listen_in(eni: Eni) -> socket.socket:
    def make() -> socket.socket:
        s = socket.socket()
        s.bind(("0.0.0.0", 0))
        s.listen(8)
        return s

    return netns.call_in(eni.netns, make)


@pytest.fixture
async def victim(lab: Lab) -> AsyncIterator[Victim]:
    """Another function: its own ENI, a worker with a secret, a Runtime-API-like listener, a /tmp."""
    eni = await lab.network.eni_for(["subnet-a1"], ["sg-other", "sg-fn"])
    runtime = _listen_in(eni)
    server = await _host_server()
    conf = lab.confinement("victim", eni)
    tmp = Path(tempfile.mkdtemp(prefix="vpcgate-victim-"))
    os.chown(tmp, conf.uid, conf.gid)
    os.chmod(tmp, 0o700)
    sockdir = Path(tempfile.mkdtemp(prefix="vpcgate-sock-"))
    unix_path = sockdir / "gateway.sock"
    unix_sock = socket.socket(socket.AF_UNIX)
    unix_sock.bind(str(unix_path))
    unix_sock.listen(1)
    worker = await asyncio.create_subprocess_exec(
        lab.python,
        "-I",
        "-c",
        "import time; time.sleep(60)",
        env={"SECRET": "victim-secret"},
        preexec_fn=conf.preexec(),
    )
    try:
        yield Victim(
            eni, worker.pid, runtime.getsockname()[1], tmp, unix_path, server.sockets[0].getsockname()[1]
        )
    finally:
        worker.kill()
        await worker.wait()
        runtime.close()
        unix_sock.close()
        server.close()
        await server.wait_closed()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(sockdir, ignore_errors=True)


def _attempts(lab: Lab, v: Victim, admitted_ip: str) -> list[tuple[str, str, dict[str, Any]]]:
    ip_bin = shutil.which("ip") or "/usr/sbin/ip"
    nft_bin = shutil.which("nft") or "/usr/sbin/nft"
    vpc_ns = lab.network.namespaces()[0]
    return [
        ("another port of the admitted instance", "tcp", {"host": "10.213.1.10", "port": 8081}),
        ("another subnet's instance without a rule", "tcp", {"host": "10.213.2.30", "port": 8080}),
        ("another VPC's instance", "tcp", {"host": "10.214.1.10", "port": 8080}),
        (  # the kernel refuses to route it; the bridge would drop it (test_root_inside_an_eni)
            "spoofing an admitted address (IP_FREEBIND)",
            "tcp",
            {"host": "10.213.1.10", "port": 8080, "source": admitted_ip},
        ),
        (
            "adding an address to eth0",
            "run",
            {"argv": [ip_bin, "addr", "add", "10.213.1.99/24", "dev", "eth0"]},
        ),
        ("raw IP socket", "raw_socket", {}),
        ("packet socket (ARP/MAC spoofing)", "packet_socket", {}),
        ("flushing nftables", "run", {"argv": [nft_bin, "flush", "ruleset"]}),
        ("setns into the host via /proc/1/ns/net", "setns", {"path": "/proc/1/ns/net"}),
        ("setns into the VPC namespace", "setns", {"path": str(netns.netns_path(vpc_ns))}),
        ("user namespace, then a raw socket", "userns_then_raw", {}),
        ("IPv6 link-local TCP", "tcp", {"host": "fe80::56:aff:fed5:10a%eth0", "port": 8080}),
        ("IPv6 all-nodes multicast", "udp", {"host": "ff02::1%eth0", "port": 9999}),
        ("the host's loopback services", "tcp", {"host": "127.0.0.1", "port": v.host_port}),
        ("vpcgate's pathname unix socket", "unix", {"path": str(v.unix_path)}),
        ("another function's Runtime API on loopback", "tcp", {"host": "127.0.0.1", "port": v.runtime_port}),
        (
            "another function's Runtime API through its ENI",
            "tcp",
            {"host": str(v.eni.ip), "port": v.runtime_port},
        ),
        ("/proc environ of another function's worker", "read", {"path": f"/proc/{v.pid}/environ"}),
        ("signalling another function's worker", "signal0", {"pid": v.pid}),
        ("another function's /tmp", "listdir", {"path": str(v.tmp)}),
        ("metadata service decoy 169.254.169.254", "route_to", {"host": "169.254.169.254"}),
        ("the internet (route lookup only)", "route_to", {"host": "192.0.2.77"}),
        ("the VPC router", "tcp", {"host": "10.213.1.1", "port": 22}),
        ("becoming root", "become_root", {}),
        ("holding a capability or lacking no_new_privs", "status", {}),
    ]


async def test_escape_attempts_all_fail(lab: Lab, victim: Victim, log_tap: LogTap) -> None:
    attacker = await lab.network.eni_for(["subnet-a1"], ["sg-fn"])
    admitted = await lab.network.eni_for(["subnet-a2"], ["sg-fn"])
    outsider = await lab.network.eni_for(["subnet-a1"], ["sg-other"])

    control = await lab.probe("attacker", attacker, "tcp", host="10.213.1.10", port=8080)
    assert control["escaped"], f"control connection failed: {control}"
    assert (await lab.probe("attacker", attacker, "udp", host="10.213.1.10", port=9999))["escaped"]
    await log_tap.wait_for(f"udp from {attacker.ip}")

    attempts = _attempts(lab, victim, str(admitted.ip))
    assert len(attempts) >= 20
    results = await asyncio.gather(
        *(
            lab.probe("attacker", outsider if "spoofing" in n else attacker, a, **args)
            for n, a, args in attempts
        )
    )
    escaped = [(name, r["detail"]) for (name, _, _), r in zip(attempts, results, strict=True) if r["escaped"]]
    assert not escaped, escaped

    # broadcast and multicast from an admitted sender: sendto may succeed, nothing may arrive
    for host in ("10.213.1.255", "255.255.255.255", "224.0.0.1"):
        await lab.probe("attacker", attacker, "udp", host=host, port=9999, broadcast=True)
    await lab.probe("attacker", attacker, "udp", host="10.213.1.10", port=9999)  # a marker after them
    await asyncio.sleep(0.2)
    arrivals = [line for line in log_tap.lines if "udp from" in line and "i-web" in line]
    assert len(arrivals) == 2, arrivals  # the two unicast datagrams only

    # the rules survived the flush attempt: the control still passes, the outsider still fails
    assert (await lab.probe("attacker", attacker, "tcp", host="10.213.1.10", port=8080))["escaped"]
    assert not (await lab.probe("outsider", outsider, "tcp", host="10.213.1.10", port=8080))["escaped"]


def _connect_from(source: str, host: str, port: int) -> str:
    with socket.socket() as s:
        s.settimeout(0.5)
        s.bind((source, 0))
        try:
            s.connect((host, port))
        except OSError as exc:
            return f"failed: {exc}"
        return "connected"


async def test_root_inside_an_eni_still_cannot_spoof_or_unfilter(lab: Lab) -> None:
    """Defence in depth: code that became root in its ENI namespace adds the address of an admitted
    ENI, changes its MAC and flushes nftables there; the rules live in the VPC namespace and hold."""
    attacker = await lab.network.eni_for(["subnet-a1"], ["sg-other"])
    admitted = await lab.network.eni_for(["subnet-a1"], ["sg-fn"])
    ns = attacker.netns_name
    assert netns.call_in(attacker.netns, lambda: _connect_from(str(attacker.ip), "10.213.1.10", 8080)) != (
        "connected"
    )
    for argv in (
        ["ip", "-n", ns, "addr", "add", f"{admitted.ip}/32", "dev", "eth0"],
        ["ip", "netns", "exec", ns, "nft", "flush", "ruleset"],
    ):
        proc = await asyncio.create_subprocess_exec(*argv)
        assert await proc.wait() == 0
    spoofed = netns.call_in(attacker.netns, lambda: _connect_from(str(admitted.ip), "10.213.1.10", 8080))
    assert spoofed.startswith("failed"), spoofed
    mac = ruleset.mac_of(admitted.ip)  # the admitted ENI's own MAC and address
    proc = await asyncio.create_subprocess_exec("ip", "-n", ns, "link", "set", "eth0", "address", mac)
    assert await proc.wait() == 0
    respoofed = netns.call_in(attacker.netns, lambda: _connect_from(str(admitted.ip), "10.213.1.10", 8080))
    assert respoofed.startswith("failed"), respoofed
    legit = netns.call_in(admitted.netns, lambda: _connect_from(str(admitted.ip), "10.213.1.10", 8080))
    assert legit == "connected"


def _enable_ipv6() -> str:
    """As root in the current namespace: IPv6 back on eth0 (no DAD wait); its link-local address."""
    netns.write_sysctls(
        {
            "net.ipv6.conf.eth0.accept_dad": "0",
            "net.ipv6.conf.all.disable_ipv6": "0",
            "net.ipv6.conf.eth0.disable_ipv6": "0",
        }
    )
    for _ in range(100):
        for line in Path("/proc/thread-self/net/if_inet6").read_text().splitlines():
            fields = line.split()
            if fields[-1] == "eth0" and fields[0].startswith("fe80"):
                return ":".join(fields[0][i : i + 4] for i in range(0, 32, 4))
        import time

        time.sleep(0.02)
    raise AssertionError("no link-local address appeared")


async def test_root_inside_two_enis_still_cannot_speak_ipv6_across_the_bridge(lab: Lab) -> None:
    """IPv6 link-local crossed a bridge past an ip-family ruleset (measured). Here IPv6 is off in
    every namespace, the VPC namespace (IPv6 off, bridges with nf_call_ip6tables) drops it in
    br_netfilter, and the bridge table drops every frame that is not IPv4 or ARP: even root in both
    namespaces, IPv6 turned back on, gets nothing across (observed: each layer alone suffices)."""
    a = await lab.network.eni_for(["subnet-a1"], ["sg-fn"])
    b = await lab.network.eni_for(["subnet-a1"], ["sg-other"])
    netns.call_in(a.netns, _enable_ipv6)
    target = netns.call_in(b.netns, _enable_ipv6)

    def listen() -> socket.socket:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::", 0))
        s.listen(4)
        return s

    server = netns.call_in(b.netns, listen)
    try:
        port = server.getsockname()[1]

        def connect() -> str:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.settimeout(0.5)
                try:
                    s.connect((target, port, 0, socket.if_nametoindex("eth0")))
                except OSError as exc:
                    return f"failed: {exc}"
                return "connected"

        result = netns.call_in(a.netns, connect)
        assert result.startswith("failed"), result
        loop = netns.call_in(b.netns, connect)  # control: the listener works inside its own namespace
        assert loop == "connected", loop
    finally:
        server.close()
