"""AWS::ApiGateway::UsagePlanKey: an API key added to a usage plan.

Ref gives the id (the key id, as AWS's UsagePlanKey id is). ``KeyType`` is API_KEY, the only type.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-usageplankey.html
"""

from __future__ import annotations

from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.model import ApiKey, UsagePlan, UsagePlanKey
from vpcgate.spec.props import Props

# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "KeyId",
        "KeyType",
        "UsagePlanId",
    }
)


class UsagePlanKeyProvider:
    resource_type = "AWS::ApiGateway::UsagePlanKey"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        key_type = props.required_text("KeyType")
        if key_type != "API_KEY":
            raise props.fail(f"KeyType must be API_KEY, got {key_type!r}", "KeyType")
        key_id = props.required_text("KeyId")
        plan_id = props.required_text("UsagePlanId")
        _expect(props, ctx, "KeyId", key_id, ApiKey, "AWS::ApiGateway::ApiKey")
        _expect(props, ctx, "UsagePlanId", plan_id, UsagePlan, "AWS::ApiGateway::UsagePlan")
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=key_id,
            attributes={},
            model=UsagePlanKey(id=key_id, key_id=key_id, usage_plan_id=plan_id, key_type=key_type),
        )


def _expect(props: Props, ctx: DeployContext, key: str, value: str, kind: type, type_name: str) -> None:
    found = ctx.find_by_physical_id(value)
    if found is None or not isinstance(found.model, kind):
        raise props.fail(f"{key} {value!r} is not the id of an {type_name} deployed here", key)
