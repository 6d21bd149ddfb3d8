"""The nftables ruleset of one VPC namespace, rendered from a :class:`Topology`; pure text.

Where it runs: in the VPC's own namespace, which holds a bridge per subnet and the outer end of every
interface's veth. No code ever runs there, so code inside an instance or a function cannot touch it.
Two tables, both named ``vpcgate``:

- ``bridge vpcgate`` (hook prerouting, every frame entering a port): per-port anti-spoofing (the
  port's MAC, its IPv4 source address, its ARP sender), no broadcast or multicast but ARP, nothing
  but IPv4 and ARP (IPv6 link-local included: dropped at the port).
- ``inet vpcgate`` (hook forward; bridged frames reach it through br_netfilter, enabled per bridge
  with ``nf_call_iptables``): security groups. Stateful (``ct state established,related accept``),
  then the source's egress rules (``goto`` the destination's checks on a match), then the
  destination's ingress rules. Anything else goes to ``deny``: drop as AWS does, or a TCP reset /
  ICMP admin-prohibited with ``reject=True`` for fast failures. The namespace's own input is denied.

Names: a port is ``v`` + the interface's address in hex; a bridge ``b`` + the subnet's network
address in hex; the MAC of an interface is ``02:56:`` + its address bytes. Semantics mirror
:func:`vpcgate.network.policy.decide` (the integration tests compare the two).
"""

from __future__ import annotations

import ipaddress
import re

from vpcgate.network.model import Rule, Subnet
from vpcgate.network.policy import Endpoint, EndpointKind, Topology, protocol_number

TABLE = "vpcgate"


def port_name(ip: ipaddress.IPv4Address) -> str:
    return f"v{int(ip):08x}"


def bridge_name(subnet: Subnet) -> str:
    return f"b{int(subnet.cidr.network_address):08x}"


def mac_of(ip: ipaddress.IPv4Address) -> str:
    return "02:56:" + ":".join(f"{b:02x}" for b in ip.packed)


def _ident(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _set_name(group_id: str) -> str:
    return "g_" + _ident(group_id)


def _chain(prefix: str, ip: ipaddress.IPv4Address) -> str:
    return f"{prefix}_{int(ip):08x}"


def _proto_match(rule: Rule) -> str:
    proto = protocol_number(rule.protocol)
    if proto is None:
        return ""
    if proto in (6, 17):
        name = "tcp" if proto == 6 else "udp"
        if rule.from_port == -1 or (rule.from_port <= 0 and rule.to_port >= 65535):
            return f"meta l4proto {name}"
        if rule.from_port == rule.to_port:
            return f"{name} dport {rule.from_port}"
        return f"{name} dport {rule.from_port}-{rule.to_port}"
    if proto == 1:
        if rule.from_port == -1:
            return "meta l4proto icmp"
        code = f" icmp code {rule.to_port}" if rule.to_port != -1 else ""
        return f"icmp type {rule.from_port}{code}"
    return f"meta l4proto {proto}"


def _rule_line(rule: Rule, field: str, verdict: str) -> str | None:
    """One rule as nft text; None for rules that can never match here (IPv6 CIDRs: IPv6 is dropped)."""
    if rule.cidr is not None:
        if rule.cidr.version != 4:
            return None
        peer = f"ip {field} {rule.cidr}"
    elif rule.group_id is not None:
        peer = f"ip {field} @{_set_name(rule.group_id)}"
    else:
        return None
    parts = [peer, _proto_match(rule), verdict]
    return " ".join(p for p in parts if p)


def _referenced_groups(topo: Topology, endpoints: list[Endpoint]) -> set[str]:
    out: set[str] = set()
    for ep in endpoints:
        for direction in ("ingress", "egress"):
            out.update(r.group_id for r in topo.rules(ep, direction) if r.group_id is not None)
    return out


def _vmap(key: str, entries: dict[str, str]) -> list[str]:
    if not entries:
        return []
    body = ", ".join(f"{k} : {v}" for k, v in entries.items())
    return [f"{key} vmap {{ {body} }}"]


def _chain_block(name: str, lines: list[str], hook: str | None = None) -> list[str]:
    head = [f"    type filter hook {hook} priority filter; policy drop;"] if hook else []
    return [f"  chain {name} {{", *head, *(f"    {line}" for line in lines), "  }"]


def vpc_endpoints(topo: Topology, vpc_id: str) -> list[Endpoint]:
    return sorted(
        (ep for ep in topo.endpoints.values() if topo.vpc_of(ep).vpc_id == vpc_id), key=lambda e: int(e.ip)
    )


def render_inet(topo: Topology, vpc_id: str, *, reject: bool = False) -> str:
    """The security-group table of one VPC namespace."""
    endpoints = vpc_endpoints(topo, vpc_id)
    vpc_ips = {ep.ip for ep in endpoints}
    out = [f"table inet {TABLE} {{"]
    for gid in sorted(_referenced_groups(topo, endpoints)):
        members = sorted((ip for ip in topo.members(gid) if ip in vpc_ips), key=int)
        elements = f" elements = {{ {', '.join(map(str, members))} }};" if members else ""
        out.append(f"  set {_set_name(gid)} {{ type ipv4_addr;{elements} }}")
    sources = {str(ep.ip): f"goto {_chain('eg', ep.ip)}" for ep in endpoints}
    out += _chain_block(
        "forward",
        [
            "ct state established,related accept",
            "meta nfproto != ipv4 drop",
            "ct state invalid drop",
            *_vmap("ip saddr", sources),
            "goto deny",
        ],
        hook="forward",
    )
    out += _chain_block("input", ["ct state established,related accept", "goto deny"], hook="input")
    dests = {str(ep.ip): f"goto {_chain('in', ep.ip)}" for ep in endpoints}
    out += _chain_block("to_dest", [*_vmap("ip daddr", dests), "goto deny"])
    for ep in endpoints:
        egress = [_rule_line(r, "daddr", "goto to_dest") for r in topo.rules(ep, "egress")]
        out += _chain_block(_chain("eg", ep.ip), [*(line for line in egress if line), "goto deny"])
        ingress: list[str | None] = []
        if ep.kind is EndpointKind.INSTANCE:  # a function ENI accepts no inbound connection
            ingress = [_rule_line(r, "saddr", "accept") for r in topo.rules(ep, "ingress")]
        out += _chain_block(_chain("in", ep.ip), [*(line for line in ingress if line), "goto deny"])
    deny = ["meta l4proto tcp reject with tcp reset", "reject with icmpx admin-prohibited"] if reject else []
    out += _chain_block("deny", [*deny, "drop"])
    out.append("}")
    return "\n".join(out) + "\n"


def render_bridge(topo: Topology, vpc_id: str) -> str:
    """The anti-spoofing table of one VPC namespace: each port may speak only as its own interface."""
    endpoints = vpc_endpoints(topo, vpc_id)
    ports = {f'"{port_name(ep.ip)}"': f"goto {_chain('port', ep.ip)}" for ep in endpoints}
    out = [f"table bridge {TABLE} {{"]
    out += [
        "  chain ports {",
        "    type filter hook prerouting priority -200; policy drop;",
        *(f"    {line}" for line in _vmap("iifname", ports)),
        "  }",
    ]
    for ep in endpoints:
        mac = mac_of(ep.ip)
        out += _chain_block(
            _chain("port", ep.ip),
            [
                f"ether saddr != {mac} drop",
                "meta pkttype { broadcast, multicast } ether type != arp drop",
                f"ether type arp arp saddr ether {mac} arp saddr ip {ep.ip} accept",
                f"ether type ip ip saddr {ep.ip} accept",
                "drop",
            ],
        )
    out.append("}")
    return "\n".join(out) + "\n"


def replace_tables(*tables: tuple[str, str]) -> str:
    """One transaction that (re)creates each ``(family, text)`` table: add, delete, define."""
    out: list[str] = []
    for family, text in tables:
        out += [f"add table {family} {TABLE}", f"delete table {family} {TABLE}", text]
    return "\n".join(out)


def delete_tables(*families: str) -> str:
    return "\n".join(f"add table {f} {TABLE}\ndelete table {f} {TABLE}" for f in families) + "\n"
