"""AWS::ApiGateway::Model: a JSON schema for request/response bodies, by content type.

Ref gives the model name (given, or generated as CloudFormation does). ``Schema`` may be an object
or its JSON text.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-model.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from vpcgate.deploy.ids import upper_suffix
from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.model import Model, ModelPart, freeze_json
from vpcgate.spec.props import Props

_NAME = re.compile(r"^[A-Za-z0-9]+$")


# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "ContentType",
        "Description",
        "Name",
        "RestApiId",
        "Schema",
    }
)


class ModelProvider:
    resource_type = "AWS::ApiGateway::Model"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api = common.rest_api(props, ctx)
        name = props.text("Name") or (res.logical_id + upper_suffix(8, ctx.stack_name, res.logical_id))
        if not _NAME.match(name):
            raise props.fail(f"model name {name!r} may hold only letters and digits", "Name")
        model = Model(
            name=name,
            content_type=props.text("ContentType") or "application/json",
            schema=freeze_json(_schema(props)),
            description=props.text("Description"),
        )
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=name,
            attributes={},
            model=ModelPart(rest_api_id=api.id, model=model),
        )


def _schema(props: Props) -> object:
    value = props.raw("Schema")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise props.fail(f"Schema is not JSON: {exc.msg}", "Schema") from None
    if value is not None and not isinstance(value, Mapping):
        raise props.fail("Schema must be a JSON schema object", "Schema")
    return value
