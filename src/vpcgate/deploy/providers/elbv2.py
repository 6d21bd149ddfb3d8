"""AWS::ElasticLoadBalancingV2::LoadBalancer, ::TargetGroup and ::Listener → the models of
:mod:`vpcgate.network.load_balancer` (what a REST API's VPC link reaches).

Only what a VPC link (V1) can use is deployed: network load balancers, TCP listeners forwarding to
one target group, TCP target groups of instances or IP addresses. Anything else is a TemplateError
that says so (an ``application`` balancer, a TLS or UDP listener, an ``alb``/``lambda`` target).

- LoadBalancer: Type ``network`` (AWS's default is ``application``: say it), Scheme (default
  ``internet-facing``; both work the same locally), Subnets or SubnetMappings (SubnetId), optional
  SecurityGroups, Name (≤ 32 alphanumerics and hyphens; generated when absent). Ref = the ARN
  ``arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/net/{name}/{16 hex}``; GetAtt
  CanonicalHostedZoneID, DNSName (``{name}-{16 hex}.elb.{region}.amazonaws.com``),
  LoadBalancerArn, LoadBalancerFullName (``net/{name}/{16 hex}``), LoadBalancerName, SecurityGroups.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-loadbalancer.html
- TargetGroup: Protocol TCP, Port, VpcId, TargetType ``instance`` (default) or ``ip``, Targets
  [{Id, Port}] (an instance id deployed by this run, or an IPv4 address inside the VPC). Ref = the
  ARN ``…:targetgroup/{name}/{16 hex}``; GetAtt LoadBalancerArns, TargetGroupArn,
  TargetGroupFullName, TargetGroupName.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-targetgroup.html
- Listener: LoadBalancerArn, Port, Protocol TCP, DefaultActions [{Type: forward, TargetGroupArn or
  ForwardConfig.TargetGroups[0]}]. Ref = the ARN ``…:listener/net/{lb name}/{lb hex}/{16 hex}``;
  GetAtt ListenerArn.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-listener.html

Errors::

    TemplateError    a property AWS would refuse, or a feature vpcgate does not model (named)
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from vpcgate.deploy.ids import generated_name, hex_id
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.deploy.providers.props import Props
from vpcgate.deploy.providers.run import models_of
from vpcgate.network.load_balancer import Listener, LoadBalancer, Target, TargetGroup
from vpcgate.network.model import Instance, Subnet, Vpc

__all__ = ["PROVIDERS", "ListenerProvider", "LoadBalancerProvider", "TargetGroupProvider"]

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?")
# Route 53 hosted zones of network load balancers, per region (us-east-1's; the rest share a
# placeholder: only used for alias records, which vpcgate does not serve).
_NLB_ZONES = {"us-east-1": "Z26RNL4JYFTOTI", "us-west-2": "Z18D5FSROUN65G", "eu-west-1": "Z2IFOLAFXWLO4F"}


def _arn(ctx: DeployContext, resource: str) -> str:
    return f"arn:{ctx.partition}:elasticloadbalancing:{ctx.region}:{ctx.account_id}:{resource}"


def _name(props: Props, ctx: DeployContext) -> str:
    name = props.text("Name")
    if name is None:
        return generated_name(ctx.stack_name, props.res.logical_id, 32).strip("-")
    if not _NAME.fullmatch(name) or name.startswith("internal-"):
        raise props.error(
            f"Name {name!r}: at most 32 alphanumerics and hyphens, not starting or ending with a hyphen"
            " nor starting with 'internal-'",
            "Name",
        )
    return name


def _port(props: Props, name: str, *, required: bool = True) -> int | None:
    if required:
        props.required(name)
    return props.integer(name, low=1, high=65535)


def _tcp(props: Props, name: str) -> str:
    protocol = (props.text(name) or "").upper()
    if protocol != "TCP":
        raise props.error(
            f"{name} {protocol or '(none)'}: vpcgate models TCP only (what a VPC link forwards)", name
        )
    return protocol


class LoadBalancerProvider:
    resource_type = "AWS::ElasticLoadBalancingV2::LoadBalancer"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        kind = props.text("Type", default="application")
        if kind != "network":
            raise props.error(
                f"Type {kind}: a REST API's VPC link targets network load balancers (write Type: network)",
                "Type",
            )
        scheme = props.text("Scheme", default="internet-facing") or "internet-facing"
        if scheme not in ("internal", "internet-facing"):
            raise props.error(f"Scheme {scheme!r} must be internal or internet-facing", "Scheme")
        name = _name(props, ctx)
        subnets = _subnets(props)
        tail = hex_id("lb", ctx.stack_name, res.logical_id, length=16).split("-", 1)[1]
        full_name = f"net/{name}/{tail}"
        arn = _arn(ctx, f"loadbalancer/{full_name}")
        groups = props.text_list("SecurityGroups")
        model = LoadBalancer(
            logical_id=res.logical_id,
            arn=arn,
            name=name,
            dns_name=f"{name}-{tail}.elb.{ctx.region}.amazonaws.com",
            scheme=scheme,
            subnet_ids=subnets,
            security_group_ids=groups,
            vpc_id=_vpc_of(props, ctx, subnets),
        )
        attributes = {
            "CanonicalHostedZoneID": _NLB_ZONES.get(ctx.region, "Z26RNL4JYFTOTI"),
            "DNSName": model.dns_name,
            "LoadBalancerArn": arn,
            "LoadBalancerFullName": full_name,
            "LoadBalancerName": name,
            "SecurityGroups": list(groups),
        }
        return Deployed(res.logical_id, res.resource_type, arn, attributes, model)


def _subnets(props: Props) -> tuple[str, ...]:
    subnets = props.text_list("Subnets")
    mappings = props.raw("SubnetMappings")
    if mappings is not None:
        if not isinstance(mappings, list) or not all(
            isinstance(m, dict) and "SubnetId" in m for m in mappings
        ):
            raise props.error("SubnetMappings must be a list of {SubnetId: ...}", "SubnetMappings")
        subnets = (*subnets, *(str(m["SubnetId"]) for m in mappings))
    if not subnets:
        raise props.error("a network load balancer needs Subnets (or SubnetMappings)", "Subnets")
    return subnets


def _vpc_of(props: Props, ctx: DeployContext, subnet_ids: tuple[str, ...]) -> str | None:
    known = {s.subnet_id: s for s in models_of(ctx, Subnet)}
    vpcs = {known[s].vpc_id for s in subnet_ids if s in known}
    if len(vpcs) > 1:
        raise props.error(f"Subnets {', '.join(subnet_ids)} belong to different VPCs", "Subnets")
    if any(s not in known for s in subnet_ids):
        ctx.warn(f"{props.res.logical_id}: subnets not deployed by this run; not checked")
    return next(iter(vpcs), None)


class TargetGroupProvider:
    resource_type = "AWS::ElasticLoadBalancingV2::TargetGroup"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        protocol = _tcp(props, "Protocol")
        port = _port(props, "Port")
        assert port is not None
        target_type = props.text("TargetType", default="instance") or "instance"
        if target_type not in ("instance", "ip"):
            raise props.error(
                f"TargetType {target_type}: vpcgate models instance and ip targets", "TargetType"
            )
        vpc_id = props.required_text("VpcId")
        name = _name(props, ctx)
        tail = hex_id("tg", ctx.stack_name, res.logical_id, length=16).split("-", 1)[1]
        full_name = f"targetgroup/{name}/{tail}"
        arn = _arn(ctx, full_name)
        targets = tuple(
            _target(props, ctx, i, item, target_type, port, vpc_id)
            for i, item in enumerate(_target_items(props))
        )
        model = TargetGroup(res.logical_id, arn, name, protocol, port, vpc_id, target_type, targets)
        attributes = {
            "LoadBalancerArns": [],
            "TargetGroupArn": arn,
            "TargetGroupFullName": full_name,
            "TargetGroupName": name,
        }
        return Deployed(res.logical_id, res.resource_type, arn, attributes, model)


def _target_items(props: Props) -> list[Any]:
    items = props.raw("Targets") or []
    if not isinstance(items, list) or not all(isinstance(t, dict) and "Id" in t for t in items):
        raise props.error("Targets must be a list of {Id: ..., Port: ...}", "Targets")
    return items


def _target(
    props: Props, ctx: DeployContext, index: int, item: dict[str, Any], kind: str, port: int, vpc_id: str
) -> Target:
    target_id = str(item["Id"])
    own_port = item.get("Port", port)
    try:
        target_port = int(str(own_port))
    except ValueError:
        raise props.error(f"Port {own_port!r} is not a port number", "Targets", index, "Port") from None
    if not 1 <= target_port <= 65535:
        raise props.error(f"Port {target_port} is not between 1 and 65535", "Targets", index, "Port")
    if kind == "instance":
        instance = next((m for m in models_of(ctx, Instance) if m.instance_id == target_id), None)
        if instance is None:
            raise props.error(f"instance {target_id} is not deployed by this run", "Targets", index, "Id")
        return Target(target_id, instance.private_ip, target_port)
    try:
        ip = ipaddress.IPv4Address(target_id)
    except ValueError:
        raise props.error(f"{target_id!r} is not an IPv4 address", "Targets", index, "Id") from None
    vpc = next((v for v in models_of(ctx, Vpc) if v.vpc_id == vpc_id), None)
    if vpc is not None and ip not in vpc.cidr:
        raise props.error(f"{ip} is not inside VPC {vpc_id} ({vpc.cidr})", "Targets", index, "Id")
    return Target(target_id, ip, target_port)


class ListenerProvider:
    resource_type = "AWS::ElasticLoadBalancingV2::Listener"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        balancer_arn = props.required_text("LoadBalancerArn")
        protocol = _tcp(props, "Protocol")
        port = _port(props, "Port")
        assert port is not None
        group_arn = _forward_target(props)
        head = balancer_arn.split(":loadbalancer/", 1)[-1]
        tail = hex_id("listener", ctx.stack_name, res.logical_id, length=16).split("-", 1)[1]
        arn = _arn(ctx, f"listener/{head}/{tail}")
        model = Listener(res.logical_id, arn, balancer_arn, port, protocol, group_arn)
        return Deployed(res.logical_id, res.resource_type, arn, {"ListenerArn": arn}, model)


def _forward_target(props: Props) -> str:
    actions = props.required("DefaultActions")
    if not isinstance(actions, list) or len(actions) != 1 or not isinstance(actions[0], dict):
        raise props.error("DefaultActions must hold one forward action", "DefaultActions")
    action = actions[0]
    if str(action.get("Type", "")).lower() != "forward":
        raise props.error(
            f"DefaultActions Type {action.get('Type')!r}: a network load balancer forwards",
            "DefaultActions",
            0,
            "Type",
        )
    arn = action.get("TargetGroupArn")
    if arn is None:
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        if len(groups) == 1 and isinstance(groups[0], dict):
            arn = groups[0].get("TargetGroupArn")
    if not isinstance(arn, str):
        raise props.error("the forward action needs one TargetGroupArn", "DefaultActions", 0)
    return arn


PROVIDERS = (LoadBalancerProvider(), TargetGroupProvider(), ListenerProvider())
