"""The typed model of AWS::EC2::* resources, parsed once into ``ipaddress`` networks.

Security group semantics follow the EC2 user guide: default egress allows all, default ingress
allows nothing, rules are stateful (return traffic is allowed), a rule names a CIDR or another group.
https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-group-rules.html
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Vpc:
    logical_id: str
    vpc_id: str
    cidr: ipaddress.IPv4Network


@dataclass(frozen=True)
class Subnet:
    logical_id: str
    subnet_id: str
    vpc_id: str
    cidr: ipaddress.IPv4Network
    availability_zone: str


@dataclass(frozen=True)
class Rule:
    """One ingress or egress rule. ``protocol`` is "-1" (all), "tcp", "udp", "icmp" or a number.

    Exactly one of ``cidr`` and ``group_id`` is set. Ports are inclusive; (-1, -1) or (0, 65535)
    mean all ports; for all protocols ports are ignored.
    """

    protocol: str
    from_port: int
    to_port: int
    cidr: IPNetwork | None = None
    group_id: str | None = None
    description: str = ""


@dataclass(frozen=True)
class SecurityGroup:
    logical_id: str
    group_id: str
    vpc_id: str | None
    description: str
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]


@dataclass(frozen=True)
class SecurityGroupRuleAttachment:
    """AWS::EC2::SecurityGroupIngress / ::SecurityGroupEgress: a rule added to a group by id."""

    logical_id: str
    group_id: str
    direction: str  # "ingress" | "egress"
    rule: Rule


@dataclass(frozen=True)
class Instance:
    logical_id: str
    instance_id: str
    subnet_id: str
    private_ip: ipaddress.IPv4Address
    security_group_ids: tuple[str, ...]
    user_data: str | None  # decoded text (Fn::Base64 undone)
