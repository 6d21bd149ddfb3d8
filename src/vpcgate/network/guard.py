"""Guard mode (no root, no user namespaces): the weaker, clearly announced fallback.

There are no namespaces to enforce anything, so the decision moves to the one place that sees every
connection a built-in runtime makes: its connect hook. This module gives that hook its data:

- each instance gets a loopback alias (``127.<b>.<c>.<d>`` from the last three bytes of its private
  address; every 127/8 address is local on Linux, no setup needed) to listen on, given to its
  UserData as ``HOST`` and ``VPCGATE_PRIVATE_IP``;
- each VPC-attached function gets an address on paper in its subnet (as an ENI would);
- :meth:`Guard.table` is the JSON-ready allow table of one function: which (protocol, port range) it
  may open to which private address, computed from the same rules as :func:`policy.decide`, and the
  alias to dial instead. A runtime that finds a VPC address not in its table refuses the connection.

Code that opens its own sockets (a native module, a subprocess) is not stopped: that is why
``choose_mode`` names this mode weaker.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from vpcgate.deploy.ids import hex_id
from vpcgate.errors import DeployError
from vpcgate.functions.model import FunctionSpec
from vpcgate.network.model import Instance, Rule
from vpcgate.network.policy import Endpoint, EndpointKind, Topology, protocol_number

_PORTED = (6, 17)
PortRange = tuple[int | None, int, int]  # (protocol number or None for all, first port, last port)


def loopback_alias(ip: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(b"\x7f" + ip.packed[1:])


def _range(rule: Rule) -> PortRange:
    proto = protocol_number(rule.protocol)
    if proto is None or proto not in _PORTED or rule.from_port == -1:
        return (proto, 0, 65535)
    return (proto, rule.from_port, rule.to_port)


def _intersect(a: PortRange, b: PortRange) -> PortRange | None:
    if a[0] is not None and b[0] is not None and a[0] != b[0]:
        return None
    proto = a[0] if a[0] is not None else b[0]
    lo, hi = max(a[1], b[1]), min(a[2], b[2])
    return (proto, lo, hi) if lo <= hi else None


def _peer_ok(rule: Rule, peer: ipaddress.IPv4Address, topo: Topology) -> bool:
    if rule.cidr is not None:
        return rule.cidr.version == 4 and peer in rule.cidr
    return rule.group_id is not None and peer in topo.members(rule.group_id)


def allowed_ranges(topo: Topology, source: Endpoint, dest: Endpoint) -> list[PortRange]:
    """What ``source`` may open to ``dest``: egress of one side intersected with ingress of the other.

    ICMP and other port-less protocols come out as the whole 0-65535 range of that protocol.
    """
    if dest.kind is EndpointKind.FUNCTION or topo.vpc_of(source).vpc_id != topo.vpc_of(dest).vpc_id:
        return []
    out: list[PortRange] = []
    for egress in topo.rules(source, "egress"):
        if not _peer_ok(egress, dest.ip, topo):
            continue
        for ingress in topo.rules(dest, "ingress"):
            if _peer_ok(ingress, source.ip, topo) and (both := _intersect(_range(egress), _range(ingress))):
                out.append(both)
    return sorted(set(out), key=lambda r: (r[0] if r[0] is not None else -1, r[1], r[2]))


@dataclass
class Guard:
    """The topology with functions placed on paper; builds each runtime's allow table."""

    topology: Topology

    def place_function(self, spec: FunctionSpec) -> Endpoint | None:
        """The function's ENI address on paper (None without VpcConfig); one per subnet and group set."""
        if spec.vpc_config is None:
            return None
        subnet_ids, groups = (
            spec.vpc_config.subnet_ids,
            tuple(sorted(set(spec.vpc_config.security_group_ids))),
        )
        if not subnet_ids:
            raise DeployError(spec.logical_id, "a VpcConfig needs at least one subnet")
        name = hex_id("eni", subnet_ids[0], *groups)
        for ep in self.topology.endpoints.values():
            if ep.name == name:
                return ep
        ip = self.topology.next_free_address(subnet_ids[0])
        endpoint = Endpoint(name, EndpointKind.FUNCTION, subnet_ids[0], ip, groups)
        self.topology = self.topology.with_endpoint(endpoint, logical_id=spec.logical_id)
        return endpoint

    def instance_env(self, instance: Instance) -> dict[str, str]:
        """Where an instance's service should listen in guard mode."""
        return {
            "HOST": str(loopback_alias(instance.private_ip)),
            "VPCGATE_PRIVATE_IP": str(instance.private_ip),
        }

    def table(self, spec: FunctionSpec) -> dict[str, Any]:
        """The allow table a runtime's connect hook checks: VPC CIDRs, per private address its
        loopback alias and allowed ``[protocol, first, last]`` ranges (protocol null: all), and the
        instances' aliases (never dialled directly: an instance is reached at its private address)."""
        source = self.place_function(spec)
        vpcs = [str(v.cidr) for v in self.topology.vpcs.values()]
        allow: dict[str, Any] = {}
        if source is not None:
            for dest in self.topology.endpoints.values():
                ranges = allowed_ranges(self.topology, source, dest)
                if ranges:
                    allow[str(dest.ip)] = {
                        "dial": str(loopback_alias(dest.ip)),
                        "ranges": [list(r) for r in ranges],
                    }
        aliases = sorted(
            str(loopback_alias(ep.ip))
            for ep in self.topology.endpoints.values()
            if ep.kind is EndpointKind.INSTANCE
        )
        return {"vpc_cidrs": vpcs, "allow": allow, "aliases": aliases}
