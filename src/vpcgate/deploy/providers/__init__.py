"""The provider registry: CloudFormation resource type → the provider that deploys it.

One module per type or small family (``iam``, ``lambda_function``, ``lambda_extras``, ``ec2_vpc``,
``ec2_security_group``, ``ec2_instance``, ``elbv2``; ``apigateway`` is its own package). Types in
:data:`vpcgate.deploy.providers.skipped.SKIPPED_PATTERNS` deploy as placeholders with a warning
(an error with ``strict``); any other type is an error listing :func:`supported_types`.
"""

from __future__ import annotations

from collections.abc import Mapping

from vpcgate.deploy.providers import (
    ec2_instance,
    ec2_security_group,
    ec2_vpc,
    elbv2,
    iam,
    lambda_extras,
    lambda_function,
)
from vpcgate.deploy.providers.apigateway import PROVIDERS as _APIGATEWAY
from vpcgate.deploy.providers.base import Provider
from vpcgate.deploy.providers.known_properties import KNOWN_PROPERTIES
from vpcgate.deploy.providers.skipped import SKIPPED_PATTERNS, is_skipped

_ALL: tuple[Provider, ...] = (
    *iam.PROVIDERS,
    *lambda_function.PROVIDERS,
    *lambda_extras.PROVIDERS,
    *ec2_vpc.PROVIDERS,
    *ec2_security_group.PROVIDERS,
    *ec2_instance.PROVIDERS,
    *elbv2.PROVIDERS,
    *_APIGATEWAY,
)
PROVIDERS: Mapping[str, Provider] = {provider.resource_type: provider for provider in _ALL}


def provider_for(resource_type: str) -> Provider | None:
    """The provider for ``resource_type``, or None (skipped or unknown: see :func:`is_skipped`)."""
    return PROVIDERS.get(resource_type)


def known_properties(resource_type: str) -> frozenset[str] | None:
    """The property names AWS accepts for ``resource_type``, where this registry lists them."""
    return KNOWN_PROPERTIES.get(resource_type)


def supported_types() -> list[str]:
    return sorted(PROVIDERS)


__all__ = [
    "PROVIDERS",
    "SKIPPED_PATTERNS",
    "is_skipped",
    "known_properties",
    "provider_for",
    "supported_types",
]
