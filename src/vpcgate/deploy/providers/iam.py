"""AWS::IAM::Role, ::Policy, ::ManagedPolicy, ::InstanceProfile: recorded, not enforced.

vpcgate does not evaluate IAM locally; these providers exist so templates deploy unchanged and so
``Ref`` / ``Fn::GetAtt`` give values shaped like AWS's:

- Role: Ref = role name; Arn = ``arn:PARTITION:iam::ACCOUNT:role{Path}NAME``; RoleId = ``AROA`` + 17
  characters. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html
- Policy: Ref = a generated id; Id. aws-resource-iam-policy.html
- ManagedPolicy: Ref = its ARN ``arn:PARTITION:iam::ACCOUNT:policy{Path}NAME``; PolicyArn, PolicyId.
  aws-resource-iam-managedpolicy.html
- InstanceProfile: Ref = name; Arn ``...:instance-profile{Path}NAME``.
  aws-resource-iam-instanceprofile.html

Names are the given ``RoleName`` / ``ManagedPolicyName`` / ``InstanceProfileName`` or generated
(stack-logicalId-SUFFIX, at most 64 characters, as AWS does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vpcgate.deploy.ids import generated_name, upper_suffix
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.deploy.providers.props import Props


@dataclass(frozen=True)
class RoleSpec:
    logical_id: str
    name: str
    arn: str
    path: str
    assume_role_policy: Mapping[str, Any]
    managed_policy_arns: tuple[str, ...] = ()
    inline_policies: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class PolicySpec:
    logical_id: str
    name: str
    document: Mapping[str, Any]
    roles: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    arn: str | None = None  # managed policies only
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InstanceProfileSpec:
    logical_id: str
    name: str
    arn: str
    roles: tuple[str, ...]


def _path(props: Props) -> str:
    path = props.text("Path", default="/") or "/"
    if not (path.startswith("/") and path.endswith("/")):
        raise props.error("Property Path must begin and end with '/'", "Path")
    return path


def _name(props: Props, key: str, ctx: DeployContext) -> str:
    name = props.text(key)
    return name if name else generated_name(ctx.stack_name, props.res.logical_id, 64)


def _document(props: Props, key: str) -> dict[str, Any]:
    document = props.required(key)
    if not isinstance(document, dict):
        raise props.error(f"Property {key} must be an object", key)
    return document


def _policy_spec(props: Props, name: str, document: dict[str, Any], arn: str | None = None) -> PolicySpec:
    """A Policy's or ManagedPolicy's document and attachments (Roles, Users, Groups)."""
    return PolicySpec(
        logical_id=props.res.logical_id,
        name=name,
        document=document,
        roles=props.text_list("Roles"),
        users=props.text_list("Users"),
        groups=props.text_list("Groups"),
        arn=arn,
    )


def _iam_arn(ctx: DeployContext, kind: str, path: str, name: str) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account_id}:{kind}{path}{name}"


class RoleProvider:
    resource_type = "AWS::IAM::Role"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        document = _document(props, "AssumeRolePolicyDocument")
        name, path = _name(props, "RoleName", ctx), _path(props)
        policies = props.raw("Policies") or []
        if not isinstance(policies, list):
            raise props.error("Property Policies must be a list", "Policies")
        spec = RoleSpec(
            logical_id=res.logical_id,
            name=name,
            arn=_iam_arn(ctx, "role", path, name),
            path=path,
            assume_role_policy=document,
            managed_policy_arns=props.text_list("ManagedPolicyArns"),
            inline_policies=tuple(policies),
        )
        role_id = "AROA" + upper_suffix(17, ctx.stack_name, res.logical_id, "role")
        attributes = {"Arn": spec.arn, "RoleId": role_id}
        return Deployed(res.logical_id, res.resource_type, name, attributes, spec)


class PolicyProvider:
    resource_type = "AWS::IAM::Policy"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        document = _document(props, "PolicyDocument")
        spec = _policy_spec(props, props.required_text("PolicyName"), document)
        physical_id = generated_name(ctx.stack_name, res.logical_id, 64)
        return Deployed(res.logical_id, res.resource_type, physical_id, {"Id": physical_id}, spec)


class ManagedPolicyProvider:
    resource_type = "AWS::IAM::ManagedPolicy"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        document = _document(props, "PolicyDocument")
        name, path = _name(props, "ManagedPolicyName", ctx), _path(props)
        arn = _iam_arn(ctx, "policy", path, name)
        policy_id = "ANPA" + upper_suffix(17, ctx.stack_name, res.logical_id, "policy")
        spec = _policy_spec(props, name, document, arn)
        attributes = {"PolicyArn": arn, "PolicyId": policy_id}
        return Deployed(res.logical_id, res.resource_type, arn, attributes, spec)


class InstanceProfileProvider:
    resource_type = "AWS::IAM::InstanceProfile"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        roles = props.text_list("Roles")
        if len(roles) != 1:
            raise props.error("Property Roles must name exactly one role", "Roles")
        name, path = _name(props, "InstanceProfileName", ctx), _path(props)
        spec = InstanceProfileSpec(res.logical_id, name, _iam_arn(ctx, "instance-profile", path, name), roles)
        return Deployed(res.logical_id, res.resource_type, name, {"Arn": spec.arn}, spec)


PROVIDERS = (RoleProvider(), PolicyProvider(), ManagedPolicyProvider(), InstanceProfileProvider())
