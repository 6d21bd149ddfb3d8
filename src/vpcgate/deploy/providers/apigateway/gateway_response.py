"""AWS::ApiGateway::GatewayResponse: a customised gateway response (status, headers, templates).

Ref gives a generated id. The response type must be one AWS defines; templates must parse.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-gatewayresponse.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
"""

from __future__ import annotations

from vpcgate.deploy.ids import alnum_id
from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec import checked
from vpcgate.spec.model import GATEWAY_RESPONSE_TYPES, GatewayResponse, GatewayResponsePart, frozen
from vpcgate.spec.props import Props

# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "ResponseParameters",
        "ResponseTemplates",
        "ResponseType",
        "RestApiId",
        "StatusCode",
    }
)


class GatewayResponseProvider:
    resource_type = "AWS::ApiGateway::GatewayResponse"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api = common.rest_api(props, ctx)
        kind = props.required_text("ResponseType").upper()
        if kind not in GATEWAY_RESPONSE_TYPES:
            raise props.fail(f"ResponseType {kind!r} is not a gateway response type", "ResponseType")
        status = props.text("StatusCode")
        if status is not None and not (len(status) == 3 and status.isdigit()):
            raise props.fail(f"StatusCode must be an HTTP status code, got {status!r}", "StatusCode")
        response = GatewayResponse(
            type=kind,
            status_code=status,
            response_parameters=frozen(props.text_map("ResponseParameters")),
            response_templates=frozen(
                checked.templates(props, "ResponseTemplates", f"gateway response {kind}")
            ),
        )
        physical_id = alnum_id(6, "gatewayresponse", ctx.stack_name, res.logical_id)
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=physical_id,
            attributes={},
            model=GatewayResponsePart(rest_api_id=api.id, response=response),
        )
