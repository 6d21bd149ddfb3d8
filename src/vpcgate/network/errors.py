"""Errors of the network layer.

::

    VpcgateError
    └── NetworkError            the host cannot give us what a VPC needs (root, ip, nft, a route
                                that overlaps a VPC's CIDR, a kernel refusal); the message says which
"""

from __future__ import annotations

from vpcgate.errors import VpcgateError


class NetworkError(VpcgateError):
    """A VPC could not be built or enforced on this host."""
