"""AWS::EC2::SecurityGroup, ::SecurityGroupIngress, ::SecurityGroupEgress → network model rules.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroupingress.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroupegress.html

- A group with VpcId: Ref = its ``sg-…`` id. Without VpcId (EC2-Classic / default VPC), AWS's Ref
  gives the group *name*; so does ours. GetAtt GroupId, VpcId.
- No SecurityGroupEgress: one allow-all egress rule (``-1``, 0.0.0.0/0), as EC2 creates.
- A rule: IpProtocol ``tcp``/``udp``/``icmp``/``icmpv6``/``-1`` or a number 0..255 (6, 17, 1 and 58
  are the named ones). tcp/udp need FromPort/ToPort 0..65535 (From <= To); icmp uses them as type and
  code (-1 = all); ``-1`` and other numbers ignore ports (stored as -1..-1). Exactly one target:
  CidrIp, CidrIpv6, SourceSecurityGroupId (ingress) / DestinationSecurityGroupId (egress).
  Prefix lists and group names of other accounts are refused (nothing local to point at).
- A group that allows itself must use a separate ::SecurityGroupIngress (GroupId and
  SourceSecurityGroupId both Ref the group), exactly as in AWS (inside the group it is a cycle).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from vpcgate.deploy.ids import generated_name, hex_id
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.deploy.providers.props import Props, scalar_text
from vpcgate.network.model import Rule, SecurityGroup, SecurityGroupRuleAttachment

_NAMED = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
ALLOW_ALL_EGRESS = Rule(protocol="-1", from_port=-1, to_port=-1, cidr=ipaddress.IPv4Network("0.0.0.0/0"))


class _RuleReader:
    """Reads one rule object; ``path`` locates it for errors."""

    def __init__(self, props: Props, raw: Any, path: tuple[str | int, ...], direction: str) -> None:
        if not isinstance(raw, dict):
            raise props.error("a security group rule must be an object", *path)
        self.props, self.raw, self.path, self.direction = props, raw, path, direction

    def error(self, message: str, key: str) -> Exception:
        return self.props.error(message, *self.path, key)

    def text(self, key: str) -> str | None:
        if key not in self.raw:
            return None
        text = scalar_text(self.raw[key])
        if text is None:
            raise self.error(f"{key} must be a string", key)
        return text

    def port(self, key: str) -> int | None:
        text = self.text(key)
        if text is None:
            return None
        try:
            return int(text)
        except ValueError:
            raise self.error(f"{key} must be an integer, not {text!r}", key) from None

    def rule(self) -> Rule:
        protocol = self.protocol()
        from_port, to_port = self.ports(protocol)
        cidr, group_id = self.target()
        description = self.text("Description") or ""
        return Rule(protocol, from_port, to_port, cidr=cidr, group_id=group_id, description=description)

    def protocol(self) -> str:
        text = self.text("IpProtocol")
        if text is None:
            raise self.error("IpProtocol is required", "IpProtocol")
        text = text.lower()
        if text in ("tcp", "udp", "icmp", "icmpv6", "-1"):
            return text
        if text.isdigit() and 0 <= int(text) <= 255:
            return _NAMED.get(str(int(text)), str(int(text)))
        raise self.error(
            f"IpProtocol must be tcp, udp, icmp, icmpv6, -1 or 0..255, not {text!r}", "IpProtocol"
        )

    def ports(self, protocol: str) -> tuple[int, int]:
        from_port, to_port = self.port("FromPort"), self.port("ToPort")
        if protocol in ("tcp", "udp"):
            if from_port is None or to_port is None:
                raise self.error(f"FromPort and ToPort are required for {protocol}", "FromPort")
            if from_port == -1 and to_port == -1:
                return 0, 65535
            if not (0 <= from_port <= to_port <= 65535):
                raise self.error(
                    f"ports must satisfy 0 <= FromPort <= ToPort <= 65535, not {from_port}..{to_port}",
                    "FromPort",
                )
            return from_port, to_port
        if protocol in ("icmp", "icmpv6"):  # FromPort is the ICMP type, ToPort the code
            icmp_type = -1 if from_port is None else from_port
            code = -1 if to_port is None else to_port
            if not (-1 <= icmp_type <= 255 and -1 <= code <= 255):
                raise self.error("for ICMP, FromPort (type) and ToPort (code) must be -1..255", "FromPort")
            return icmp_type, code
        return -1, -1

    def target(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network | None, str | None]:
        group_key = "SourceSecurityGroupId" if self.direction == "ingress" else "DestinationSecurityGroupId"
        for unsupported in (
            "SourcePrefixListId",
            "DestinationPrefixListId",
            "SourceSecurityGroupName",
            "SourceSecurityGroupOwnerId",
        ):
            if unsupported in self.raw:
                raise self.error(
                    f"{unsupported} is not supported locally: use a CIDR or a group id", unsupported
                )
        given = [key for key in ("CidrIp", "CidrIpv6", group_key) if key in self.raw]
        if len(given) != 1:
            raise self.error(
                f"a rule needs exactly one of CidrIp, CidrIpv6, {group_key}; got {given or 'none'}",
                given[1] if len(given) > 1 else "CidrIp",
            )
        key = given[0]
        text = self.text(key) or ""
        if key == group_key:
            return None, text
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise self.error(f"{key} {text!r} is not a CIDR block", key) from None
        if (key == "CidrIp") != (network.version == 4):
            raise self.error(f"{key} {text!r} is not an IPv{4 if key == 'CidrIp' else 6} block", key)
        return network, None


def rule_list(props: Props, name: str, direction: str) -> tuple[Rule, ...]:
    raw = props.raw(name)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise props.error(f"Property {name} must be a list of rules", name)
    return tuple(_RuleReader(props, item, (name, i), direction).rule() for i, item in enumerate(raw))


class SecurityGroupProvider:
    resource_type = "AWS::EC2::SecurityGroup"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        description = props.required_text("GroupDescription")
        if len(description) > 255:
            raise props.error("GroupDescription must be at most 255 characters", "GroupDescription")
        vpc_id = props.text("VpcId")
        name = props.text("GroupName") or generated_name(ctx.stack_name, res.logical_id, 255)
        group_id = hex_id("sg", ctx.stack_name, res.logical_id)
        egress = (
            rule_list(props, "SecurityGroupEgress", "egress")
            if props.has("SecurityGroupEgress")
            else (ALLOW_ALL_EGRESS,)
        )
        model = SecurityGroup(
            logical_id=res.logical_id,
            group_id=group_id,
            vpc_id=vpc_id,
            description=description,
            ingress=rule_list(props, "SecurityGroupIngress", "ingress"),
            egress=egress,
        )
        attributes: Mapping[str, Any] = {"GroupId": group_id, "VpcId": vpc_id or ""}
        physical_id = group_id if vpc_id else name
        return Deployed(res.logical_id, res.resource_type, physical_id, attributes, model)


class _RuleAttachmentProvider:
    resource_type = "AWS::EC2::SecurityGroupIngress"
    direction = "ingress"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        if props.has("GroupName") and not props.has("GroupId"):
            raise props.error("GroupName (default VPC) is not supported locally: give GroupId", "GroupName")
        group_id = props.required_text("GroupId")
        rule = _RuleReader(props, dict(props.values), (), self.direction).rule()
        model = SecurityGroupRuleAttachment(res.logical_id, group_id, self.direction, rule)
        physical_id = hex_id("sgr", ctx.stack_name, res.logical_id)
        return Deployed(res.logical_id, res.resource_type, physical_id, {"Id": physical_id}, model)


class SecurityGroupIngressProvider(_RuleAttachmentProvider):
    resource_type = "AWS::EC2::SecurityGroupIngress"
    direction = "ingress"


class SecurityGroupEgressProvider(_RuleAttachmentProvider):
    resource_type = "AWS::EC2::SecurityGroupEgress"
    direction = "egress"


PROVIDERS = (SecurityGroupProvider(), SecurityGroupIngressProvider(), SecurityGroupEgressProvider())
