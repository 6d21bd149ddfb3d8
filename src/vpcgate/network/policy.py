"""Who may talk to whom: the topology of VPCs and their interfaces, and a pure ``decide()``.

This is the specification the enforcement (``enforce/``) must agree with; the integration tests
check the kernel's verdicts against ``decide()``. Semantics follow AWS's security groups:
https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-group-rules.html

- rules only allow; a connection needs an egress rule of a source group AND an ingress rule of a
  destination group (rules of all groups of an interface are aggregated);
- a group with no egress rules allows no outbound traffic (the default allow-all egress rule is
  part of the model: the SecurityGroup provider puts it there when the template gives none);
- a rule names a CIDR or a group; a group rule matches the primary private addresses of every
  interface carrying that group, the group itself included (a self-referencing group);
- stateful: return traffic of an allowed connection is allowed (``decide`` judges the opening);
- VPCs have no internet gateway, no peering: nothing leaves a VPC, nothing outside reaches in;
- a Lambda function's ENI accepts no inbound connection.
  https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html

Errors (raised by :meth:`Topology.build`, never by ``decide``)::

    DeployError            a subnet outside its VPC, an address outside its subnet or reserved,
                           a duplicate address, an unknown VPC, subnet or group
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from vpcgate.errors import DeployError
from vpcgate.functions.model import FunctionSpec
from vpcgate.network.model import (
    Instance,
    IPAddress,
    Rule,
    SecurityGroup,
    SecurityGroupRuleAttachment,
    Subnet,
    Vpc,
)

_PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
_PORTED = (6, 17)


class EndpointKind(Enum):
    INSTANCE = "instance"
    FUNCTION = "function"  # a Lambda ENI: accepts no inbound connection


@dataclass(frozen=True)
class Endpoint:
    """One network interface in a subnet: an instance's primary ENI or a function ENI."""

    name: str  # instance id or eni id
    kind: EndpointKind
    subnet_id: str
    ip: ipaddress.IPv4Address
    security_group_ids: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def protocol_number(protocol: str | int) -> int | None:
    """IANA number of a rule's or packet's protocol; None for "-1"/"all" (every protocol)."""
    text = str(protocol).strip().lower()
    if text in ("-1", "all"):
        return None
    if text in _PROTOCOLS:
        return _PROTOCOLS[text]
    if text.isdigit() and 0 <= int(text) <= 255:
        return int(text)
    raise ValueError(f"unknown protocol {protocol!r}")


def reserved_addresses(subnet: Subnet) -> frozenset[ipaddress.IPv4Address]:
    """The five addresses AWS keeps in every subnet: network, +1 router, +2 DNS, +3, broadcast.

    https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
    """
    base = subnet.cidr.network_address
    return frozenset([base, base + 1, base + 2, base + 3, subnet.cidr.broadcast_address])


def router_address(subnet: Subnet) -> ipaddress.IPv4Address:
    """The subnet's router: network address + 1."""
    return subnet.cidr.network_address + 1


def rule_matches_traffic(rule: Rule, protocol: int | None, port: int) -> bool:
    """Does ``rule`` cover this protocol and port (ICMP: ``port`` is the ICMP type)?"""
    wanted = protocol_number(rule.protocol)
    if wanted is None:
        return True
    if wanted != protocol:
        return False
    if wanted in _PORTED:
        return rule.from_port == -1 or (rule.from_port <= port <= rule.to_port)
    if wanted == 1:
        return rule.from_port in (-1, port)
    return True


@dataclass(frozen=True)
class Topology:
    """VPCs, subnets, security groups (attachments merged in) and the interfaces in them."""

    vpcs: Mapping[str, Vpc]
    subnets: Mapping[str, Subnet]
    groups: Mapping[str, SecurityGroup]
    endpoints: Mapping[ipaddress.IPv4Address, Endpoint] = field(default_factory=dict)

    def check_vpc_config(self, spec: FunctionSpec) -> None:
        """A function's VpcConfig must name subnets and groups this run deployed: vpcgate builds
        networks only from templates (AWS would say the subnet or group does not exist)."""
        if spec.vpc_config is None:
            return
        hint = "deploy the stack that defines it first (vpcgate up NETWORK APP), or use --network-mode host"
        for subnet_id in spec.vpc_config.subnet_ids:
            if subnet_id not in self.subnets:
                raise DeployError(
                    spec.logical_id, f"VpcConfig subnet {subnet_id} is not deployed in this run: {hint}"
                )
        for group_id in spec.vpc_config.security_group_ids:
            if group_id not in self.groups:
                raise DeployError(
                    spec.logical_id,
                    f"VpcConfig security group {group_id} is not deployed in this run: {hint}",
                )

    @classmethod
    def build(
        cls,
        *,
        vpcs: Iterable[Vpc] = (),
        subnets: Iterable[Subnet] = (),
        groups: Iterable[SecurityGroup] = (),
        attachments: Iterable[SecurityGroupRuleAttachment] = (),
        instances: Iterable[Instance] = (),
    ) -> Topology:
        """Validate the pieces and join them; instances become INSTANCE endpoints."""
        topo = cls(
            vpcs={v.vpc_id: v for v in vpcs},
            subnets={s.subnet_id: s for s in subnets},
            groups=_merge_attachments({g.group_id: g for g in groups}, attachments),
        )
        for subnet in topo.subnets.values():
            topo._check_subnet(subnet)
        for inst in instances:
            kind = EndpointKind.INSTANCE
            ip, sg_ids = inst.private_ip, inst.security_group_ids
            endpoint = Endpoint(inst.instance_id, kind, inst.subnet_id, ip, sg_ids)
            topo = topo.with_endpoint(endpoint, logical_id=inst.logical_id)
        return topo

    @classmethod
    def from_models(cls, models: Iterable[object]) -> Topology:
        """The topology of deployed resources' models (anything that is not a network model is ignored)."""
        items = list(models)
        return cls.build(
            vpcs=[m for m in items if isinstance(m, Vpc)],
            subnets=[m for m in items if isinstance(m, Subnet)],
            groups=[m for m in items if isinstance(m, SecurityGroup)],
            attachments=[m for m in items if isinstance(m, SecurityGroupRuleAttachment)],
            instances=[m for m in items if isinstance(m, Instance)],
        )

    def _check_subnet(self, subnet: Subnet) -> None:
        vpc = self.vpcs.get(subnet.vpc_id)
        if vpc is None:
            raise DeployError(subnet.logical_id, f"unknown VPC {subnet.vpc_id}")
        if not subnet.cidr.subnet_of(vpc.cidr):
            raise DeployError(subnet.logical_id, f"subnet {subnet.cidr} is not inside VPC {vpc.cidr}")
        for other in self.subnets.values():
            if other is not subnet and other.vpc_id == subnet.vpc_id and other.cidr.overlaps(subnet.cidr):
                raise DeployError(subnet.logical_id, f"subnet {subnet.cidr} overlaps {other.subnet_id}")

    def with_endpoint(self, endpoint: Endpoint, *, logical_id: str | None = None) -> Topology:
        """A new topology with ``endpoint`` added (validated: subnet, address, groups)."""
        who = logical_id or endpoint.name
        subnet = self.subnets.get(endpoint.subnet_id)
        if subnet is None:
            raise DeployError(who, f"unknown subnet {endpoint.subnet_id}")
        if endpoint.ip not in subnet.cidr or endpoint.ip in reserved_addresses(subnet):
            raise DeployError(who, f"address {endpoint.ip} is not a usable address of {subnet.cidr}")
        if endpoint.ip in self.endpoints:
            holder = self.endpoints[endpoint.ip].name
            raise DeployError(who, f"address {endpoint.ip} is already used by {holder}")
        for gid in endpoint.security_group_ids:
            group = self.groups.get(gid)
            if group is None:
                raise DeployError(who, f"unknown security group {gid}")
            if group.vpc_id is not None and group.vpc_id != subnet.vpc_id:
                raise DeployError(who, f"security group {gid} belongs to another VPC ({group.vpc_id})")
        return replace(self, endpoints={**self.endpoints, endpoint.ip: endpoint})

    def next_free_address(self, subnet_id: str) -> ipaddress.IPv4Address:
        """The lowest usable address of a subnet that no interface holds."""
        subnet = self.subnets[subnet_id]
        reserved = reserved_addresses(subnet)
        for host in subnet.cidr.hosts():
            if host not in reserved and host not in self.endpoints:
                return host
        raise DeployError(subnet.logical_id, f"subnet {subnet.cidr} has no free address left")

    def vpc_of_subnet(self, subnet_id: str) -> Vpc:
        return self.vpcs[self.subnets[subnet_id].vpc_id]

    def vpc_of(self, endpoint: Endpoint) -> Vpc:
        return self.vpc_of_subnet(endpoint.subnet_id)

    def members(self, group_id: str) -> frozenset[ipaddress.IPv4Address]:
        """Addresses of every interface carrying ``group_id``."""
        return frozenset(ip for ip, ep in self.endpoints.items() if group_id in ep.security_group_ids)

    def rules(self, endpoint: Endpoint, direction: str) -> tuple[Rule, ...]:
        """The aggregated ingress or egress rules of an interface's groups."""
        out: list[Rule] = []
        for gid in endpoint.security_group_ids:
            group = self.groups[gid]
            out.extend(group.ingress if direction == "ingress" else group.egress)
        return tuple(out)


def _merge_attachments(
    groups: dict[str, SecurityGroup], attachments: Iterable[SecurityGroupRuleAttachment]
) -> dict[str, SecurityGroup]:
    for att in attachments:
        group = groups.get(att.group_id)
        if group is None:
            raise DeployError(att.logical_id, f"unknown security group {att.group_id}")
        if att.direction == "ingress":
            group = replace(group, ingress=(*group.ingress, att.rule))
        elif att.direction == "egress":
            group = replace(group, egress=(*group.egress, att.rule))
        else:
            raise DeployError(att.logical_id, f"unknown rule direction {att.direction!r}")
        groups[att.group_id] = group
    return groups


def _peer_matches(rule: Rule, peer_ip: IPAddress, topo: Topology) -> bool:
    if rule.cidr is not None:
        return peer_ip.version == rule.cidr.version and peer_ip in rule.cidr
    if rule.group_id is not None and isinstance(peer_ip, ipaddress.IPv4Address):
        return peer_ip in topo.members(rule.group_id)
    return False


def _first_match(
    rules: Iterable[Rule], peer: IPAddress, proto: int | None, port: int, topo: Topology
) -> Rule | None:
    for rule in rules:
        if rule_matches_traffic(rule, proto, port) and _peer_matches(rule, peer, topo):
            return rule
    return None


def decide(
    topology: Topology, source_ip: IPAddress | str, dest_ip: IPAddress | str, port: int, protocol: str = "tcp"
) -> Decision:
    """May a connection (or ICMP/UDP flow) be opened from ``source_ip`` to ``dest_ip:port``?"""
    src = ipaddress.ip_address(source_ip)
    dst = ipaddress.ip_address(dest_ip)
    proto = protocol_number(protocol)
    source = topology.endpoints.get(src) if isinstance(src, ipaddress.IPv4Address) else None
    dest = topology.endpoints.get(dst) if isinstance(dst, ipaddress.IPv4Address) else None
    if source is None:
        return Decision(False, f"{src} is not an interface in any VPC: nothing outside a VPC reaches in")
    if dest is None:
        return _no_destination(topology, source, dst)
    if topology.vpc_of(source).vpc_id != topology.vpc_of(dest).vpc_id:
        return Decision(False, "source and destination are in different VPCs (no peering)")
    if dest.kind is EndpointKind.FUNCTION:
        return Decision(False, f"{dest.name} is a function ENI: it accepts no inbound connection")
    egress = _first_match(topology.rules(source, "egress"), dst, proto, port, topology)
    if egress is None:
        return Decision(False, f"no egress rule of {', '.join(source.security_group_ids)} allows it")
    ingress = _first_match(topology.rules(dest, "ingress"), src, proto, port, topology)
    if ingress is None:
        return Decision(False, f"no ingress rule of {', '.join(dest.security_group_ids)} allows it")
    return Decision(True, f"egress {_describe(egress)}; ingress {_describe(ingress)}")


def _no_destination(topology: Topology, source: Endpoint, dst: IPAddress) -> Decision:
    vpc = topology.vpc_of(source)
    if dst.version == 4 and dst in vpc.cidr:
        return Decision(False, f"no interface holds {dst} in {vpc.vpc_id}")
    return Decision(False, f"{dst} is outside {vpc.vpc_id}, which has no route out")


def _describe(rule: Rule) -> str:
    peer = str(rule.cidr) if rule.cidr is not None else rule.group_id
    ports = "all" if rule.from_port == -1 else f"{rule.from_port}-{rule.to_port}"
    return f"{rule.protocol} {ports} {peer}"
