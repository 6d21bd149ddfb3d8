"""Resource types that do not matter locally: deployed as placeholders, with a warning.

Monitoring, logging, notifications, DNS, certificates and routing plumbing have no local effect on
what vpcgate runs (subnets are isolated by security groups, not route tables). Their Ref gives a
generated id and any Fn::GetAtt gives a placeholder text ``{physical id}.{attribute}``. With
``strict=True`` each one is an error instead. A type listed here that gains a real provider is
handled by that provider (providers win over this list).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping

from vpcgate.deploy.ids import generated_name
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput

SKIPPED_PATTERNS: tuple[str, ...] = (
    "AWS::ApiGateway::Account",
    "AWS::ApplicationAutoScaling::*",
    "AWS::Budgets::*",
    "AWS::CDK::Metadata",
    "AWS::CertificateManager::*",
    "AWS::CloudFormation::WaitCondition",
    "AWS::CloudFormation::WaitConditionHandle",
    "AWS::CloudTrail::*",
    "AWS::CloudWatch::*",
    "AWS::EC2::EIP",
    "AWS::EC2::EIPAssociation",
    "AWS::EC2::FlowLog",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::Route",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::Events::Rule",
    "AWS::KMS::Alias",
    "AWS::Logs::*",
    "AWS::Route53::*",
    "AWS::SNS::*",
    "AWS::SQS::QueuePolicy",
    "AWS::XRay::*",
)


def is_skipped(resource_type: str) -> bool:
    return any(fnmatch.fnmatchcase(resource_type, pattern) for pattern in SKIPPED_PATTERNS)


class PlaceholderAttributes(Mapping[str, str]):
    """Every attribute name maps to ``{physical id}.{name}``."""

    def __init__(self, physical_id: str) -> None:
        self._physical_id = physical_id

    def __getitem__(self, key: str) -> str:
        return f"{self._physical_id}.{key}"

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class SkippedProvider:
    """Deploys any skipped type as a placeholder and says so."""

    resource_type = "*"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        ctx.warn(f"{res.logical_id}: {res.resource_type} does nothing locally; skipped")
        physical_id = generated_name(ctx.stack_name, res.logical_id, 64)
        return Deployed(
            res.logical_id, res.resource_type, physical_id, PlaceholderAttributes(physical_id), None
        )


SKIPPED = SkippedProvider()
