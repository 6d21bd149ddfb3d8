"""A lab of real namespaces: two VPCs, instances running small servers, ENIs, and a probe to run inside.

Root only (skipped with the reason otherwise). Addresses: 10.213.0.0/16 and 10.214.0.0/16, with
unreachable routes in the root namespace installed by the network before any packet; nothing is
sent anywhere else. Everything is removed in ``finally`` blocks, failures included.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vpcgate.network.confine import Confinement, UidAllocator
from vpcgate.network.enforce.namespaces import Eni, NamespaceNetwork
from vpcgate.network.enforce.nft import nft_available
from vpcgate.network.model import Instance, Rule, SecurityGroup, SecurityGroupRuleAttachment, Subnet, Vpc
from vpcgate.network.policy import Topology
from vpcgate.network.services import InstanceProcess

HERE = Path(__file__).resolve().parent
PROBE = (HERE / "probe.py").read_text()
N4 = ipaddress.IPv4Network
V4 = ipaddress.IPv4Address
ALL_OUT = Rule("-1", -1, -1, cidr=N4("0.0.0.0/0"))
UID_BASE = 2_000_100_000


def _world_executable(path: Path) -> bool:
    real = path.resolve()
    for part in [real, *real.parents]:
        mode = part.stat().st_mode
        if not mode & stat.S_IXOTH:
            return False
    return bool(real.stat().st_mode & stat.S_IROTH)


def world_python() -> str | None:
    """A Python an unprivileged uid may run (the venv's may live under a 0700 home)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", sys.executable):
        path = Path(candidate)
        if path.exists() and _world_executable(path):
            return str(path)
    return None


def skip_reason() -> str | None:
    if os.geteuid() != 0:
        return f"namespace tests need root (euid is {os.geteuid()})"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    if not nft_available():
        return "nftables (libnftables or nft) is not installed"
    if world_python() is None:
        return "no Python executable by an unprivileged uid"
    return None


SKIP = skip_reason()
needs_root = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")

SERVER = """#!{python}
import socket, sys, threading
name = {name!r}
def tcp(port):
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port)); srv.listen(64)
    while True:
        conn, peer = srv.accept()
        conn.recv(1024)
        conn.sendall(("HTTP/1.0 200 OK\\r\\n\\r\\n" + name + ":" + str(port)).encode()); conn.close()
def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(2048)
        print("udp from", peer[0], data.decode(errors="replace"), flush=True)
for p in {tcp_ports!r}:
    threading.Thread(target=tcp, args=(p,), daemon=True).start()
threading.Thread(target=udp, args=(9999,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"""


class LogTap(logging.Handler):
    """Collects the instances' log lines so that tests can wait for ``ready`` and look for datagrams."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    async def wait_for(self, text: str, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not any(text in line for line in self.lines):
            if loop.time() > deadline:
                raise AssertionError(f"no log line with {text!r}; got {self.lines[-10:]}")
            await asyncio.sleep(0.02)


def host_mounts() -> list[str]:
    """vpcgate's own mount table (mountinfo): a confined worker must never add to it."""
    return Path("/proc/self/mountinfo").read_text().splitlines()


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A directory outside /tmp (so nothing is bound back into a private /tmp) that the functions'
    unprivileged uids can traverse."""
    path = Path(tempfile.mkdtemp(prefix="vpcgate-outside-tmp-", dir="/var/tmp"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def log_tap() -> Iterator[LogTap]:
    tap = LogTap()
    logger = logging.getLogger("vpcgate.instances")
    logger.addHandler(tap)
    logger.setLevel(logging.INFO)
    try:
        yield tap
    finally:
        logger.removeHandler(tap)


def _sg(
    gid: str, vpc: str, ingress: tuple[Rule, ...] = (), egress: tuple[Rule, ...] = (ALL_OUT,)
) -> SecurityGroup:
    return SecurityGroup(gid, gid, vpc, gid, ingress, egress)


def lab_topology(python: str) -> tuple[Topology, list[Instance]]:
    """Two VPCs; instances web (admits sg-fn on 8080, udp 9999), peer (self-referencing group),
    db (admits nothing), far (another VPC, admits everything)."""

    def inst(iid: str, subnet: str, ip: str, group: str, ports: tuple[int, ...] = (8080,)) -> Instance:
        code = SERVER.format(python=python, name=iid, tcp_ports=list(ports))
        return Instance(iid, iid, subnet, V4(ip), (group,), code)

    fn = Rule("tcp", 8080, 8080, group_id="sg-fn")
    narrow_in = Rule("tcp", 8080, 8081, group_id="sg-narrow")
    instances = [
        inst("i-web", "subnet-a1", "10.213.1.10", "sg-web", (8080, 8081)),
        inst("i-peer", "subnet-a2", "10.213.2.20", "sg-peer"),
        inst("i-db", "subnet-a2", "10.213.2.30", "sg-db"),
        inst("i-far", "subnet-b1", "10.214.1.10", "sg-far"),
    ]
    self_rule = Rule("tcp", 8080, 8080, group_id="sg-peer")
    topology = Topology.build(
        vpcs=[Vpc("A", "vpc-a", N4("10.213.0.0/16")), Vpc("B", "vpc-b", N4("10.214.0.0/16"))],
        subnets=[
            Subnet("A1", "subnet-a1", "vpc-a", N4("10.213.1.0/24"), "az1"),
            Subnet("A2", "subnet-a2", "vpc-a", N4("10.213.2.0/24"), "az2"),
            Subnet("B1", "subnet-b1", "vpc-b", N4("10.214.1.0/24"), "az1"),
        ],
        groups=[
            _sg("sg-web", "vpc-a", ingress=(fn, narrow_in, Rule("udp", 9999, 9999, group_id="sg-fn"))),
            _sg("sg-fn", "vpc-a"),
            _sg("sg-other", "vpc-a"),
            _sg("sg-narrow", "vpc-a", egress=(Rule("tcp", 8080, 8080, cidr=N4("10.213.0.0/16")),)),
            _sg("sg-peer", "vpc-a"),
            _sg("sg-db", "vpc-a"),
            _sg("sg-far", "vpc-b", ingress=(Rule("-1", -1, -1, cidr=N4("0.0.0.0/0")),)),
        ],
        attachments=[SecurityGroupRuleAttachment("PeerSelf", "sg-peer", "ingress", self_rule)],
        instances=instances,
    )
    return topology, instances


@dataclass
class Lab:
    network: NamespaceNetwork
    python: str
    workdir: Path
    uids: UidAllocator = field(default_factory=lambda: UidAllocator(UID_BASE))
    instances: dict[str, InstanceProcess] = field(default_factory=dict)

    def confinement(self, who: str, eni: Eni | None) -> Confinement:
        return self.uids.confinement(who, eni.netns if eni else None)

    async def probe(self, who: str, eni: Eni | None, attempt: str, **args: Any) -> dict[str, Any]:
        """Run one probe attempt as function ``who`` (its own uid) inside ``eni`` (None: host network)."""
        proc = await asyncio.create_subprocess_exec(
            self.python,
            "-I",
            "-c",
            PROBE,
            attempt,
            json.dumps(args),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd="/",
            preexec_fn=self.confinement(who, eni).preexec(),
        )
        out, err = await asyncio.wait_for(proc.communicate(), 20)
        if proc.returncode != 0:
            raise AssertionError(f"probe {attempt} crashed: {err.decode()[-500:]}")
        result: dict[str, Any] = json.loads(out)
        return result


@pytest.fixture
async def lab(log_tap: LogTap) -> AsyncIterator[Lab]:
    python = world_python()
    assert python is not None
    workdir = Path(tempfile.mkdtemp(prefix="vpcgate-lab-"))
    os.chmod(workdir, 0o755)
    topology, instances = lab_topology(python)
    network = NamespaceNetwork(topology, reject=True)
    lab = Lab(network, python, workdir)
    await network.start()
    try:
        for instance in instances:
            iid = instance.instance_id
            confinement = lab.uids.confinement(iid, network.instance_netns(iid))
            process = InstanceProcess(instance, confinement=confinement, cwd=workdir)
            lab.instances[iid] = process
            await process.start()
        for name in lab.instances:
            await log_tap.wait_for(f"{name}: ready")
        yield lab
    finally:
        for process in lab.instances.values():
            await process.stop()
        await network.stop()
        shutil.rmtree(workdir, ignore_errors=True)
