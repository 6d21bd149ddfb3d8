"""AWS::EC2::VPC, ::Subnet, ::SecurityGroup(+Ingress/Egress), ::Instance → the network model."""

from __future__ import annotations

import base64
import ipaddress
from pathlib import Path
from typing import Any

import pytest

from vpcgate.errors import TemplateError
from vpcgate.network.model import Instance, Rule, SecurityGroup, SecurityGroupRuleAttachment, Subnet, Vpc

from .helpers import deploy


def network(**extra: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Private": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
        },
    }
    resources.update(extra)
    return {"Resources": resources}


def sg(**props: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {"GroupDescription": "g", "VpcId": {"Ref": "Vpc"}, **props},
    }


def instance(**props: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::EC2::Instance",
        "Properties": {"SubnetId": {"Ref": "Private"}, "ImageId": "ami-0123abcd", **props},
    }


def error_of(tmp_path: Path, body: dict[str, Any]) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        deploy(tmp_path, body)
    assert info.value.file == str(tmp_path / "app.json")
    return info.value


def test_vpc_and_subnet(tmp_path: Path) -> None:
    stack = deploy(tmp_path, network())
    vpc, subnet = stack.resources["Vpc"], stack.resources["Private"]
    assert isinstance(vpc.model, Vpc) and isinstance(subnet.model, Subnet)
    assert vpc.physical_id.startswith("vpc-") and len(vpc.physical_id) == 21
    assert subnet.physical_id.startswith("subnet-") and len(subnet.physical_id) == 24
    assert vpc.attributes["CidrBlock"] == "10.0.0.0/16"
    assert str(vpc.attributes["DefaultSecurityGroup"]).startswith("sg-")
    assert subnet.model.vpc_id == vpc.physical_id
    assert subnet.model.cidr == ipaddress.IPv4Network("10.0.1.0/24")
    assert subnet.attributes["AvailabilityZone"] == "us-east-1a"
    assert subnet.attributes["VpcId"] == vpc.physical_id


@pytest.mark.parametrize(
    ("extra", "logical_id", "message"),
    [
        (
            {
                "Other": {
                    "Type": "AWS::EC2::Subnet",
                    "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.0.0/24"},
                }
            },
            "Other",
            "not inside",
        ),
        (
            {
                "Other": {
                    "Type": "AWS::EC2::Subnet",
                    "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.128/25"},
                }
            },
            "Other",
            "conflicts with subnet Private",
        ),
        (
            {
                "Other": {
                    "Type": "AWS::EC2::Subnet",
                    "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.2.0/29"},
                }
            },
            "Other",
            "between /16 and /28",
        ),
        (
            {"Other": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.1/16"}}},
            "Other",
            "not an IPv4 CIDR",
        ),
    ],
)
def test_cidr_errors(tmp_path: Path, extra: dict[str, Any], logical_id: str, message: str) -> None:
    error = error_of(tmp_path, network(**extra))
    assert message in str(error)
    assert (error.logical_id, error.pointer) == (logical_id, f"/Resources/{logical_id}/Properties/CidrBlock")


def test_subnet_in_a_foreign_vpc_is_a_warning(tmp_path: Path) -> None:
    body = {
        "Resources": {
            "S": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": "vpc-0123abcd", "CidrBlock": "10.9.0.0/24"},
            }
        }
    }
    assert deploy(tmp_path, body).warnings == (
        "S: VPC vpc-0123abcd is not deployed by this run; CidrBlock not checked",
    )


def test_security_group_rules(tmp_path: Path) -> None:
    body = network(
        Web=sg(
            SecurityGroupIngress=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 80,
                    "ToPort": "443",
                    "CidrIp": "10.0.0.0/8",
                    "Description": "web",
                },
                {"IpProtocol": "6", "FromPort": 22, "ToPort": 22, "CidrIpv6": "::/0"},
                {
                    "IpProtocol": "icmp",
                    "FromPort": 8,
                    "ToPort": -1,
                    "SourceSecurityGroupId": {"Ref": "Other"},
                },
                {"IpProtocol": "-1", "CidrIp": "10.0.1.5/32"},
                {"IpProtocol": "50", "FromPort": 1, "ToPort": 2, "CidrIp": "10.0.0.0/16"},
            ],
            SecurityGroupEgress=[
                {
                    "IpProtocol": "udp",
                    "FromPort": 53,
                    "ToPort": 53,
                    "DestinationSecurityGroupId": {"Ref": "Other"},
                }
            ],
        ),
        Other=sg(),
        Classic={
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "no vpc", "GroupName": "classic"},
        },
    )
    stack = deploy(tmp_path, body)
    web, other = stack.resources["Web"].model, stack.resources["Other"]
    assert isinstance(web, SecurityGroup) and isinstance(other.model, SecurityGroup)
    assert web.ingress == (
        Rule("tcp", 80, 443, cidr=ipaddress.IPv4Network("10.0.0.0/8"), description="web"),
        Rule("tcp", 22, 22, cidr=ipaddress.IPv6Network("::/0")),
        Rule("icmp", 8, -1, group_id=other.physical_id),
        Rule("-1", -1, -1, cidr=ipaddress.IPv4Network("10.0.1.5/32")),
        Rule("50", -1, -1, cidr=ipaddress.IPv4Network("10.0.0.0/16")),
    )
    assert web.egress == (Rule("udp", 53, 53, group_id=other.physical_id),)
    assert other.model.egress == (Rule("-1", -1, -1, cidr=ipaddress.IPv4Network("0.0.0.0/0")),)
    assert other.physical_id == other.attributes["GroupId"] and other.physical_id.startswith("sg-")
    assert stack.resources["Classic"].physical_id == "classic"  # Ref of a non-VPC group is its name
    assert str(stack.resources["Classic"].attributes["GroupId"]).startswith("sg-")


@pytest.mark.parametrize(
    ("rule", "key", "message"),
    [
        ({"IpProtocol": "tcp", "CidrIp": "0.0.0.0/0"}, "FromPort", "required for tcp"),
        (
            {"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "CidrIp": "0.0.0.0/0"},
            "FromPort",
            "FromPort <= ToPort",
        ),
        ({"IpProtocol": "gre", "CidrIp": "0.0.0.0/0"}, "IpProtocol", "IpProtocol must be"),
        ({"IpProtocol": "-1"}, "CidrIp", "exactly one of"),
        ({"IpProtocol": "-1", "CidrIp": "0.0.0.0/0", "CidrIpv6": "::/0"}, "CidrIpv6", "exactly one of"),
        ({"IpProtocol": "-1", "CidrIp": "::/0"}, "CidrIp", "not an IPv4 block"),
        ({"IpProtocol": "-1", "CidrIp": "nope"}, "CidrIp", "not a CIDR"),
        ({"IpProtocol": "-1", "SourcePrefixListId": "pl-1"}, "SourcePrefixListId", "not supported"),
    ],
)
def test_rule_errors_point_into_the_rule(
    tmp_path: Path, rule: dict[str, Any], key: str, message: str
) -> None:
    error = error_of(
        tmp_path, network(G=sg(SecurityGroupIngress=[{"IpProtocol": "-1", "CidrIp": "1.2.3.4/32"}, rule]))
    )
    assert message in str(error)
    assert error.pointer == f"/Resources/G/Properties/SecurityGroupIngress/1/{key}"


def test_group_referring_to_itself_through_ingress_resource(tmp_path: Path) -> None:
    body = network(
        G=sg(),
        SelfIn={
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": {"Ref": "G"},
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "SourceSecurityGroupId": {"Fn::GetAtt": ["G", "GroupId"]},
            },
        },
        Out={
            "Type": "AWS::EC2::SecurityGroupEgress",
            "Properties": {"GroupId": {"Ref": "G"}, "IpProtocol": "-1", "CidrIp": "10.0.0.0/16"},
        },
    )
    stack = deploy(tmp_path, body)
    group_id = stack.resources["G"].physical_id
    attachment = stack.resources["SelfIn"].model
    assert attachment == SecurityGroupRuleAttachment(
        "SelfIn", group_id, "ingress", Rule("tcp", 80, 80, group_id=group_id)
    )
    out = stack.resources["Out"].model
    assert isinstance(out, SecurityGroupRuleAttachment) and out.direction == "egress"


def test_group_referring_to_itself_inline_is_a_cycle(tmp_path: Path) -> None:
    body = network(G=sg(SecurityGroupIngress=[{"IpProtocol": "-1", "SourceSecurityGroupId": {"Ref": "G"}}]))
    assert "Circular dependency between resources: [G]" in str(error_of(tmp_path, body))


def test_instances_get_addresses_after_the_reserved_ones(tmp_path: Path) -> None:
    user_data = {"Fn::Base64": {"Fn::Sub": "#!/bin/sh\nnode app.js --region ${AWS::Region}\n"}}
    body = network(
        G=sg(),
        A=instance(SecurityGroupIds=[{"Ref": "G"}], UserData=user_data),
        B=instance(PrivateIpAddress="10.0.1.5"),
        C=instance(),
        D=instance(),
    )
    stack = deploy(tmp_path, body)
    models = {k: stack.resources[k].model for k in "ABCD"}
    assert all(isinstance(m, Instance) for m in models.values())
    ips = {k: str(m.private_ip) for k, m in models.items() if isinstance(m, Instance)}
    assert ips == {"A": "10.0.1.4", "B": "10.0.1.5", "C": "10.0.1.6", "D": "10.0.1.7"}
    a = models["A"]
    assert isinstance(a, Instance)
    assert a.user_data == "#!/bin/sh\nnode app.js --region us-east-1\n"
    assert a.security_group_ids == (stack.resources["G"].physical_id,)
    c = models["C"]
    assert isinstance(c, Instance)
    assert c.security_group_ids == (stack.resources["Vpc"].attributes["DefaultSecurityGroup"],)
    attributes = stack.resources["A"].attributes
    assert attributes["PrivateIp"] == "10.0.1.4"
    assert attributes["PrivateDnsName"] == "ip-10-0-1-4.ec2.internal"
    assert attributes["AvailabilityZone"] == "us-east-1a"
    assert stack.resources["A"].physical_id.startswith("i-")


@pytest.mark.parametrize(
    ("props", "key", "message"),
    [
        ({"PrivateIpAddress": "10.0.2.4"}, "PrivateIpAddress", "not in subnet Private"),
        ({"PrivateIpAddress": "10.0.1.3"}, "PrivateIpAddress", "reserved"),
        ({"PrivateIpAddress": "10.0.1.255"}, "PrivateIpAddress", "reserved"),
        ({"PrivateIpAddress": "10.0.1.x"}, "PrivateIpAddress", "not an IPv4 address"),
        ({"UserData": "not base64!"}, "UserData", "base64"),
        ({"SecurityGroups": ["default"]}, "SecurityGroups", "SecurityGroupIds"),
        ({"SubnetId": "subnet-0123abcd"}, "SubnetId", "give PrivateIpAddress"),
    ],
)
def test_instance_errors(tmp_path: Path, props: dict[str, Any], key: str, message: str) -> None:
    error = error_of(tmp_path, network(I=instance(**props)))
    assert message in str(error)
    assert error.pointer == f"/Resources/I/Properties/{key}"


def test_taken_address_is_an_error(tmp_path: Path) -> None:
    body = network(A=instance(PrivateIpAddress="10.0.1.9"), B=instance(PrivateIpAddress="10.0.1.9"))
    assert "already used" in str(error_of(tmp_path, body))


def test_user_data_round_trips_unicode(tmp_path: Path) -> None:
    text = "échoïng ✓\n"
    body = network(I=instance(UserData=base64.b64encode(text.encode()).decode()))
    model = deploy(tmp_path, body).resources["I"].model
    assert isinstance(model, Instance) and model.user_data == text


def test_instance_in_foreign_subnet_with_address(tmp_path: Path) -> None:
    body = {
        "Resources": {
            "I": {
                "Type": "AWS::EC2::Instance",
                "Properties": {"SubnetId": "subnet-0123abcd", "PrivateIpAddress": "10.0.1.10"},
            }
        }
    }
    stack = deploy(tmp_path, body, region="eu-west-1")
    assert stack.resources["I"].attributes["PrivateDnsName"] == "ip-10-0-1-10.eu-west-1.compute.internal"
    assert len(stack.warnings) == 1


def test_subnet_zone_must_belong_to_the_region(tmp_path: Path) -> None:
    body = network()
    body["Resources"]["Private"]["Properties"]["AvailabilityZone"] = "eu-west-1a"
    error = error_of(tmp_path, body)
    assert "not a zone of us-east-1" in str(error)
    assert error.pointer == "/Resources/Private/Properties/AvailabilityZone"
    body["Resources"]["Private"]["Properties"]["AvailabilityZone"] = "us-east-1c"
    assert deploy(tmp_path, body).resources["Private"].attributes["AvailabilityZone"] == "us-east-1c"
