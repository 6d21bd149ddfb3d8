"""decide(): AWS security-group semantics on a small topology, no kernel involved."""

from __future__ import annotations

import ipaddress

import pytest

from vpcgate.errors import DeployError
from vpcgate.network.model import Instance, Rule, SecurityGroup, SecurityGroupRuleAttachment, Subnet, Vpc
from vpcgate.network.policy import Endpoint, EndpointKind, Topology, decide, protocol_number

V4 = ipaddress.IPv4Address
N4 = ipaddress.IPv4Network
FN = EndpointKind.FUNCTION
INST = EndpointKind.INSTANCE
ANY = N4("0.0.0.0/0")
ALL_OUT = Rule("-1", -1, -1, cidr=N4("0.0.0.0/0"))


def _ep(name: str, kind: EndpointKind, subnet: str, ip: str, *groups: str) -> Endpoint:
    return Endpoint(name, kind, subnet, V4(ip), groups)


def _sg(gid: str, ingress: tuple[Rule, ...] = (), egress: tuple[Rule, ...] = (ALL_OUT,)) -> SecurityGroup:
    return SecurityGroup(gid, gid, "vpc-a", gid, ingress, egress)


def _topology(*groups: SecurityGroup, attachments: tuple[SecurityGroupRuleAttachment, ...] = ()) -> Topology:
    topo = Topology.build(
        vpcs=[Vpc("A", "vpc-a", N4("10.213.0.0/16")), Vpc("B", "vpc-b", N4("10.214.0.0/16"))],
        subnets=[
            Subnet("S1", "subnet-1", "vpc-a", N4("10.213.1.0/24"), "az"),
            Subnet("S2", "subnet-2", "vpc-a", N4("10.213.2.0/24"), "az"),
            Subnet("S3", "subnet-3", "vpc-b", N4("10.214.1.0/24"), "az"),
        ],
        groups=[*groups, SecurityGroup("other", "sg-b", "vpc-b", "", (), (ALL_OUT,))],
        attachments=attachments,
        instances=[Instance("Web", "i-web", "subnet-1", V4("10.213.1.10"), ("sg-web",), None)],
    )
    topo = topo.with_endpoint(_ep("eni-fn", FN, "subnet-2", "10.213.2.4", "sg-fn"))
    topo = topo.with_endpoint(_ep("eni-x", FN, "subnet-1", "10.213.1.4", "sg-x"))
    return topo.with_endpoint(_ep("i-far", INST, "subnet-3", "10.214.1.9", "sg-b"))


WEB_FROM_FN = _sg("sg-web", ingress=(Rule("tcp", 8080, 8080, group_id="sg-fn"),))


def test_allowed_by_group_reference() -> None:
    topo = _topology(WEB_FROM_FN, _sg("sg-fn"), _sg("sg-x"))
    d = decide(topo, "10.213.2.4", "10.213.1.10", 8080)
    assert d.allowed, d.reason


def test_other_port_and_other_group_and_udp_denied() -> None:
    topo = _topology(WEB_FROM_FN, _sg("sg-fn"), _sg("sg-x"))
    assert not decide(topo, "10.213.2.4", "10.213.1.10", 8081).allowed
    assert not decide(topo, "10.213.1.4", "10.213.1.10", 8080).allowed  # same subnet, wrong group
    assert not decide(topo, "10.213.2.4", "10.213.1.10", 8080, "udp").allowed


def test_outside_and_other_vpc_and_function_eni_denied() -> None:
    topo = _topology(WEB_FROM_FN, _sg("sg-fn"), _sg("sg-x", ingress=(Rule("-1", -1, -1, cidr=ANY),)))
    assert "not an interface" in decide(topo, "127.0.0.1", "10.213.1.10", 8080).reason
    assert "different VPCs" in decide(topo, "10.214.1.9", "10.213.1.10", 8080).reason
    assert "accepts no inbound" in decide(topo, "10.213.1.10", "10.213.1.4", 80).reason
    assert "outside vpc-a" in decide(topo, "10.213.2.4", "169.254.169.254", 80).reason
    assert "no interface holds" in decide(topo, "10.213.2.4", "10.213.1.99", 80).reason


def test_cidr_rule_and_all_protocols() -> None:
    web = _sg("sg-web", ingress=(Rule("-1", -1, -1, cidr=N4("10.213.2.0/24")),))
    topo = _topology(web, _sg("sg-fn"), _sg("sg-x"))
    assert decide(topo, "10.213.2.4", "10.213.1.10", 9999, "udp").allowed
    assert not decide(topo, "10.213.1.4", "10.213.1.10", 9999).allowed


def test_egress_rule_restricts() -> None:
    web = _sg("sg-web", ingress=(Rule("tcp", 0, 65535, cidr=N4("10.213.0.0/16")),))
    fn = _sg("sg-fn", egress=(Rule("tcp", 8080, 8080, cidr=N4("10.213.1.0/24")),))
    topo = _topology(web, fn, _sg("sg-x"))
    assert decide(topo, "10.213.2.4", "10.213.1.10", 8080).allowed
    d = decide(topo, "10.213.2.4", "10.213.1.10", 8081)
    assert not d.allowed and "egress" in d.reason


def test_no_egress_rules_means_no_outbound() -> None:
    web = _sg("sg-web", ingress=(Rule("-1", -1, -1, cidr=ANY),))
    topo = _topology(web, _sg("sg-fn", egress=()), _sg("sg-x"))
    assert not decide(topo, "10.213.2.4", "10.213.1.10", 80).allowed


def test_self_referencing_group_through_attachment() -> None:
    web = _sg("sg-web")
    rule = Rule("tcp", 80, 80, group_id="sg-web")
    selfref = SecurityGroupRuleAttachment("SelfIn", "sg-web", "ingress", rule)
    topo = _topology(web, _sg("sg-fn"), _sg("sg-x"), attachments=(selfref,))
    topo = topo.with_endpoint(_ep("i-2", INST, "subnet-2", "10.213.2.20", "sg-web"))
    assert decide(topo, "10.213.2.20", "10.213.1.10", 80).allowed
    assert not decide(topo, "10.213.2.4", "10.213.1.10", 80).allowed


def test_aggregated_groups_and_icmp() -> None:
    extra = _sg("sg-icmp", ingress=(Rule("icmp", 8, -1, cidr=N4("10.213.0.0/16")),))
    topo = _topology(WEB_FROM_FN, _sg("sg-fn"), _sg("sg-x"), extra)
    topo = topo.with_endpoint(_ep("i-3", INST, "subnet-2", "10.213.2.30", "sg-web", "sg-icmp"))
    assert decide(topo, "10.213.2.4", "10.213.2.30", 8, "icmp").allowed
    assert not decide(topo, "10.213.2.4", "10.213.2.30", 0, "icmp").allowed
    assert decide(topo, "10.213.2.4", "10.213.2.30", 8080, "6").allowed


def test_build_rejects_bad_input() -> None:
    topo = _topology(WEB_FROM_FN, _sg("sg-fn"), _sg("sg-x"))
    with pytest.raises(DeployError, match="already used"):
        topo.with_endpoint(_ep("e", FN, "subnet-1", "10.213.1.10"))
    with pytest.raises(DeployError, match="not a usable address"):
        topo.with_endpoint(_ep("e", FN, "subnet-1", "10.213.1.1"))
    with pytest.raises(DeployError, match="another VPC"):
        topo.with_endpoint(_ep("e", FN, "subnet-1", "10.213.1.50", "sg-b"))
    with pytest.raises(DeployError, match="not inside VPC"):
        Topology.build(
            vpcs=[Vpc("A", "vpc-a", N4("10.213.0.0/16"))],
            subnets=[Subnet("S", "subnet-x", "vpc-a", N4("10.9.0.0/24"), "az")],
        )
    assert topo.next_free_address("subnet-1") == V4("10.213.1.5")


def test_protocol_numbers() -> None:
    assert protocol_number("TCP") == 6
    assert protocol_number("-1") is None
    assert protocol_number(17) == 17
    with pytest.raises(ValueError):
        protocol_number("sctp-ish")
