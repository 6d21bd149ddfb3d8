"""AWS::EC2::VPC and AWS::EC2::Subnet → :class:`vpcgate.network.model.Vpc` / ``Subnet``.

- VPC: CidrBlock (IPv4, /16../28, a network address). Ref = ``vpc-`` + 17 hex digits. GetAtt
  CidrBlock, CidrBlockAssociations, DefaultNetworkAcl, DefaultSecurityGroup, Ipv6CidrBlocks, VpcId.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpc.html
- Subnet: VpcId, CidrBlock (/16../28, inside the VPC's block, not overlapping a sibling subnet),
  AvailabilityZone (a zone of the stack's region, REGION + one letter; default: its first zone).
  Ref = ``subnet-…``. GetAtt AvailabilityZone, CidrBlock, Ipv6CidrBlocks, NetworkAclAssociationId,
  SubnetId, VpcId.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-subnet.html
  Sizes: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
- A subnet in a VPC that this run did not deploy (an id passed as a parameter) cannot be checked:
  it is accepted with a warning.
"""

from __future__ import annotations

import ipaddress
import re

from vpcgate.deploy.ids import hex_id
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.deploy.providers.props import Props
from vpcgate.deploy.providers.run import models_of
from vpcgate.deploy.pseudo import availability_zones
from vpcgate.network.model import Subnet, Vpc


def default_security_group_id(stack_name: str, logical_id: str) -> str:
    """The id of a VPC's default security group (stable, derived from the VPC's stack and id)."""
    return hex_id("sg", stack_name, logical_id, "default")


def ipv4_block(props: Props, name: str) -> ipaddress.IPv4Network:
    """A /16../28 IPv4 network address, as EC2 accepts for VPCs and subnets."""
    text = props.required_text(name)
    try:
        network = ipaddress.IPv4Network(text)
    except ValueError as exc:
        raise props.error(f"{name} {text!r} is not an IPv4 CIDR block ({exc})", name) from None
    if not 16 <= network.prefixlen <= 28:
        raise props.error(f"{name} {text} must be between /16 and /28", name)
    return network


class VpcProvider:
    resource_type = "AWS::EC2::VPC"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        if props.has("Ipv4IpamPoolId"):
            raise props.error("IPAM pools are not supported: give CidrBlock", "Ipv4IpamPoolId")
        cidr = ipv4_block(props, "CidrBlock")
        vpc_id = hex_id("vpc", ctx.stack_name, res.logical_id)
        attributes = {
            "CidrBlock": str(cidr),
            "CidrBlockAssociations": [hex_id("vpc-cidr-assoc", ctx.stack_name, res.logical_id)],
            "DefaultNetworkAcl": hex_id("acl", ctx.stack_name, res.logical_id),
            "DefaultSecurityGroup": default_security_group_id(ctx.stack_name, res.logical_id),
            "Ipv6CidrBlocks": [],
            "VpcId": vpc_id,
        }
        return Deployed(
            res.logical_id, res.resource_type, vpc_id, attributes, Vpc(res.logical_id, vpc_id, cidr)
        )


class SubnetProvider:
    resource_type = "AWS::EC2::Subnet"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        vpc_id = props.required_text("VpcId")
        cidr = ipv4_block(props, "CidrBlock")
        zone = props.text("AvailabilityZone") or availability_zones(ctx.region)[0]
        if not re.fullmatch(re.escape(ctx.region) + "[a-z]", zone):
            raise props.error(f"AvailabilityZone {zone!r} is not a zone of {ctx.region}", "AvailabilityZone")
        vpc = next((v for v in models_of(ctx, Vpc) if v.vpc_id == vpc_id), None)
        if vpc is None:
            ctx.warn(f"{res.logical_id}: VPC {vpc_id} is not deployed by this run; CidrBlock not checked")
        else:
            _check_inside(props, ctx, cidr, vpc)
        subnet_id = hex_id("subnet", ctx.stack_name, res.logical_id)
        attributes = {
            "AvailabilityZone": zone,
            "CidrBlock": str(cidr),
            "Ipv6CidrBlocks": [],
            "NetworkAclAssociationId": hex_id("aclassoc", ctx.stack_name, res.logical_id),
            "SubnetId": subnet_id,
            "VpcId": vpc_id,
        }
        model = Subnet(res.logical_id, subnet_id, vpc_id, cidr, zone)
        return Deployed(res.logical_id, res.resource_type, subnet_id, attributes, model)


def _check_inside(props: Props, ctx: DeployContext, cidr: ipaddress.IPv4Network, vpc: Vpc) -> None:
    if not cidr.subnet_of(vpc.cidr):
        raise props.error(f"CidrBlock {cidr} is not inside the VPC's CidrBlock {vpc.cidr}", "CidrBlock")
    for other in models_of(ctx, Subnet):
        if other.vpc_id == vpc.vpc_id and other.cidr.overlaps(cidr):
            raise props.error(
                f"CidrBlock {cidr} conflicts with subnet {other.logical_id} ({other.cidr}) of the same VPC",
                "CidrBlock",
            )


PROVIDERS = (VpcProvider(), SubnetProvider())
