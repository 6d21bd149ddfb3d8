"""AWS::Lambda::Permission, ::Version, ::Alias, ::EventInvokeConfig → the functions model.

- Permission: FunctionName (name, ARN or partial ARN), Action, Principal, SourceArn, SourceAccount;
  Ref = a generated id. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html
- Version: Ref = the version ARN ``...:function:NAME:N``; GetAtt Version = ``N`` and FunctionArn.
  Versions of a function are numbered 1, 2, ... in deploy order (AWS numbers them as published).
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-version.html
- Alias: Name (not all digits), FunctionVersion (``$LATEST`` or a number); Ref = the alias ARN
  ``...:function:NAME:ALIAS``; GetAtt AliasArn.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-alias.html
- EventInvokeConfig: FunctionName and Qualifier (``$LATEST``, a version or an alias) required;
  MaximumRetryAttempts 0-2; MaximumEventAgeInSeconds 60-21600; DestinationConfig.OnSuccess/OnFailure
  .Destination an ARN (an S3 bucket only on failure). Ref = a generated id; no attributes.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html
  https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from vpcgate.deploy.ids import generated_name
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.deploy.providers.lambda_function import function_arn, function_name_of
from vpcgate.deploy.providers.props import Props
from vpcgate.deploy.providers.run import models_of
from vpcgate.functions.model import (
    AliasSpec,
    EventInvokeConfig,
    FunctionSpec,
    PermissionSpec,
    VersionSpec,
)

_ALIAS = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}")


def _known_function(props: Props, ctx: DeployContext) -> FunctionSpec:
    """The FunctionSpec FunctionName points at; versions and aliases need one deployed in this run."""
    name = function_name_of(props.required_text("FunctionName"))
    for spec in models_of(ctx, FunctionSpec):
        if spec.name == name:
            return spec
    deployed = ctx.find_by_physical_id(name)
    if deployed is not None and isinstance(deployed.model, FunctionSpec):
        return deployed.model
    raise props.error(f"function {name!r} is not deployed by this run", "FunctionName")


class PermissionProvider:
    resource_type = "AWS::Lambda::Permission"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        spec = PermissionSpec(
            logical_id=res.logical_id,
            function_name=props.required_text("FunctionName"),
            action=props.required_text("Action"),
            principal=props.required_text("Principal"),
            source_arn=props.text("SourceArn"),
            source_account=props.text("SourceAccount"),
        )
        physical_id = generated_name(ctx.stack_name, res.logical_id, 64)
        return Deployed(res.logical_id, res.resource_type, physical_id, {}, spec)


class VersionProvider:
    resource_type = "AWS::Lambda::Version"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        function = _known_function(props, ctx)
        earlier = [v for v in models_of(ctx, VersionSpec) if v.function_name == function.name]
        number = str(len(earlier) + 1)
        arn = f"{function.arn}:{number}"
        spec = VersionSpec(res.logical_id, function.name, number, arn)
        attributes = {"Version": number, "FunctionArn": function.arn}
        return Deployed(res.logical_id, res.resource_type, arn, attributes, spec)


class AliasProvider:
    resource_type = "AWS::Lambda::Alias"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        name = props.required_text("Name")
        if not _ALIAS.fullmatch(name):
            raise props.error(f"alias name {name!r} must be 1-128 of [a-zA-Z0-9_-], not all digits", "Name")
        function_name = function_name_of(props.required_text("FunctionName"))
        version = props.required_text("FunctionVersion")
        if version != "$LATEST" and not version.isdigit():
            raise props.error(
                f"FunctionVersion must be $LATEST or a version number, not {version!r}", "FunctionVersion"
            )
        arn = f"{function_arn(ctx, function_name)}:{name}"
        spec = AliasSpec(res.logical_id, function_name, name, version, arn)
        return Deployed(res.logical_id, res.resource_type, arn, {"AliasArn": arn}, spec)


class EventInvokeConfigProvider:
    resource_type = "AWS::Lambda::EventInvokeConfig"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        props = Props(res)
        function = _known_function(props, ctx)
        qualifier = props.required_text("Qualifier")
        if qualifier != "$LATEST" and not _ALIAS.fullmatch(qualifier) and not qualifier.isdigit():
            raise props.error(
                f"Qualifier must be $LATEST, a version number or an alias name, not {qualifier!r}",
                "Qualifier",
            )
        retries = props.integer("MaximumRetryAttempts", low=0, high=2)
        max_age = props.integer("MaximumEventAgeInSeconds", low=60, high=21600)
        destinations = props.mapping("DestinationConfig")
        spec = EventInvokeConfig(
            logical_id=res.logical_id,
            function_name=function.name,
            qualifier=qualifier,
            maximum_retry_attempts=2 if retries is None else retries,
            maximum_event_age_seconds=21600 if max_age is None else max_age,
            on_success=_destination(props, destinations, "OnSuccess"),
            on_failure=_destination(props, destinations, "OnFailure"),
        )
        physical_id = generated_name(ctx.stack_name, res.logical_id, 64)
        return Deployed(res.logical_id, res.resource_type, physical_id, {}, spec)


def _destination(props: Props, config: Mapping[str, Any], which: str) -> str | None:
    """DestinationConfig.<which>.Destination: an ARN; S3 buckets take failures only (AWS's rule)."""
    if which not in config:
        return None
    where = ("DestinationConfig", which)
    entry = config[which]
    if not isinstance(entry, dict) or "Destination" not in entry:
        raise props.error(f"{which} must be an object with a Destination", *where)
    arn = entry["Destination"]
    if not isinstance(arn, str) or not arn.startswith("arn:") or len(arn.split(":")) < 6:
        raise props.error(f"Destination must be an ARN, not {arn!r}", *where, "Destination")
    if which == "OnSuccess" and arn.split(":")[2] == "s3":
        raise props.error("an S3 bucket can only be an OnFailure destination", *where, "Destination")
    return arn


PROVIDERS = (PermissionProvider(), VersionProvider(), AliasProvider(), EventInvokeConfigProvider())
