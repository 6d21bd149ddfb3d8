"""VPCs built from Linux network namespaces, with security groups enforced by nftables.

Layout (root privileges required)::

    root namespace          unreachable route for every VPC CIDR (nothing for a VPC leaves the host)
    vpcgate-<m>-vpc<n>      one per VPC: a bridge per subnet holding the subnet's router address
      │                     (network + 1), IPv4 forwarding between its subnets, the ruleset of
      │                     ``ruleset.py`` (anti-spoofing per port, security groups, deny), no process
      ├── veth ─ vpcgate-<m>-i<n>   one per instance: ``eth0`` with its private address
      └── veth ─ vpcgate-<m>-e<n>   one per function ENI, shared by every worker of the same subnet
                                    and security-group set (as Lambda's Hyperplane ENIs are)

An interface's namespace has IPv6 disabled, a route to its VPC's CIDR through the subnet router and
an ``unreachable`` default route: 169.254.169.254 and the rest of the world fail at once. Enforcement
lives in the VPC namespace, outside every namespace where code runs. Every object carries the run's
marker (``runs.py``): ``stop()`` removes them all, and the next ``start()`` removes a killed run's.

Errors::

    NetworkError          not root; a VPC CIDR overlaps a host route; ip or nft refused something
    DeployError           (from policy.Topology) an unknown subnet or group, a bad address
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ipaddress
import logging
import os
import signal
import socket
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vpcgate.deploy.ids import hex_id
from vpcgate.errors import DeployError
from vpcgate.functions.model import FunctionSpec
from vpcgate.network.confine import Confinement
from vpcgate.network.enforce import iproute, netns, ruleset, runs
from vpcgate.network.enforce.nft import Nft
from vpcgate.network.errors import NetworkError
from vpcgate.network.policy import Endpoint, EndpointKind, Topology, router_address

log = logging.getLogger("vpcgate.network")
_VPC_SYSCTLS = {
    "net.ipv4.ip_forward": "1",
    "net.ipv4.conf.all.rp_filter": "1",
    "net.ipv4.conf.default.rp_filter": "1",
    "net.ipv6.conf.all.disable_ipv6": "1",
    "net.ipv6.conf.default.disable_ipv6": "1",
}
_ENDPOINT_SYSCTLS = {
    "net.ipv6.conf.all.disable_ipv6": "1",
    "net.ipv6.conf.default.disable_ipv6": "1",
    # UserData runs as root on EC2 and services bind ports below 1024 (nginx on 80); here it runs as
    # an unprivileged uid, so the interface's own namespace lets any uid bind any port
    "net.ipv4.ip_unprivileged_port_start": "0",
}


@dataclass(frozen=True)
class Eni:
    """A function ENI: an address in a subnet, its security groups, and the namespace that holds it."""

    eni_id: str
    subnet_id: str
    ip: ipaddress.IPv4Address
    security_group_ids: tuple[str, ...]
    netns_name: str

    @property
    def netns(self) -> Path:
        return netns.netns_path(self.netns_name)

    def confinement(self, uid: int, gid: int) -> Confinement:
        return Confinement(uid=uid, gid=gid, netns=self.netns)

    def preexec(self, uid: int, gid: int) -> Callable[[], None]:
        """A ``preexec_fn``: enter this ENI's namespace, become ``uid``/``gid``, drop every privilege."""
        return self.confinement(uid, gid).preexec()

    async def connect(self, host: str, port: int) -> socket.socket:
        """A TCP connection made from this ENI (a VPC link's way in): the socket is created inside the
        namespace, connected from the caller's event loop, and stays subject to the VPC's rules.
        Use it with ``asyncio.open_connection(sock=...)``."""
        sock = netns.call_in(self.netns, lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, (host, port))
        except BaseException:
            sock.close()
            raise
        return sock

    def wrap_argv(self, argv: list[str], uid: int, gid: int) -> list[str]:
        """``argv`` prefixed with ``ip netns exec`` + ``setpriv`` (same effect as :meth:`preexec`)."""
        return self.confinement(uid, gid).wrap_argv(argv)


class NamespaceNetwork:
    """Builds, extends (function ENIs) and tears down the namespaces of a :class:`Topology`."""

    def __init__(
        self,
        topology: Topology,
        *,
        reject: bool = False,
        nft: Nft | None = None,
        userns: bool = False,
    ) -> None:
        """``userns=True`` (user-namespace mode, ``vpcgate.network.userns``): the host's namespace is
        not ours, so no unreachable routes there, and namespaces are made without ``ip netns add``."""
        self._topology = topology
        self._reject = reject
        self._nft = nft or Nft()
        self._lock: runs.RunLock | None = None
        self._vpc_ns: dict[str, str] = {}
        self._endpoint_ns: dict[ipaddress.IPv4Address, str] = {}
        self._enis: dict[tuple[str, tuple[str, ...]], Eni] = {}
        self._mutex = asyncio.Lock()
        self._routes: list[str] = []
        self._userns = userns

    @property
    def topology(self) -> Topology:
        return self._topology

    @property
    def marker(self) -> str:
        if self._lock is None:
            raise NetworkError("the network is not started")
        return self._lock.marker

    def namespaces(self) -> list[str]:
        return [*self._vpc_ns.values(), *self._endpoint_ns.values()]

    def instance_netns(self, instance_id: str) -> Path:
        for ip, name in self._endpoint_ns.items():
            if self._topology.endpoints[ip].name == instance_id:
                return netns.netns_path(name)
        raise KeyError(instance_id)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if os.geteuid() != 0:  # (in user-namespace mode: root of our own user namespace)
            raise NetworkError("namespace mode needs root (try --network-mode userns or guard)")
        await runs.collect_leftovers()
        self._lock = runs.RunLock.acquire()
        atexit.register(self._stop_at_exit)
        try:
            await self._build()
        except BaseException:
            await self.stop()
            raise

    async def _build(self) -> None:
        await self._check_host_routes()
        await self._add_unreachable_routes()
        for vpc_id in self._topology.vpcs:
            await self._create_vpc(vpc_id)
        endpoints = list(self._topology.endpoints.values())
        await asyncio.gather(*(self._create_endpoint(ep) for ep in endpoints))

    async def stop(self) -> None:
        """Kill what runs in our namespaces, delete them and our routes, release the marker."""
        names = self.namespaces()
        try:
            if names:
                await runs.delete_namespaces(names)
            metric = self._lock.metric if self._lock else 0
            await iproute.batch(
                [f"route del unreachable {d} proto {runs.ROUTE_PROTO} metric {metric}" for d in self._routes]
            )
        finally:
            self._forget()

    def _forget(self) -> None:
        self._vpc_ns.clear()
        self._endpoint_ns.clear()
        self._routes.clear()
        atexit.unregister(self._stop_at_exit)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _stop_at_exit(self) -> None:
        """Last resort when the interpreter exits without ``stop()`` (an unhandled error, say)."""
        metric = self._lock.metric if self._lock else 0
        for name in self.namespaces():
            pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, check=False)
            for pid in pids.stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
        for dst in self._routes:
            argv = [
                "ip",
                "route",
                "del",
                "unreachable",
                dst,
                "proto",
                str(runs.ROUTE_PROTO),
                "metric",
                str(metric),
            ]
            subprocess.run(argv, capture_output=True, check=False)
        self._forget()

    # -- function ENIs -------------------------------------------------------------------------

    async def eni_for(self, subnet_ids: Sequence[str], security_group_ids: Sequence[str]) -> Eni:
        """The ENI shared by every function with this subnet and group set (created on first use).

        With several subnets, the ENI goes in the first (AWS picks one per invocation; we pick one).
        """
        if self._lock is None:
            raise NetworkError("the network is not started")
        if not subnet_ids:
            raise NetworkError("a VpcConfig needs at least one subnet")
        groups = tuple(sorted(set(security_group_ids)))
        key = (subnet_ids[0], groups)
        async with self._mutex:
            if key in self._enis:
                return self._enis[key]
            vpcs = {self._topology.vpc_of_subnet(s).vpc_id for s in subnet_ids if s in self._topology.subnets}
            if len(vpcs) > 1:
                raise NetworkError(f"subnets {', '.join(subnet_ids)} belong to different VPCs")
            ip = self._topology.next_free_address(key[0])
            endpoint = Endpoint(hex_id("eni", key[0], *groups), EndpointKind.FUNCTION, key[0], ip, groups)
            self._topology = self._topology.with_endpoint(endpoint)
            await self._create_endpoint(endpoint)
            await self._apply_rules(self._topology.vpc_of(endpoint).vpc_id)
            eni = Eni(endpoint.name, key[0], ip, groups, self._endpoint_ns[ip])
            self._enis[key] = eni
            return eni

    async def eni_for_function(self, spec: FunctionSpec) -> Eni | None:
        """The ENI of a function with a VpcConfig; None for a function outside any VPC."""
        if spec.vpc_config is None:
            return None
        try:
            return await self.eni_for(spec.vpc_config.subnet_ids, spec.vpc_config.security_group_ids)
        except DeployError as exc:
            raise DeployError(spec.logical_id, exc.message) from None

    # -- steps -----------------------------------------------------------------------------------

    async def _check_host_routes(self) -> None:
        data = await iproute.query(["-4", "route", "show", "table", "all"])
        for route in data:
            dst = str(route.get("dst", "default"))
            if dst == "default" or str(route.get("protocol")) == str(runs.ROUTE_PROTO):
                continue
            if route.get("type") in ("unreachable", "blackhole", "prohibit"):
                continue  # it only keeps packets for the range here: what a VPC wants
            net = ipaddress.ip_network(dst, strict=False)
            for vpc in self._topology.vpcs.values():
                if net.overlaps(vpc.cidr):
                    raise NetworkError(
                        f"VPC {vpc.vpc_id} ({vpc.cidr}) overlaps this host's route to {dst}"
                        f" ({route.get('dev', route.get('type', ''))}): choose another CIDR"
                    )

    async def _add_unreachable_routes(self) -> None:
        assert self._lock is not None
        if self._userns:
            log.warning("user-namespace mode: no unreachable routes in the host's namespace for VPC CIDRs")
            return
        cidrs = sorted({str(v.cidr) for v in self._topology.vpcs.values()})
        for cidr in cidrs:
            await iproute.batch(
                [f"route add unreachable {cidr} proto {runs.ROUTE_PROTO} metric {self._lock.metric}"]
            )
            self._routes.append(cidr)

    async def _add_netns(self, name: str) -> None:
        if self._userns:
            await asyncio.to_thread(netns.create_named, name)
        else:
            await iproute.batch([f"netns add {name}"])

    def _name(self, role: str, index: int) -> str:
        return runs.namespace_name(self.marker, role, index)

    async def _create_vpc(self, vpc_id: str) -> None:
        name = self._name("vpc", len(self._vpc_ns))
        await self._add_netns(name)
        self._vpc_ns[vpc_id] = name
        await netns.acall_in(netns.netns_path(name), lambda: netns.write_sysctls(_VPC_SYSCTLS))
        # the whole VPC's rules (every instance known now) before any port exists: one nftables
        # transaction per VPC, as each costs ~12-16 ms of kernel commit time here (bench/network.py)
        await self._apply_rules(vpc_id)
        lines = ["link set lo up"]
        for subnet in self._topology.subnets.values():
            if subnet.vpc_id != vpc_id:
                continue
            bridge = ruleset.bridge_name(subnet)
            lines += [
                f"link add {bridge} type bridge nf_call_iptables 1 nf_call_ip6tables 1 mcast_snooping 0",
                f"addr add {router_address(subnet)}/{subnet.cidr.prefixlen} dev {bridge}",
                f"link set {bridge} up",
            ]
        await iproute.batch(lines, name)

    async def _create_endpoint(self, ep: Endpoint) -> None:
        subnet = self._topology.subnets[ep.subnet_id]
        vpc = self._topology.vpcs[subnet.vpc_id]
        role = "i" if ep.kind is EndpointKind.INSTANCE else "e"
        name = self._name(role, len(self._endpoint_ns))
        self._endpoint_ns[ep.ip] = name  # reserved before the first await: gather() runs these at once
        await self._add_netns(name)
        await netns.acall_in(netns.netns_path(name), lambda: netns.write_sysctls(_ENDPOINT_SYSCTLS))
        port = ruleset.port_name(ep.ip)
        await iproute.batch(
            [
                f"link add {port} type veth peer name eth0 netns {name} address {ruleset.mac_of(ep.ip)}",
                f"link set {port} master {ruleset.bridge_name(subnet)} up",
            ],
            self._vpc_ns[vpc.vpc_id],
        )
        await iproute.batch(
            [
                "link set lo up",
                f"addr add {ep.ip}/{subnet.cidr.prefixlen} dev eth0",
                "link set eth0 up",
                f"route add {vpc.cidr} via {router_address(subnet)} dev eth0",
                "route add unreachable default",
            ],
            name,
        )

    async def _apply_rules(self, vpc_id: str) -> None:
        text = ruleset.replace_tables(
            ("inet", ruleset.render_inet(self._topology, vpc_id, reject=self._reject)),
            ("bridge", ruleset.render_bridge(self._topology, vpc_id)),
        )
        await asyncio.to_thread(self._nft.run, text, self._vpc_ns[vpc_id])
