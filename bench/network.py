"""Network: time to build a VPC (one subnet, one instance, one ENI) and tear it down; p50 HTTP
request latency through a function ENI to an instance versus over loopback (same run, same server
code, a new TCP connection per request); one ruleset applied with libnftables versus ``nft -f -``;
a veth pair set up with ``ip -batch`` versus pyroute2 (the only module importing pyroute2); the cold
start (spawn→ready, Lambda's Init Duration) of a VPC function's worker, confined (ENI, own uid), with
and without its private mount namespace (own /tmp, ``hidepid`` /proc), and what the launcher's argv
alone costs (spawn→exit of ``true`` through it).

Needs root (namespaces). Addresses: 10.218.0.0/16, behind an unreachable route; nothing leaves.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench._specs import ECHO, INIT_DURATION, inline_spec
from vpcgate.functions.launch import Launcher
from vpcgate.functions.model import FunctionSpec, VpcConfig
from vpcgate.functions.service import FunctionService, ServiceConfig
from vpcgate.network.confine import UidAllocator
from vpcgate.network.enforce import netns, ruleset
from vpcgate.network.enforce.namespaces import NamespaceNetwork
from vpcgate.network.enforce.nft import Nft
from vpcgate.network.launch import TASK_ROOT, FunctionLaunchers
from vpcgate.network.model import Instance, Rule, SecurityGroup, Subnet, Vpc
from vpcgate.network.policy import Topology
from vpcgate.network.services import InstanceProcess

N4 = ipaddress.IPv4Network
IP = "10.218.1.10"
ALL_OUT = Rule("-1", -1, -1, cidr=N4("0.0.0.0/0"))
SERVER = """
import socket, sys
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2]))); srv.listen(128)
print("ready", flush=True)
while True:
    conn, _ = srv.accept()
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok")
    conn.close()
"""
REQUESTS = 400
COLD_STARTS = 20
LAUNCHES = 60
VPC = VpcConfig(("subnet-bench",), ("sg-fn",))


def _topology(python: str) -> tuple[Topology, Instance]:
    user_data = f"exec {python} -I -c '{SERVER}' 0.0.0.0 8080\n"
    instance = Instance("Web", "i-bench", "subnet-bench", ipaddress.IPv4Address(IP), ("sg-web",), user_data)
    web = SecurityGroup(
        "W", "sg-web", "vpc-bench", "", (Rule("tcp", 8080, 8080, group_id="sg-fn"),), (ALL_OUT,)
    )
    topology = Topology.build(
        vpcs=[Vpc("V", "vpc-bench", N4("10.218.0.0/16"))],
        subnets=[Subnet("S", "subnet-bench", "vpc-bench", N4("10.218.1.0/24"), "az")],
        groups=[web, SecurityGroup("F", "sg-fn", "vpc-bench", "", (), (ALL_OUT,))],
        instances=[instance],
    )
    return topology, instance


def _request_ms(host: str, port: int) -> float:
    start = time.perf_counter()
    with socket.create_connection((host, port), timeout=2) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        while s.recv(4096):
            pass
    return (time.perf_counter() - start) * 1000


def _p50(host: str, port: int) -> float:
    for _ in range(20):
        _request_ms(host, port)
    return statistics.median(_request_ms(host, port) for _ in range(REQUESTS))


def _wait_port(host: str, port: int, within: Callable[[Callable[[], None]], None] | None = None) -> None:
    def poll() -> None:
        for _ in range(500):
            try:
                socket.create_connection((host, port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"{host}:{port} never came up")

    (within or (lambda f: f()))(poll)


async def _build_and_measure(python: str) -> list[tuple[str, str]]:
    builds, stops = [], []
    for _ in range(5):
        topology, _ = _topology(python)
        net = NamespaceNetwork(topology)
        t0 = time.perf_counter()
        await net.start()
        await net.eni_for(["subnet-bench"], ["sg-fn"])
        builds.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        await net.stop()
        stops.append((time.perf_counter() - t0) * 1000)
    rows = [
        ("build VPC + subnet + instance ns + ENI (median of 5)", f"{statistics.median(builds):.1f} ms"),
        ("tear it all down (median of 5)", f"{statistics.median(stops):.1f} ms"),
    ]
    topology, instance = _topology(python)
    net = NamespaceNetwork(topology)
    await net.start()
    loopback = subprocess.Popen([python, "-I", "-c", SERVER, "127.0.0.1", "0"], stdout=subprocess.PIPE)
    process: InstanceProcess | None = None
    try:
        conf = UidAllocator(2_000_500_000).confinement("bench", net.instance_netns("i-bench"))
        process = InstanceProcess(instance, confinement=conf, cwd=Path("/"))
        await process.start()
        eni = await net.eni_for(["subnet-bench"], ["sg-fn"])
        await asyncio.to_thread(_wait_port, IP, 8080, lambda f: netns.call_in(eni.netns, f))
        port = _loopback_port(loopback.pid)
        through_eni = await asyncio.to_thread(netns.call_in, eni.netns, lambda: _p50(IP, 8080))
        over_loopback = await asyncio.to_thread(_p50, "127.0.0.1", port)
        rows += [
            (f"HTTP request p50 through the ENI ({REQUESTS} requests)", f"{through_eni * 1000:.0f} µs"),
            ("HTTP request p50 over loopback (same server code)", f"{over_loopback * 1000:.0f} µs"),
            ("added by the ENI path (p50 difference)", f"{(through_eni - over_loopback) * 1000:.0f} µs"),
        ]
        rows += _nft_rows(net)
    finally:
        loopback.kill()
        loopback.wait()
        if process is not None:
            await process.stop()
        await net.stop()
    return rows


class _ColdStarts:
    """Fresh VPC functions (each its own uid, ENI and mounts) started one at a time; Init Duration."""

    def __init__(self, net: NamespaceNetwork, runtime: str, private_mounts: bool, uid_base: int) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="vpcgate-bench-cold-"))
        os.chmod(self.work, 0o755)
        self.specs = [
            inline_spec(f"cold-{i}", runtime, ECHO[runtime], vpc_config=VPC) for i in range(COLD_STARTS)
        ]
        self.launchers = FunctionLaunchers(net, UidAllocator(uid_base), private_mounts=private_mounts)
        self.service = FunctionService(
            ServiceConfig(work_dir=self.work), launcher_for=self.launchers.launcher_for, log_sink=None
        )
        self.samples: list[float] = []

    async def one(self, spec: FunctionSpec) -> None:
        self.service.deploy(spec)
        result = await self.service.invoke(spec.name, b"{}")
        match = INIT_DURATION.search(result.log)
        assert match, result.log
        self.samples.append(float(match.group(1)))
        await self.service.pool(spec.name).close()

    async def close(self) -> None:
        await self.service.shutdown()
        self.launchers.close()
        shutil.rmtree(self.work, ignore_errors=True)


def _spawn_exit_ms(launcher: Launcher) -> float:
    """One start as ``Worker._spawn`` does it (with private mounts, each start makes its namespace)."""
    start = time.perf_counter()
    argv = launcher.command(["/bin/true"])
    env = launcher.env({TASK_ROOT: "/"})
    own = launcher.pass_fds()
    try:
        subprocess.run(argv, env=env, cwd="/", check=True, pass_fds=own)
    finally:
        launcher.spawned(own)
    return (time.perf_counter() - start) * 1000


async def _launcher_rows(net: NamespaceNetwork) -> list[tuple[str, str]]:
    """What a launcher's argv alone costs: spawn→exit of /bin/true through it, interleaved, for a
    VPC function and one without VpcConfig, with and without private mounts."""
    specs = [
        inline_spec("argv-vpc", "python3.11", ECHO["python3.11"], vpc_config=VPC),
        inline_spec("argv-host", "python3.11", ECHO["python3.11"]),
    ]
    rows = []
    for spec in specs:
        argvs = {}
        for private in (False, True):
            launchers = FunctionLaunchers(net, UidAllocator(2_000_800_000 + private), private_mounts=private)
            await launchers.prepare([spec])
            launcher = launchers.launcher_for(spec)
            argvs[private] = (launcher, launchers)
        samples: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(LAUNCHES):
            for private, (launcher, _) in argvs.items():
                samples[private].append(_spawn_exit_ms(launcher))
        where = "VPC" if spec.vpc_config else "no-VPC"
        for private, (_, launchers) in argvs.items():
            launchers.close()
            how = "with" if private else "without"
            rows.append(
                (
                    f"{where} launcher argv: spawn→exit of true, {how} private mounts (median of {LAUNCHES})",
                    f"{statistics.median(samples[private]):.2f} ms",
                )
            )
    return rows


async def _cold_rows(python: str) -> list[tuple[str, str]]:
    """With and without private mounts, interleaved (a busy host slows both alike)."""
    topology, _ = _topology(python)
    net = NamespaceNetwork(topology)
    await net.start()
    rows = []
    try:
        rows += await _launcher_rows(net)
        for runtime in ECHO:
            plain = _ColdStarts(net, runtime, False, 2_000_600_000)
            private = _ColdStarts(net, runtime, True, 2_000_700_000)
            try:
                await plain.launchers.prepare(plain.specs)
                await private.launchers.prepare(private.specs)
                for a, b in zip(plain.specs, private.specs, strict=True):
                    await plain.one(a)
                    await private.one(b)
            finally:
                await plain.close()
                await private.close()
            for how, run in (("without", plain), ("with", private)):
                rows.append(
                    (
                        f"cold start {runtime} VPC worker, {how} private mounts (median of {COLD_STARTS})",
                        f"{statistics.median(run.samples):.1f} ms",
                    )
                )
    finally:
        await net.stop()
    return rows


def _loopback_port(pid: int) -> int:
    for _ in range(500):
        out = subprocess.run(["ss", "-Htlnp"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if f"pid={pid}," in line:
                return int(line.split()[3].rsplit(":", 1)[1])
        time.sleep(0.01)
    raise RuntimeError("the loopback server never listened")


def _nft_rows(net: NamespaceNetwork) -> list[tuple[str, str]]:
    vpc_ns = net.namespaces()[0]
    vpc_id = next(iter(net.topology.vpcs))
    text = ruleset.replace_tables(
        ("inet", ruleset.render_inet(net.topology, vpc_id)),
        ("bridge", ruleset.render_bridge(net.topology, vpc_id)),
    )
    rows = []
    for label, nft in (("libnftables", Nft()), ("nft -f - (binary)", Nft(use_library=False))):
        samples = []
        for _ in range(20):
            t0 = time.perf_counter()
            nft.run(text, vpc_ns)
            samples.append((time.perf_counter() - t0) * 1000)
        name = f"replace a VPC ruleset via {label} (median of 20; kernel commit dominates)"
        rows.append((name, f"{statistics.median(samples):.2f} ms"))
        reads = []
        for _ in range(20):
            t0 = time.perf_counter()
            nft.run("list tables", vpc_ns)
            reads.append((time.perf_counter() - t0) * 1000)
        read_ms = statistics.median(reads)
        rows.append((f"read-only `list tables` via {label} (median of 20)", f"{read_ms:.2f} ms"))
    return rows


def _veth_rows() -> list[tuple[str, str]]:
    """A veth pair with addresses, up, in a scratch namespace: one ``ip -batch`` versus pyroute2."""
    from pyroute2 import IPRoute

    name = f"vpcgate-bench{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        ip_samples, pr_samples = [], []
        for i in range(15):
            batch = (
                f"link add va{i} type veth peer name vb{i}\naddr add 10.218.9.{i + 1}/32 dev va{i}\n"
                f"link set va{i} up\nlink set vb{i} up\n"
            )
            t0 = time.perf_counter()
            subprocess.run(["ip", "-n", name, "-batch", "-"], input=batch, text=True, check=True)
            ip_samples.append((time.perf_counter() - t0) * 1000)

            def with_pyroute2(i: int = i) -> float:
                t0 = time.perf_counter()
                with IPRoute() as ipr:
                    ipr.link("add", ifname=f"pa{i}", kind="veth", peer=f"pb{i}")
                    a = ipr.link_lookup(ifname=f"pa{i}")[0]
                    b = ipr.link_lookup(ifname=f"pb{i}")[0]
                    ipr.addr("add", index=a, address=f"10.218.8.{i + 1}", prefixlen=32)
                    ipr.link("set", index=a, state="up")
                    ipr.link("set", index=b, state="up")
                return (time.perf_counter() - t0) * 1000

            pr_samples.append(netns.call_in(netns.netns_path(name), with_pyroute2))
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)
    return [
        (
            "veth pair + address + up: one `ip -batch` (median of 15)",
            f"{statistics.median(ip_samples):.2f} ms",
        ),
        ("veth pair + address + up: pyroute2 (median of 15)", f"{statistics.median(pr_samples):.2f} ms"),
    ]


def run() -> list[tuple[str, str]]:
    if os.geteuid() != 0:
        return [("network namespaces", "skipped: needs root")]
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    rows = asyncio.run(_build_and_measure(python))
    return rows + _veth_rows() + asyncio.run(_cold_rows(python))


if __name__ == "__main__":
    for row in run():
        print(*row, sep=" | ")
