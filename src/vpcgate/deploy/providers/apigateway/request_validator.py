"""AWS::ApiGateway::RequestValidator: whether to validate a method's body and/or parameters.

Ref gives the validator id (6 lowercase alphanumerics from the API and name, as in the body form);
GetAtt ``RequestValidatorId`` gives it too.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-requestvalidator.html
"""

from __future__ import annotations

from vpcgate.deploy.ids import generated_name
from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.ids import request_validator_id
from vpcgate.spec.model import RequestValidator, RequestValidatorPart
from vpcgate.spec.props import Props

# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "Name",
        "RestApiId",
        "ValidateRequestBody",
        "ValidateRequestParameters",
    }
)


class RequestValidatorProvider:
    resource_type = "AWS::ApiGateway::RequestValidator"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api = common.rest_api(props, ctx)
        name = props.text("Name") or generated_name(ctx.stack_name, res.logical_id)
        validator = RequestValidator(
            id=request_validator_id(api.id, name),
            name=name,
            validate_body=props.flag("ValidateRequestBody"),
            validate_parameters=props.flag("ValidateRequestParameters"),
        )
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=validator.id,
            attributes={"RequestValidatorId": validator.id},
            model=RequestValidatorPart(rest_api_id=api.id, validator=validator),
        )
