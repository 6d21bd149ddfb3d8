"""Pseudo parameters: what ``Ref: AWS::...`` gives, and the region-derived facts behind them.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html

- AWS::Partition is ``aws``, ``aws-cn`` for ``cn-*`` regions, ``aws-us-gov`` for ``us-gov-*`` regions.
- AWS::URLSuffix is ``amazonaws.com``, ``amazonaws.com.cn`` in the China regions.
- AWS::StackId is ``arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/UUID``; the UUID is derived
  from (region, account, stack name) so it is the same on every run.
- AWS::NoValue is not a value: Ref gives :data:`vpcgate.deploy.intrinsics.NO_VALUE`, which removes
  the key or list item that holds it.
- Fn::GetAZs gives the zones that have a default subnet, which depends on the account. Locally:
  ``us-east-1`` has six (``a``..``f``), every other region three (``a``..``c``). Say so when it matters.
"""

from __future__ import annotations

import string
from typing import Any

from vpcgate.deploy.ids import stable_uuid

PSEUDO_NAMES = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def url_suffix_for(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def stack_id_for(stack_name: str, region: str, account_id: str) -> str:
    uuid = stable_uuid(region, account_id, stack_name)
    return f"arn:{partition_for(region)}:cloudformation:{region}:{account_id}:stack/{stack_name}/{uuid}"


def availability_zones(region: str) -> list[str]:
    """What ``Fn::GetAZs`` gives locally (see the module docstring)."""
    count = 6 if region == "us-east-1" else 3
    return [region + letter for letter in string.ascii_lowercase[:count]]


def pseudo_values(*, stack_name: str, stack_id: str, region: str, account_id: str) -> dict[str, Any]:
    """Every pseudo parameter but AWS::NoValue (which the evaluator handles)."""
    return {
        "AWS::AccountId": account_id,
        "AWS::NotificationARNs": [],
        "AWS::Partition": partition_for(region),
        "AWS::Region": region,
        "AWS::StackId": stack_id,
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": url_suffix_for(region),
    }
