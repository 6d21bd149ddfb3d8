"""AWS::ApiGateway::RestApi: an API from its OpenAPI body, or an empty one (root resource only)
that AWS::ApiGateway::Resource and ::Method resources fill in.

Ref gives the API id (10 lowercase alphanumerics, stable per stack and logical id); GetAtt gives
``RestApiId`` and ``RootResourceId``. Properties set on the resource win over the body's
(``Name`` over ``info.title``, ``BinaryMediaTypes`` over ``x-amazon-apigateway-binary-media-types``,
...). ``Parameters.basepath`` (ignore | prepend | split) is the import's base path mode;
``FailOnWarnings: true`` turns import warnings into errors, as in AWS.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-restapi.html
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from vpcgate.deploy.ids import alnum_id
from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.apigateway.body import load_body
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.ids import resource_id
from vpcgate.spec.model import (
    ApiKeySource,
    EndpointConfiguration,
    EndpointType,
    Resource,
    RestApi,
    freeze_json,
)
from vpcgate.spec.openapi import MAX_COMPRESSION_SIZE, BasePathMode, ImportOptions, import_api
from vpcgate.spec.props import Path, Props, SpecError, pointer

_IMPORT_PARAMETERS = frozenset({"basepath", "endpointConfigurationTypes", "ignore"})


# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "ApiKeySourceType",
        "BinaryMediaTypes",
        "Body",
        "BodyS3Location",
        "CloneFrom",
        "Description",
        "DisableExecuteApiEndpoint",
        "EndpointConfiguration",
        "FailOnWarnings",
        "MinimumCompressionSize",
        "Mode",
        "Name",
        "Parameters",
        "Policy",
        "Tags",
    }
)


class RestApiProvider:
    resource_type = "AWS::ApiGateway::RestApi"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api_id = alnum_id(10, "restapi", ctx.stack_name, res.logical_id)
        if "CloneFrom" in props:
            raise props.fail("CloneFrom is not supported: write the API's body or resources", "CloneFrom")
        warnings: list[tuple[str, Path]] = []
        warn = common.warner(res, ctx)
        basepath = _basepath(props)
        body = load_body(props, ctx)
        if body is None:
            api = _empty_api(api_id, props)
        else:
            api = _imported(api_id, props, body, basepath, lambda m, p: warnings.append((m, p)))
        for message, path in warnings:
            if props.flag("FailOnWarnings"):
                raise SpecError(f"FailOnWarnings is true: {message}", path)
            warn(message, path)
        api = _with_properties(api, props)
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=api.id,
            attributes={"RestApiId": api.id, "RootResourceId": api.root_resource_id},
            model=api,
        )


def _empty_api(api_id: str, props: Props) -> RestApi:
    root = resource_id(api_id, "/")
    return RestApi(
        id=api_id,
        name=props.required_text("Name"),
        root_resource_id=root,
        resources=(Resource(id=root, parent_id=None, path_part="", path="/"),),
    )


def _imported(
    api_id: str,
    props: Props,
    body: tuple[Mapping[str, Any], str],
    basepath: BasePathMode,
    warn: common.WarnSink,
) -> RestApi:
    document, key = body
    options = ImportOptions(rest_api_id=api_id, basepath=basepath, name=props.text("Name"))
    inline = key == "Body" and isinstance(props.raw("Body"), Mapping)
    try:
        return import_api(document, options, _rebased(warn, key, inline))
    except SpecError as exc:
        if inline:
            raise SpecError(exc.message, (key, *exc.path)) from None
        raise SpecError(
            f"in the API body file, at {pointer(exc.path) or '/'}: {exc.message}", (key,)
        ) from None


def _rebased(warn: common.WarnSink, key: str, inline: bool) -> common.WarnSink:
    def rebased(message: str, path: Path) -> None:
        if inline:
            warn(message, (key, *path))
        else:
            warn(f"in the API body file, at {pointer(path)}: {message}", (key,))

    return rebased


def _basepath(props: Props) -> BasePathMode:
    parameters = props.child("Parameters")
    if parameters is None:
        return BasePathMode.IGNORE
    for name in parameters.data:
        if name not in _IMPORT_PARAMETERS:
            raise parameters.fail(f"unknown import parameter {name!r} (basepath, ignore, ...)", name)
    return parameters.choice("basepath", BasePathMode) or BasePathMode.IGNORE


def _with_properties(api: RestApi, props: Props) -> RestApi:
    """The resource's own properties, where given, over what the body said."""
    changes: dict[str, Any] = {}
    if "Description" in props:
        changes["description"] = props.text("Description")
    if "BinaryMediaTypes" in props:
        changes["binary_media_types"] = props.texts("BinaryMediaTypes")
    if "ApiKeySourceType" in props:
        changes["api_key_source"] = props.choice("ApiKeySourceType", ApiKeySource)
    if "MinimumCompressionSize" in props:
        changes["minimum_compression_size"] = props.integer("MinimumCompressionSize", 0, MAX_COMPRESSION_SIZE)
    if "Policy" in props:
        changes["policy"] = freeze_json(_policy(props))
    if "DisableExecuteApiEndpoint" in props:
        changes["disable_execute_api_endpoint"] = props.flag("DisableExecuteApiEndpoint")
    endpoint = props.child("EndpointConfiguration")
    if endpoint is not None:
        changes["endpoint_configuration"] = _endpoint(endpoint)
    return dataclasses.replace(api, **changes)


def _policy(props: Props) -> Any:
    value = props.raw("Policy")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise props.fail(f"Policy is not a JSON policy document: {exc.msg}", "Policy") from None
    if not isinstance(value, Mapping):
        raise props.fail("Policy must be a policy document", "Policy")
    return value


def _endpoint(endpoint: Props) -> EndpointConfiguration:
    types = []
    for i, name in enumerate(endpoint.texts("Types")):
        try:
            types.append(EndpointType(name.upper()))
        except ValueError:
            raise endpoint.fail(
                f"endpoint type must be EDGE, REGIONAL or PRIVATE, got {name!r}", "Types", i
            ) from None
    return EndpointConfiguration(
        types=tuple(types) or (EndpointType.EDGE,), vpc_endpoint_ids=endpoint.texts("VpcEndpointIds")
    )
