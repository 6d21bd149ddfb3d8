"""AWS::EC2::Instance → :class:`vpcgate.network.model.Instance` (a private service's place in a subnet).

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-instance.html

- SubnetId is required locally (there is no default VPC to fall back on).
- PrivateIpAddress must lie in the subnet, not be one of the addresses AWS reserves (the first four
  and the last: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html) and not be taken
  by another instance; without it the instance gets the next free address after the reserved ones.
  A subnet this run did not deploy needs an explicit PrivateIpAddress (its range is unknown).
- SecurityGroupIds; none given → the VPC's default group when the VPC is known. SecurityGroups
  (names) are refused: in a VPC, EC2 wants ids.
- UserData is base64 (``Fn::Base64`` writes it); the model holds the decoded text.
- Ref = ``i-…``; GetAtt PrivateIp, PrivateDnsName (``ip-10-0-1-10.ec2.internal`` in us-east-1,
  ``ip-….REGION.compute.internal`` elsewhere), AvailabilityZone, InstanceId.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress

from vpcgate.deploy.ids import hex_id
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.deploy.providers.props import Props
from vpcgate.deploy.providers.run import models_of
from vpcgate.network.model import Instance, Subnet, Vpc

RESERVED_AT_START = 4


def private_dns_name(ip: ipaddress.IPv4Address, region: str) -> str:
    host = "ip-" + str(ip).replace(".", "-")
    return f"{host}.ec2.internal" if region == "us-east-1" else f"{host}.{region}.compute.internal"


class InstanceProvider:
    resource_type = "AWS::EC2::Instance"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        if props.has("NetworkInterfaces"):
            raise props.error(
                "NetworkInterfaces is not supported locally: give SubnetId", "NetworkInterfaces"
            )
        if props.has("SecurityGroups"):
            raise props.error(
                "SecurityGroups (names) is not supported in a VPC: give SecurityGroupIds", "SecurityGroups"
            )
        subnet_id = props.text("SubnetId")
        if not subnet_id:
            raise props.error("Property SubnetId is required locally (there is no default VPC)", "SubnetId")
        subnet = next((s for s in models_of(ctx, Subnet) if s.subnet_id == subnet_id), None)
        ip = _address(props, ctx, subnet)
        groups = props.text_list("SecurityGroupIds") or _default_groups(ctx, subnet)
        instance_id = hex_id("i", ctx.stack_name, res.logical_id)
        model = Instance(res.logical_id, instance_id, subnet_id, ip, groups, _user_data(props))
        zone = subnet.availability_zone if subnet else (props.text("AvailabilityZone") or ctx.region + "a")
        attributes = {
            "AvailabilityZone": zone,
            "InstanceId": instance_id,
            "PrivateDnsName": private_dns_name(ip, ctx.region),
            "PrivateIp": str(ip),
            "PublicDnsName": "",
        }
        return Deployed(res.logical_id, res.resource_type, instance_id, attributes, model)


def _address(props: Props, ctx: DeployContext, subnet: Subnet | None) -> ipaddress.IPv4Address:
    written = props.text("PrivateIpAddress")
    if subnet is None:
        if written is None:
            raise props.error(
                "SubnetId is not a subnet deployed by this run: give PrivateIpAddress", "SubnetId"
            )
        ctx.warn(
            f"{props.res.logical_id}: subnet {props.text('SubnetId')} is not deployed by this run; "
            "address not checked"
        )
        return _parse(props, written)
    taken = {i.private_ip for i in models_of(ctx, Instance) if i.subnet_id == subnet.subnet_id}
    first, last = subnet.cidr.network_address + RESERVED_AT_START, subnet.cidr.broadcast_address - 1
    if written is not None:
        ip = _parse(props, written)
        if ip not in subnet.cidr:
            raise props.error(
                f"PrivateIpAddress {ip} is not in subnet {subnet.logical_id} ({subnet.cidr})",
                "PrivateIpAddress",
            )
        if not first <= ip <= last:
            raise props.error(
                f"PrivateIpAddress {ip} is reserved by AWS in {subnet.cidr} (first four and last)",
                "PrivateIpAddress",
            )
        if ip in taken:
            raise props.error(
                f"PrivateIpAddress {ip} is already used by another instance", "PrivateIpAddress"
            )
        return ip
    candidate = first
    while candidate <= last:
        if candidate not in taken:
            return candidate
        candidate += 1
    raise props.error(f"subnet {subnet.logical_id} ({subnet.cidr}) has no free address left", "SubnetId")


def _parse(props: Props, text: str) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise props.error(f"PrivateIpAddress {text!r} is not an IPv4 address", "PrivateIpAddress") from None


def _default_groups(ctx: DeployContext, subnet: Subnet | None) -> tuple[str, ...]:
    if subnet is None:
        return ()
    for vpc in models_of(ctx, Vpc):
        if vpc.vpc_id == subnet.vpc_id:
            deployed = ctx.find_by_physical_id(vpc.vpc_id)
            if deployed is not None:
                return (str(deployed.attributes["DefaultSecurityGroup"]),)
    return ()


def _user_data(props: Props) -> str | None:
    text = props.text("UserData")
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise props.error(
            "UserData must be base64-encoded UTF-8 text (write it with Fn::Base64)", "UserData"
        ) from None


PROVIDERS = (InstanceProvider(),)
