"""The typed model of AWS::ElasticLoadBalancingV2::* resources: network load balancers, their TCP
listeners and target groups, as a REST API's VPC link reaches them.

A VPC link (V1) targets a Network Load Balancer; a listener on a port forwards to a target group;
the group's targets are instances (by id) or addresses (by IP), each with a port.
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-nlb-for-vpclink-using-console.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html

A load balancer without security groups filters nothing (NLBs had none until 2023, and one created
without them can never get any): :func:`implicit_group` gives such a balancer a group of vpcgate's
making with AWS's default egress (all) and no ingress, so the targets' own groups decide, as on
AWS, where a target's group must admit the balancer's private addresses (the source address of
PrivateLink traffic, which a VPC link is, is always the balancer's private address).
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from vpcgate.deploy.ids import hex_id
from vpcgate.network.model import Rule, SecurityGroup

__all__ = ["Listener", "LoadBalancer", "Target", "TargetGroup", "implicit_group", "implicit_groups"]


@dataclass(frozen=True)
class LoadBalancer:
    logical_id: str
    arn: str
    name: str
    dns_name: str
    scheme: str  # "internal" | "internet-facing"
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    vpc_id: str | None  # the VPC of its subnets (None when they are not deployed by this run)


@dataclass(frozen=True)
class Target:
    """One registered target: its address (an instance's primary private address, or the IP given)
    and the port traffic goes to (the target's own Port, else its group's)."""

    target_id: str
    ip: ipaddress.IPv4Address
    port: int


@dataclass(frozen=True)
class TargetGroup:
    logical_id: str
    arn: str
    name: str
    protocol: str  # "TCP"
    port: int
    vpc_id: str | None
    target_type: str  # "instance" | "ip"
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Listener:
    logical_id: str
    arn: str
    load_balancer_arn: str
    port: int
    protocol: str  # "TCP"
    target_group_arn: str


def implicit_group(balancer: LoadBalancer) -> SecurityGroup | None:
    """The group standing in for "no security group" (None when the balancer has groups of its own)."""
    if balancer.security_group_ids:
        return None
    everything = Rule("-1", -1, -1, cidr=ipaddress.IPv4Network("0.0.0.0/0"))
    return SecurityGroup(
        logical_id=balancer.logical_id,
        group_id=implicit_group_id(balancer),
        vpc_id=balancer.vpc_id,
        description=f"vpcgate: load balancer {balancer.name} has no security group",
        ingress=(),
        egress=(everything,),
    )


def implicit_group_id(balancer: LoadBalancer) -> str:
    return hex_id("sg", "load-balancer", balancer.arn)


def implicit_groups(models: Iterable[object]) -> list[SecurityGroup]:
    """Every implicit group the load balancers among ``models`` need (for the network's topology)."""
    groups = (implicit_group(m) for m in models if isinstance(m, LoadBalancer))
    return [g for g in groups if g is not None]
