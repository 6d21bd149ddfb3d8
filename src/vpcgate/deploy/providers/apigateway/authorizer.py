"""AWS::ApiGateway::Authorizer: a Lambda (TOKEN, REQUEST) or Cognito user pool authorizer.

Ref gives the authorizer id (6 lowercase alphanumerics derived from the API and the name, so the
same authorizer in a Swagger body has the same id); GetAtt ``AuthorizerId`` gives it too. Rules
are those of the body form (:func:`vpcgate.spec.extensions.validated_authorizer`).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-authorizer.html
"""

from __future__ import annotations

from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.extensions import validated_authorizer
from vpcgate.spec.ids import authorizer_id
from vpcgate.spec.model import (
    AUTHORIZER_TTL_DEFAULT,
    AUTHORIZER_TTL_MAX,
    Authorizer,
    AuthorizerPart,
    AuthorizerType,
)
from vpcgate.spec.props import Props

# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "AuthType",
        "AuthorizerCredentials",
        "AuthorizerResultTtlInSeconds",
        "AuthorizerUri",
        "IdentitySource",
        "IdentityValidationExpression",
        "Name",
        "ProviderARNs",
        "RestApiId",
        "Type",
    }
)


class AuthorizerProvider:
    resource_type = "AWS::ApiGateway::Authorizer"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api = common.rest_api(props, ctx)
        name = props.required_text("Name")
        kind = props.choice("Type", AuthorizerType)
        if kind is None:
            raise props.fail("Type is required (TOKEN, REQUEST or COGNITO_USER_POOLS)", "Type")
        ttl = props.integer("AuthorizerResultTtlInSeconds", 0, AUTHORIZER_TTL_MAX)
        authorizer = Authorizer(
            id=authorizer_id(api.id, name),
            name=name,
            type=kind,
            authorizer_uri=props.text("AuthorizerUri"),
            authorizer_credentials=props.text("AuthorizerCredentials"),
            identity_source=props.text("IdentitySource"),
            identity_validation_expression=props.text("IdentityValidationExpression"),
            result_ttl=AUTHORIZER_TTL_DEFAULT if ttl is None else ttl,
            provider_arns=props.texts("ProviderARNs"),
            auth_type=props.text("AuthType"),
        )
        if kind is AuthorizerType.TOKEN and not authorizer.identity_source:
            raise props.fail("a TOKEN authorizer needs an IdentitySource", "IdentitySource")
        validated_authorizer(props, authorizer, uri_key="AuthorizerUri", arns_key="ProviderARNs")
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=authorizer.id,
            attributes={"AuthorizerId": authorizer.id},
            model=AuthorizerPart(rest_api_id=api.id, authorizer=authorizer),
        )
