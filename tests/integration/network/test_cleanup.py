"""Nothing is left behind: not after stop(), not after SIGKILL once the next run has started."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.integration.network.conftest import N4, Lab, needs_root
from vpcgate.network.enforce import iproute, runs
from vpcgate.network.enforce.namespaces import NamespaceNetwork
from vpcgate.network.model import Subnet, Vpc
from vpcgate.network.policy import Topology

pytestmark = needs_root


async def _objects(marker: str) -> list[str]:
    """Every kernel object carrying ``marker``: namespaces, routes, and any stray veth in the host."""
    found = [n for n in await iproute.netns_names() if n.startswith(f"{runs.PREFIX}{marker}-")]
    found += [f"route {d}" for d, m in await runs.unreachable_routes() if m == int(marker, 16)]
    links = await iproute.query(["link", "show", "type", "veth"])
    found += [
        f"veth {link['ifname']}" for link in links if re.fullmatch(r"v[0-9a-f]{8}", str(link["ifname"]))
    ]
    return found


async def test_stop_removes_everything(lab: Lab) -> None:
    await lab.network.eni_for(["subnet-a2"], ["sg-fn"])
    marker = lab.network.marker
    assert len(await _objects(marker)) >= 6  # 2 VPCs + 4 instances + 1 ENI + 2 routes
    tables = subprocess.run(
        ["ip", "netns", "exec", lab.network.namespaces()[0], "nft", "-j", "list", "tables"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [t["table"]["family"] for t in json.loads(tables.stdout)["nftables"] if "table" in t]
    assert sorted(names) == ["bridge", "inet"]
    for process in lab.instances.values():
        await process.stop()
    await lab.network.stop()
    assert await _objects(marker) == []


def _alive(pid: int) -> bool:
    """Running (a killed orphan may linger as a zombie until its new parent reaps it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


CHILD = """
import asyncio, ipaddress, sys
from pathlib import Path
from vpcgate.network.enforce.namespaces import NamespaceNetwork
from vpcgate.network.model import Instance, Subnet, Vpc, SecurityGroup
from vpcgate.network.confine import Confinement
from vpcgate.network.services import InstanceProcess
from vpcgate.network.policy import Topology
N4 = ipaddress.IPv4Network
ip = ipaddress.IPv4Address("10.215.1.9")
inst = Instance("I", "i-k", "subnet-k", ip, ("sg-k",), "sleep 60 &\\nexec sleep 61\\n")
async def main():
    topo = Topology.build(
        vpcs=[Vpc("V", "vpc-k", N4("10.215.0.0/16"))],
        subnets=[Subnet("S", "subnet-k", "vpc-k", N4("10.215.1.0/24"), "az")],
        groups=[SecurityGroup("G", "sg-k", "vpc-k", "", (), ())],
        instances=[inst],
    )
    net = NamespaceNetwork(topo)
    await net.start()
    await net.eni_for(["subnet-k"], ["sg-k"])
    conf = Confinement(2000200000, 2000200000, net.instance_netns("i-k"))
    await InstanceProcess(inst, confinement=conf, cwd=Path("/")).start()
    await asyncio.sleep(0.2)
    print(net.marker, flush=True)
    await asyncio.sleep(60)
asyncio.run(main())
"""


async def test_leftovers_of_a_killed_run_are_removed_at_next_start() -> None:
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", CHILD, stdout=asyncio.subprocess.PIPE)
    try:
        assert child.stdout is not None
        marker = (await asyncio.wait_for(child.stdout.readline(), 20)).decode().strip()
        assert len(marker) == 6, marker
        os.kill(child.pid, signal.SIGKILL)
        await child.wait()
        leftovers = await _objects(marker)
        assert len(leftovers) == 4, leftovers  # VPC, instance and ENI namespaces, the route
        orphans = await iproute.netns_pids(f"{runs.PREFIX}{marker}-i0")
        assert orphans  # what the user data left in the background outlives the killed run
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    topo = Topology.build(
        vpcs=[Vpc("W", "vpc-w", N4("10.216.0.0/16"))],
        subnets=[Subnet("S", "subnet-w", "vpc-w", N4("10.216.1.0/24"), "az")],
    )
    fresh = NamespaceNetwork(topo)
    await fresh.start()
    fresh_marker = fresh.marker
    try:
        assert await _objects(marker) == []
        assert fresh.marker != marker
        assert not [pid for pid in orphans if _alive(pid)]
    finally:
        await fresh.stop()
    assert await _objects(fresh_marker) == []


async def test_a_second_run_leaves_a_live_run_alone(lab: Lab) -> None:
    before = await _objects(lab.network.marker)
    topo = Topology.build(
        vpcs=[Vpc("X", "vpc-x", N4("10.220.0.0/16"))],
        subnets=[Subnet("S", "subnet-x", "vpc-x", N4("10.220.1.0/24"), "az")],
    )
    second = NamespaceNetwork(topo)
    await second.start()
    try:
        assert await _objects(lab.network.marker) == before
    finally:
        await second.stop()
    assert await _objects(lab.network.marker) == before


CRASH = """
import asyncio, ipaddress
from vpcgate.network.enforce.namespaces import NamespaceNetwork
from vpcgate.network.model import Subnet, Vpc
from vpcgate.network.policy import Topology
N4 = ipaddress.IPv4Network
async def main():
    topo = Topology.build(
        vpcs=[Vpc("V", "vpc-c", N4("10.221.0.0/16"))],
        subnets=[Subnet("S", "subnet-c", "vpc-c", N4("10.221.1.0/24"), "az")],
    )
    net = NamespaceNetwork(topo)
    await net.start()
    print(net.marker, flush=True)
    raise RuntimeError("a bug that forgets stop()")
asyncio.run(main())
"""


async def test_an_unhandled_error_still_cleans_up_at_exit() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRASH, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 1
    marker = out.decode().strip()
    assert len(marker) == 6
    assert await _objects(marker) == []
