"""AWS::ElasticLoadBalancingV2::LoadBalancer, ::TargetGroup, ::Listener → the load balancer model."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from vpcgate.errors import TemplateError
from vpcgate.network.load_balancer import Listener, LoadBalancer, TargetGroup, implicit_group, implicit_groups

from .helpers import deploy


def stack_body(**overrides: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Private": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
        },
        "Backend": {
            "Type": "AWS::EC2::Instance",
            "Properties": {"SubnetId": {"Ref": "Private"}, "PrivateIpAddress": "10.0.1.10"},
        },
        "Nlb": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {"Type": "network", "Scheme": "internal", "Subnets": [{"Ref": "Private"}]},
        },
        "Group": {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            "Properties": {
                "Protocol": "TCP",
                "Port": 8080,
                "VpcId": {"Ref": "Vpc"},
                "Targets": [{"Id": {"Ref": "Backend"}}, {"Id": {"Ref": "Backend"}, "Port": 9090}],
            },
        },
        "Front": {
            "Type": "AWS::ElasticLoadBalancingV2::Listener",
            "Properties": {
                "LoadBalancerArn": {"Ref": "Nlb"},
                "Port": 80,
                "Protocol": "TCP",
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "Group"}}],
            },
        },
    }
    for name, change in overrides.items():
        if change is None:
            resources.pop(name)
        else:
            resources[name] = {**resources[name], "Properties": {**resources[name]["Properties"], **change}}
    return {
        "Resources": resources,
        "Outputs": {
            "Dns": {"Value": {"Fn::GetAtt": ["Nlb", "DNSName"]}},
            "Full": {"Value": {"Fn::GetAtt": ["Nlb", "LoadBalancerFullName"]}},
        },
    }


def error_of(tmp_path: Path, body: dict[str, Any]) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        deploy(tmp_path, body)
    return info.value


def test_network_load_balancer_listener_and_targets(tmp_path: Path) -> None:
    stack = deploy(tmp_path, stack_body())
    nlb, group, listener = (stack.resources[n] for n in ("Nlb", "Group", "Front"))
    assert isinstance(nlb.model, LoadBalancer)
    assert isinstance(group.model, TargetGroup) and isinstance(listener.model, Listener)
    assert nlb.physical_id.startswith("arn:aws:elasticloadbalancing:us-east-1:")
    assert ":loadbalancer/net/" in nlb.physical_id
    assert nlb.attributes["LoadBalancerArn"] == nlb.physical_id
    full = str(nlb.attributes["LoadBalancerFullName"])
    assert nlb.physical_id.endswith(full) and full.startswith("net/")
    assert stack.outputs["Dns"].value.endswith(".elb.us-east-1.amazonaws.com")
    assert stack.outputs["Dns"].value == nlb.model.dns_name
    assert nlb.model.subnet_ids == (stack.resources["Private"].physical_id,)
    assert nlb.model.vpc_id == stack.resources["Vpc"].physical_id
    assert nlb.model.scheme == "internal" and len(nlb.model.name) <= 32
    ip = ipaddress.IPv4Address("10.0.1.10")
    assert [(t.ip, t.port) for t in group.model.targets] == [(ip, 8080), (ip, 9090)]
    assert group.model.targets[0].target_id == stack.resources["Backend"].physical_id
    assert ":targetgroup/" in group.physical_id
    assert listener.model.load_balancer_arn == nlb.physical_id
    assert listener.model.target_group_arn == group.physical_id
    assert listener.model.port == 80
    assert ":listener/net/" in listener.physical_id
    assert listener.attributes["ListenerArn"] == listener.physical_id


def test_ip_targets_and_forward_config(tmp_path: Path) -> None:
    body = stack_body(
        Group={"TargetType": "ip", "Targets": [{"Id": "10.0.1.20", "Port": 81}]},
        Front={
            "DefaultActions": [
                {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": {"Ref": "Group"}}]}}
            ]
        },
    )
    stack = deploy(tmp_path, body)
    group = stack.resources["Group"].model
    assert isinstance(group, TargetGroup)
    assert [(str(t.ip), t.port) for t in group.targets] == [("10.0.1.20", 81)]
    listener = stack.resources["Front"].model
    assert (
        isinstance(listener, Listener) and listener.target_group_arn == stack.resources["Group"].physical_id
    )


def test_implicit_group_only_without_security_groups(tmp_path: Path) -> None:
    stack = deploy(tmp_path, stack_body())
    nlb = stack.resources["Nlb"].model
    assert isinstance(nlb, LoadBalancer) and nlb.security_group_ids == ()
    group = implicit_group(nlb)
    assert group is not None and group.ingress == () and len(group.egress) == 1
    assert group.vpc_id == nlb.vpc_id
    models = [d.model for d in stack.resources.values()]
    assert [g.group_id for g in implicit_groups(models)] == [group.group_id]
    body = stack_body()
    body["Resources"]["LbGroup"] = {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {"GroupDescription": "lb", "VpcId": {"Ref": "Vpc"}},
    }
    body["Resources"]["Nlb"]["Properties"]["SecurityGroups"] = [{"Ref": "LbGroup"}]
    with_groups = deploy(tmp_path, body, name="with-groups.json")
    balancer = with_groups.resources["Nlb"].model
    assert isinstance(balancer, LoadBalancer)
    assert balancer.security_group_ids == (with_groups.resources["LbGroup"].physical_id,)
    assert implicit_group(balancer) is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"Nlb": {"Type": "application"}}, "network load balancers"),
        ({"Nlb": {"Scheme": "private"}}, "internal or internet-facing"),
        ({"Nlb": {"Name": "-bad"}}, "alphanumerics"),
        ({"Nlb": {"Subnets": []}}, "needs Subnets"),
        ({"Group": {"Protocol": "UDP"}}, "TCP only"),
        ({"Group": {"TargetType": "lambda"}}, "instance and ip"),
        ({"Group": {"TargetType": "ip", "Targets": [{"Id": "10.9.0.1"}]}}, "not inside VPC"),
        ({"Group": {"TargetType": "ip", "Targets": [{"Id": "backend"}]}}, "not an IPv4 address"),
        ({"Group": {"Targets": [{"Id": "i-0000000000000000"}]}}, "not deployed by this run"),
        ({"Group": {"Targets": [{"Id": {"Ref": "Backend"}, "Port": 70000}]}}, "between 1 and 65535"),
        ({"Front": {"Protocol": "TLS"}}, "TCP only"),
        ({"Front": {"DefaultActions": [{"Type": "redirect"}]}}, "forwards"),
        ({"Front": {"DefaultActions": [{"Type": "forward"}]}}, "one TargetGroupArn"),
    ],
)
def test_what_is_refused(tmp_path: Path, change: dict[str, Any], words: str) -> None:
    error = error_of(tmp_path, stack_body(**change))
    assert words in error.message
