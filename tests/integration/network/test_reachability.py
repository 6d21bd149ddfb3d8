"""Security groups enforced by the kernel, checked with real TCP against decide()'s verdicts."""

from __future__ import annotations

from tests.integration.network.conftest import Lab, needs_root
from vpcgate.network.policy import decide

pytestmark = needs_root


async def test_allowed_group_reaches_instance_and_others_do_not(lab: Lab) -> None:
    fn = await lab.network.eni_for(["subnet-a2"], ["sg-fn"])
    other = await lab.network.eni_for(["subnet-a1"], ["sg-other"])
    ok = await lab.probe("fn", fn, "tcp", host="10.213.1.10", port=8080)
    assert ok["escaped"] and "i-web:8080" in ok["detail"]
    denied = await lab.probe("other", other, "tcp", host="10.213.1.10", port=8080)
    assert not denied["escaped"], denied
    host = await lab.probe("outside", None, "tcp", host="10.213.1.10", port=8080)
    assert not host["escaped"] and "Errno 113" in host["detail"], host  # EHOSTUNREACH: unreachable route


async def test_the_vpcgate_process_itself_cannot_connect(lab: Lab) -> None:
    import socket

    with socket.socket() as s:
        s.settimeout(1)
        try:
            s.connect(("10.213.1.10", 8080))
        except OSError as exc:
            assert "unreachable" in str(exc).lower() or exc.errno in (101, 113)
        else:
            raise AssertionError("the host reached a private instance")


async def test_egress_rule_blocks_a_port_ingress_would_allow(lab: Lab) -> None:
    narrow = await lab.network.eni_for(["subnet-a2"], ["sg-narrow"])
    assert (await lab.probe("narrow", narrow, "tcp", host="10.213.1.10", port=8080))["escaped"]
    blocked = await lab.probe("narrow", narrow, "tcp", host="10.213.1.10", port=8081)
    assert not blocked["escaped"], blocked


async def test_self_referencing_group(lab: Lab) -> None:
    peer = await lab.network.eni_for(["subnet-a1"], ["sg-peer"])
    fn = await lab.network.eni_for(["subnet-a2"], ["sg-fn"])
    assert (await lab.probe("peer", peer, "tcp", host="10.213.2.20", port=8080))["escaped"]
    assert not (await lab.probe("fn", fn, "tcp", host="10.213.2.20", port=8080))["escaped"]


async def test_kernel_agrees_with_decide(lab: Lab) -> None:
    """Every (ENI, instance, port) pair: the kernel's verdict is decide()'s."""
    enis = {
        "fn": await lab.network.eni_for(["subnet-a2"], ["sg-fn"]),
        "other": await lab.network.eni_for(["subnet-a1"], ["sg-other"]),
        "narrow": await lab.network.eni_for(["subnet-a1"], ["sg-narrow"]),
        "peer": await lab.network.eni_for(["subnet-a2"], ["sg-peer"]),
    }
    targets = [("10.213.1.10", 8080), ("10.213.1.10", 8081), ("10.213.2.20", 8080), ("10.213.2.30", 8080)]
    targets.append(("10.214.1.10", 8080))
    mismatches = []
    for who, eni in enis.items():
        for host, port in targets:
            expected = decide(lab.network.topology, eni.ip, host, port, "tcp")
            got = await lab.probe(who, eni, "tcp", host=host, port=port)
            if got["escaped"] != expected.allowed:
                mismatches.append((who, host, port, expected, got))
    assert not mismatches


async def test_eni_is_shared_by_subnet_and_group_set(lab: Lab) -> None:
    a = await lab.network.eni_for(["subnet-a2", "subnet-a1"], ["sg-fn", "sg-other"])
    b = await lab.network.eni_for(["subnet-a2"], ["sg-other", "sg-fn", "sg-fn"])
    assert a == b
    assert a.subnet_id == "subnet-a2"


async def test_eni_connect_gives_a_vpc_link_style_connection(lab: Lab) -> None:
    import asyncio

    fn = await lab.network.eni_for(["subnet-a2"], ["sg-fn"])
    other = await lab.network.eni_for(["subnet-a1"], ["sg-other"])
    sock = await fn.connect("10.213.1.10", 8080)
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    assert b"i-web:8080" in await reader.read()
    writer.close()
    try:
        await other.connect("10.213.1.10", 8080)
    except ConnectionRefusedError:
        pass
    else:
        raise AssertionError("a group the instance does not admit connected")
