"""The nftables text rendered for a VPC namespace: rules, sets, anti-spoofing; pure, no kernel."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from vpcgate.network.enforce import ruleset
from vpcgate.network.launch import RuntimePortGuard
from vpcgate.network.model import Rule, SecurityGroup, Subnet, Vpc
from vpcgate.network.policy import Endpoint, EndpointKind, Topology
from vpcgate.network.services import script_argv

N4 = ipaddress.IPv4Network
V4 = ipaddress.IPv4Address


def _topology(
    *ingress: Rule, egress: tuple[Rule, ...] = (Rule("-1", -1, -1, cidr=N4("0.0.0.0/0")),)
) -> Topology:
    topo = Topology.build(
        vpcs=[Vpc("V", "vpc-1", N4("10.213.0.0/16"))],
        subnets=[Subnet("S", "subnet-1", "vpc-1", N4("10.213.1.0/24"), "az")],
        groups=[
            SecurityGroup("W", "sg-w", "vpc-1", "", ingress, egress),
            SecurityGroup("F", "sg-f", None, "", (), ()),
        ],
    )
    topo = topo.with_endpoint(
        Endpoint("i-1", EndpointKind.INSTANCE, "subnet-1", V4("10.213.1.10"), ("sg-w",))
    )
    return topo.with_endpoint(
        Endpoint("eni-1", EndpointKind.FUNCTION, "subnet-1", V4("10.213.1.4"), ("sg-f",))
    )


def test_rules_render_ports_protocols_and_group_sets() -> None:
    topo = _topology(
        Rule("tcp", 8080, 8081, group_id="sg-f"),
        Rule("udp", 53, 53, cidr=N4("10.213.0.0/16")),
        Rule("icmp", 8, -1, cidr=N4("10.213.1.0/24")),
        Rule("tcp", 0, 65535, cidr=N4("10.213.2.0/24")),
        Rule("47", -1, -1, cidr=N4("10.213.3.0/24")),
        Rule("-1", -1, -1, cidr=ipaddress.IPv6Network("::/0")),
    )
    text = ruleset.render_inet(topo, "vpc-1")
    assert "set g_sg_f { type ipv4_addr; elements = { 10.213.1.4 }; }" in text
    assert "ip saddr @g_sg_f tcp dport 8080-8081 accept" in text
    assert "ip saddr 10.213.0.0/16 udp dport 53 accept" in text
    assert "ip saddr 10.213.1.0/24 icmp type 8 accept" in text
    assert "ip saddr 10.213.2.0/24 meta l4proto tcp accept" in text
    assert "ip saddr 10.213.3.0/24 meta l4proto 47 accept" in text
    assert "::/0" not in text  # IPv6 is dropped at every port: such a rule can never match
    assert "ct state established,related accept" in text
    assert "reject" not in text


def test_function_eni_gets_no_ingress_and_no_egress_rules_mean_deny() -> None:
    text = ruleset.render_inet(_topology(Rule("-1", -1, -1, cidr=N4("0.0.0.0/0"))), "vpc-1", reject=True)
    eni_in = text.split("chain in_0ad50104 {")[1].split("}")[0]
    assert eni_in.split() == ["goto", "deny"]
    eni_out = text.split("chain eg_0ad50104 {")[1].split("}")[0]
    assert eni_out.split() == ["goto", "deny"]  # sg-f has no egress rule at all
    assert "meta l4proto tcp reject with tcp reset" in text


def test_bridge_table_pins_each_port_to_its_mac_and_address() -> None:
    text = ruleset.render_bridge(_topology(), "vpc-1")
    assert '"v0ad5010a" : goto port_0ad5010a' in text
    assert "ether saddr != 02:56:0a:d5:01:0a drop" in text
    assert "ether type ip ip saddr 10.213.1.10 accept" in text
    assert "arp saddr ether 02:56:0a:d5:01:0a arp saddr ip 10.213.1.10 accept" in text
    assert "meta pkttype { broadcast, multicast } ether type != arp drop" in text
    assert "policy drop" in text


def test_replace_is_one_transaction_that_creates_then_deletes_then_defines() -> None:
    text = ruleset.replace_tables(("inet", "table inet vpcgate {\n}\n"))
    assert text.splitlines()[:3] == [
        "add table inet vpcgate",
        "delete table inet vpcgate",
        "table inet vpcgate {",
    ]


def test_runtime_port_guard_rules() -> None:
    text = RuntimePortGuard.render({41000: 2000000001, 41001: 2000000002})
    assert "fib daddr type local tcp dport 41000 meta skuid != 2000000001 reject" in text
    assert "hook output" in text and "policy accept" in text


def test_user_data_interpreter() -> None:
    assert script_argv("#!/usr/bin/python3\nprint(1)\n", Path("/x")) == ["/x"]
    assert script_argv("echo hi\n", Path("/x")) == ["/bin/sh", "/x"]
