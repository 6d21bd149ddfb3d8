"""Guard mode's allow tables agree with decide() (hypothesis draws rules and ports)."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcgate.functions.model import CodeKind, FunctionCode, FunctionSpec, VpcConfig
from vpcgate.network.guard import Guard, loopback_alias
from vpcgate.network.model import Instance, Rule, SecurityGroup, Subnet, Vpc
from vpcgate.network.policy import Topology, decide

N4 = ipaddress.IPv4Network
V4 = ipaddress.IPv4Address


def _spec(vpc: VpcConfig | None) -> FunctionSpec:
    code = FunctionCode(CodeKind.INLINE, inline_source="")
    return FunctionSpec(
        "Fn",
        "fn",
        "arn:aws:lambda:us-east-1:000000000000:function:fn",
        "nodejs20.x",
        "i.h",
        code,
        vpc_config=vpc,
    )


PROTOS = st.sampled_from(["tcp", "udp", "-1", "icmp"])
RULES = st.builds(
    lambda proto, lo, width, peer: Rule(proto, lo, min(65535, lo + width), **peer),
    PROTOS,
    st.integers(0, 65535),
    st.integers(0, 2000),
    st.sampled_from([{"group_id": "sg-fn"}, {"cidr": N4("10.213.2.0/24")}, {"cidr": N4("10.99.0.0/16")}]),
)


def _guard(ingress: list[Rule], egress: list[Rule]) -> Guard:
    topo = Topology.build(
        vpcs=[Vpc("V", "vpc-1", N4("10.213.0.0/16"))],
        subnets=[
            Subnet("A", "subnet-a", "vpc-1", N4("10.213.1.0/24"), "az"),
            Subnet("B", "subnet-b", "vpc-1", N4("10.213.2.0/24"), "az"),
        ],
        groups=[
            SecurityGroup("W", "sg-web", "vpc-1", "", tuple(ingress), ()),
            SecurityGroup("F", "sg-fn", "vpc-1", "", (), tuple(egress)),
        ],
        instances=[Instance("I", "i-web", "subnet-a", V4("10.213.1.10"), ("sg-web",), None)],
    )
    return Guard(topo)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(RULES, max_size=3),
    st.lists(st.builds(lambda p: Rule(p, -1, -1, cidr=N4("0.0.0.0/0")), PROTOS) | RULES, max_size=3),
    st.sampled_from(["tcp", "udp"]),
    st.integers(0, 65535),
)
def test_table_agrees_with_decide(ingress: list[Rule], egress: list[Rule], proto: str, port: int) -> None:
    guard = _guard(ingress, egress)
    spec = _spec(VpcConfig(("subnet-b",), ("sg-fn",)))
    table = guard.table(spec)
    source = guard.place_function(spec)
    assert source is not None
    number = 6 if proto == "tcp" else 17
    entry = table["allow"].get("10.213.1.10")
    in_table = entry is not None and any(
        (p is None or p == number) and lo <= port <= hi for p, lo, hi in entry["ranges"]
    )
    assert in_table == decide(guard.topology, source.ip, "10.213.1.10", port, proto).allowed


def test_no_vpc_function_gets_an_empty_table_and_aliases_are_loopback() -> None:
    guard = _guard([Rule("-1", -1, -1, cidr=N4("0.0.0.0/0"))], [])
    table = guard.table(_spec(None))
    assert table == {"vpc_cidrs": ["10.213.0.0/16"], "allow": {}, "aliases": ["127.213.1.10"]}
    assert loopback_alias(V4("10.213.1.10")) == V4("127.213.1.10")
    env = guard.instance_env(Instance("I", "i-web", "subnet-a", V4("10.213.1.10"), (), None))
    assert env == {"HOST": "127.213.1.10", "VPCGATE_PRIVATE_IP": "10.213.1.10"}
