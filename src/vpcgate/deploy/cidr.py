"""Fn::Cidr: the first ``count`` blocks with ``cidrBits`` host bits inside ``ipBlock``.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-cidr.html
``cidrBits`` counts *host* bits ("subnet bits is the inverse of subnet mask"): ``8`` in IPv4 gives
``/24`` (32 - 8), in IPv6 ``/120`` (128 - 8). ``count`` is 1..256. AWS's example:
``["192.168.0.0/24", 6, 5]`` → ``192.168.0.0/27``, ``192.168.0.32/27``, ... ``192.168.0.160/27``.
The block is taken as written with host bits cleared (``10.0.0.1/16`` is ``10.0.0.0/16``).

Errors: ValueError with a message (the evaluator adds the pointer).
"""

from __future__ import annotations

import ipaddress
import itertools


def cidr(ip_block: str, count: int, cidr_bits: int) -> list[str]:
    try:
        network = ipaddress.ip_network(ip_block, strict=False)
    except ValueError:
        raise ValueError(f"{ip_block!r} is not a CIDR block") from None
    if not 1 <= count <= 256:
        raise ValueError(f"count must be between 1 and 256, not {count}")
    if not 0 <= cidr_bits <= network.max_prefixlen:
        raise ValueError(f"cidrBits must be between 0 and {network.max_prefixlen}, not {cidr_bits}")
    new_prefix = network.max_prefixlen - cidr_bits
    if new_prefix < network.prefixlen:
        raise ValueError(
            f"cidrBits {cidr_bits} makes /{new_prefix} blocks, larger than {network.with_prefixlen}"
        )
    available = 2 ** (new_prefix - network.prefixlen)
    if count > available:
        raise ValueError(f"{network.with_prefixlen} holds only {available} /{new_prefix} blocks, not {count}")
    subnets = network.subnets(new_prefix=new_prefix)
    return [str(block) for block in itertools.islice(subnets, count)]
