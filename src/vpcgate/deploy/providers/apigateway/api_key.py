"""AWS::ApiGateway::ApiKey: a key clients send in ``x-api-key`` (or an authorizer returns).

Ref gives the key id (10 lowercase alphanumerics); GetAtt ``APIKeyId`` gives it too. Without a
``Value`` a 40-character value is generated (stable per stack and logical id); a given value must
be 20 to 128 characters. ``Enabled`` defaults to false, as in CloudFormation. ``StageKeys`` name
stages the key is tied to.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-apikey.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
"""

from __future__ import annotations

from vpcgate.deploy.ids import alnum_id, generated_name
from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.model import ApiKey, StageKey
from vpcgate.spec.props import Props

VALUE_MIN, VALUE_MAX = 20, 128


# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "CustomerId",
        "Description",
        "Enabled",
        "GenerateDistinctId",
        "Name",
        "StageKeys",
        "Tags",
        "Value",
    }
)


class ApiKeyProvider:
    resource_type = "AWS::ApiGateway::ApiKey"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        key_id = alnum_id(10, "apikey", ctx.stack_name, res.logical_id)
        value = props.text("Value") or _generated_value(ctx.stack_name, res.logical_id)
        if not VALUE_MIN <= len(value) <= VALUE_MAX:
            raise props.fail(f"an API key value must be {VALUE_MIN} to {VALUE_MAX} characters long", "Value")
        key = ApiKey(
            id=key_id,
            name=props.text("Name") or generated_name(ctx.stack_name, res.logical_id),
            value=value,
            enabled=props.flag("Enabled"),
            description=props.text("Description"),
            stage_keys=tuple(_stage_key(entry) for entry in props.children("StageKeys")),
        )
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=key_id,
            attributes={"APIKeyId": key_id},
            model=key,
        )


def _generated_value(stack_name: str, logical_id: str) -> str:
    lower = alnum_id(40, "apikey-value", stack_name, logical_id)
    mask = alnum_id(40, "apikey-case", stack_name, logical_id)
    return "".join(c.upper() if m < "i" else c for c, m in zip(lower, mask, strict=True))


def _stage_key(entry: Props) -> StageKey:
    return StageKey(rest_api_id=entry.required_text("RestApiId"), stage_name=entry.required_text("StageName"))
