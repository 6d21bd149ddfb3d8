"""User-namespace mode, run as a non-root user: the same reachability and confinement checks.

As root, the test drops to ``nobody`` for a child that enters the user namespace and builds the VPC
there; as a non-root user it runs the child directly. Skipped, with the kernel's reason, where
unprivileged user namespaces are not allowed. No check from the host's namespace: in this mode the
host has no unreachable routes, so vpcgate's own process never connects to a VPC address here.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from tests.integration.network.conftest import HERE, world_python

SRC = Path(__file__).resolve().parents[3] / "src"

CHILD = r"""
import asyncio, ipaddress, json, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
PROBE = Path(sys.argv[2]).read_text()
from vpcgate.errors import ConfigError
from vpcgate.network.userns import enter_userns, in_userns
try:
    enter_userns()
except ConfigError as exc:
    print(json.dumps({"skip": str(exc)})); sys.exit(0)
from vpcgate.network.confine import UidAllocator
from vpcgate.network.enforce.namespaces import NamespaceNetwork
from vpcgate.network.model import Instance, Rule, SecurityGroup, Subnet, Vpc
from vpcgate.network.policy import Topology
from vpcgate.network.services import InstanceProcess
N4 = ipaddress.IPv4Network
ALL = Rule("-1", -1, -1, cidr=N4("0.0.0.0/0"))
SERVER = ("import socket\n"
    "s = socket.socket(); s.bind(('0.0.0.0', 8080)); s.listen(8)\n"
    "while True:\n"
    "    c, _ = s.accept(); c.recv(100); c.sendall(b'HTTP/1.0 200 OK\\r\\n\\r\\nuserns'); c.close()\n")
inst = Instance("W", "i-web", "subnet-u", ipaddress.IPv4Address("10.219.1.10"), ("sg-web",),
                f"#!{sys.executable}\n" + SERVER)

async def probe(uids, who, eni, attempt, **kw):
    proc = await asyncio.create_subprocess_exec(sys.executable, "-I", "-c", PROBE, attempt, json.dumps(kw),
        stdout=asyncio.subprocess.PIPE, preexec_fn=uids.confinement(who, eni.netns).preexec(), cwd="/")
    out, _ = await proc.communicate()
    return json.loads(out)

async def main():
    topo = Topology.build(
        vpcs=[Vpc("V", "vpc-u", N4("10.219.0.0/16"))],
        subnets=[Subnet("S", "subnet-u", "vpc-u", N4("10.219.1.0/24"), "az")],
        groups=[SecurityGroup("W", "sg-web", "vpc-u", "", (Rule("tcp", 8080, 8080, group_id="sg-fn"),),
                              (ALL,)),
                SecurityGroup("F", "sg-fn", "vpc-u", "", (), (ALL,)),
                SecurityGroup("O", "sg-other", "vpc-u", "", (), (ALL,))],
        instances=[inst])
    net = NamespaceNetwork(topo, reject=True, userns=True)
    await net.start()
    uids = UidAllocator(keep_ids=True)
    conf = uids.confinement("i-web", net.instance_netns("i-web"))
    process = InstanceProcess(inst, confinement=conf, cwd=Path("/"))
    out = {"in_userns": in_userns()}
    try:
        await process.start()
        fn = await net.eni_for(["subnet-u"], ["sg-fn"])
        other = await net.eni_for(["subnet-u"], ["sg-other"])
        for _ in range(100):
            out["allowed"] = await probe(uids, "fn", fn, "tcp", host="10.219.1.10", port=8080)
            if out["allowed"]["escaped"]:
                break
            await asyncio.sleep(0.05)
        out["other group"] = await probe(uids, "other", other, "tcp", host="10.219.1.10", port=8080)
        out["other port"] = await probe(uids, "fn", fn, "tcp", host="10.219.1.10", port=8081)
        out["metadata"] = await probe(uids, "fn", fn, "route_to", host="169.254.169.254")
        out["nft flush"] = await probe(uids, "fn", fn, "run", argv=["nft", "flush", "ruleset"])
        argv = ["ip", "addr", "add", "10.219.1.99/24", "dev", "eth0"]
        out["add address"] = await probe(uids, "fn", fn, "run", argv=argv)
        out["setns host"] = await probe(uids, "fn", fn, "setns", path="/proc/1/ns/net")
        out["raw socket"] = await probe(uids, "fn", fn, "raw_socket")
        out["capabilities"] = await probe(uids, "fn", fn, "status", userns=True)
        out["after flush"] = await probe(uids, "other", other, "tcp", host="10.219.1.10", port=8080)
    finally:
        await process.stop()
        await net.stop()
    print(json.dumps(out))

asyncio.run(main())
"""


def _readable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


async def test_reachability_and_confinement_in_user_namespace_mode() -> None:
    python = world_python()
    if os.geteuid() == 0:
        if python is None or not _readable_by_others(SRC):
            pytest.skip("no Python and source tree that the nobody user can read")
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", python]
    else:
        argv = [sys.executable]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    proc = await asyncio.create_subprocess_exec(
        *argv, "-c", CHILD, str(SRC), str(HERE / "probe.py"), stdout=asyncio.subprocess.PIPE, env=env, cwd="/"
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out
    result = json.loads(out.decode().strip().splitlines()[-1])
    if "skip" in result:
        pytest.skip(f"user namespaces unavailable: {result['skip']}")
    assert result.pop("in_userns") is True
    allowed = result.pop("allowed")
    assert allowed["escaped"] and "userns" in allowed["detail"], allowed
    escaped = {name: r for name, r in result.items() if r["escaped"]}
    assert not escaped, escaped
