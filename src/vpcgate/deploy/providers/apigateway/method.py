"""AWS::ApiGateway::Method: a method of a resource, with its integration and responses.

It builds the same :class:`Method` a Swagger operation imports as; only the property names differ
(``IntegrationHttpMethod`` for ``httpMethod``, ``IntegrationResponses`` as a list with
``SelectionPattern`` for the ``responses`` map). Ref gives a generated method id.
Rules (PutMethod / PutIntegration): CUSTOM and COGNITO_USER_POOLS need an AuthorizerId of the same
API, which NONE and AWS_IAM must not have; selection patterns are Java regexes; templates must parse.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-method.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-method-integration.html
"""

from __future__ import annotations

from vpcgate.deploy.ids import generated_name
from vpcgate.deploy.providers.apigateway import common
from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec import checked
from vpcgate.spec.extensions import Warn, validated_integration, warn_unknown_keys
from vpcgate.spec.model import (
    HTTP_METHODS,
    TIMEOUT_DEFAULT_MS,
    TIMEOUT_MAX_MS,
    TIMEOUT_MIN_MS,
    AuthorizationType,
    AuthorizerPart,
    ConnectionType,
    ContentHandling,
    Integration,
    IntegrationResponse,
    IntegrationType,
    Method,
    MethodPart,
    MethodResponse,
    PassthroughBehavior,
    RestApi,
    frozen,
)
from vpcgate.spec.props import Props

_INTEGRATION_KEYS = {
    "type": "Type",
    "uri": "Uri",
    "httpMethod": "IntegrationHttpMethod",
    "connectionId": "ConnectionId",
}
_INTEGRATION_PROPERTIES = frozenset(
    {
        "CacheKeyParameters",
        "CacheNamespace",
        "ConnectionId",
        "ConnectionType",
        "ContentHandling",
        "Credentials",
        "IntegrationHttpMethod",
        "IntegrationResponses",
        "PassthroughBehavior",
        "RequestParameters",
        "RequestTemplates",
        "TimeoutInMillis",
        "Type",
        "Uri",
    }
)
_AUTHORIZED = (AuthorizationType.CUSTOM, AuthorizationType.COGNITO_USER_POOLS)


# The resource type's properties, as the CloudFormation reference lists them.
PROPERTIES = frozenset(
    {
        "ApiKeyRequired",
        "AuthorizationScopes",
        "AuthorizationType",
        "AuthorizerId",
        "HttpMethod",
        "Integration",
        "MethodResponses",
        "OperationName",
        "RequestModels",
        "RequestParameters",
        "RequestValidatorId",
        "ResourceId",
        "RestApiId",
    }
)


class MethodProvider:
    resource_type = "AWS::ApiGateway::Method"

    def deploy(self, res: ResourceInput, ctx: DeployContext) -> Deployed:
        return common.build(res, ctx, PROPERTIES, lambda props: self._deploy(res, ctx, props))

    def _deploy(self, res: ResourceInput, ctx: DeployContext, props: Props) -> Deployed:
        api = common.rest_api(props, ctx)
        ref = common.required_resource(props, api, "ResourceId", ctx)
        http_method = props.required_text("HttpMethod").upper()
        if http_method not in HTTP_METHODS:
            raise props.fail(f"HttpMethod must be one of {', '.join(HTTP_METHODS)}", "HttpMethod")
        where = f"{http_method} {ref.path}"
        method = read_method(props, http_method, where, common.warner(res, ctx))
        _check_authorizer(props, method, api, ctx)
        return Deployed(
            logical_id=res.logical_id,
            resource_type=self.resource_type,
            physical_id=generated_name(ctx.stack_name, res.logical_id),
            attributes={},
            model=MethodPart(rest_api_id=api.id, resource_id=ref.id, method=method),
        )


def read_method(props: Props, http_method: str, where: str, warn: Warn) -> Method:
    """A Method from AWS::ApiGateway::Method properties."""
    integration = props.child("Integration")
    return Method(
        http_method=http_method,
        authorization_type=props.choice("AuthorizationType", AuthorizationType) or AuthorizationType.NONE,
        authorizer_id=props.text("AuthorizerId"),
        authorization_scopes=props.texts("AuthorizationScopes"),
        api_key_required=props.flag("ApiKeyRequired"),
        request_parameters=frozen(props.flag_map("RequestParameters")),
        request_models=frozen(props.text_map("RequestModels")),
        request_validator_id=props.text("RequestValidatorId"),
        operation_name=props.text("OperationName"),
        method_responses=frozen(_method_responses(props)),
        integration=None if integration is None else read_integration(integration, where, warn),
    )


def read_integration(props: Props, where: str, warn: Warn) -> Integration:
    """An Integration from the Method's ``Integration`` property."""
    warn_unknown_keys(props, _INTEGRATION_PROPERTIES, f"{where}: Integration", warn)
    kind = props.choice("Type", IntegrationType)
    if kind is None:
        raise props.fail("Type is required", "Type")
    timeout = props.integer("TimeoutInMillis", TIMEOUT_MIN_MS, TIMEOUT_MAX_MS)
    value = Integration(
        type=kind,
        uri=props.text("Uri"),
        http_method=(props.text("IntegrationHttpMethod") or "").upper() or None,
        credentials=props.text("Credentials"),
        request_parameters=frozen(props.text_map("RequestParameters")),
        request_templates=frozen(checked.templates(props, "RequestTemplates", where)),
        passthrough_behavior=props.choice("PassthroughBehavior", PassthroughBehavior)
        or PassthroughBehavior.WHEN_NO_MATCH,
        content_handling=props.choice("ContentHandling", ContentHandling),
        timeout_ms=TIMEOUT_DEFAULT_MS if timeout is None else timeout,
        cache_key_parameters=props.texts("CacheKeyParameters"),
        cache_namespace=props.text("CacheNamespace"),
        connection_type=props.choice("ConnectionType", ConnectionType) or ConnectionType.INTERNET,
        connection_id=props.text("ConnectionId"),
        responses=tuple(_integration_response(r, where) for r in props.children("IntegrationResponses")),
    )
    return validated_integration(props, value, keys=_INTEGRATION_KEYS, where=where, warn=warn)


def _integration_response(props: Props, where: str) -> IntegrationResponse:
    pattern = props.text("SelectionPattern")
    status = props.required_text("StatusCode")
    if not (len(status) == 3 and status.isdigit()):
        raise props.fail(f"StatusCode must be an HTTP status code, got {status!r}", "StatusCode")
    return IntegrationResponse(
        status_code=status,
        selection_pattern=None
        if not pattern
        else checked.selection_pattern(pattern, (*props.path, "SelectionPattern"), where),
        response_parameters=frozen(props.text_map("ResponseParameters")),
        response_templates=frozen(checked.templates(props, "ResponseTemplates", where)),
        content_handling=props.choice("ContentHandling", ContentHandling),
    )


def _method_responses(props: Props) -> dict[str, MethodResponse]:
    out: dict[str, MethodResponse] = {}
    for entry in props.children("MethodResponses"):
        status = entry.required_text("StatusCode")
        out[status] = MethodResponse(
            status_code=status,
            response_parameters=frozen(entry.flag_map("ResponseParameters")),
            response_models=frozen(entry.text_map("ResponseModels")),
        )
    return out


def _check_authorizer(props: Props, method: Method, api: RestApi, ctx: DeployContext) -> None:
    if method.authorization_type in _AUTHORIZED:
        if not method.authorizer_id:
            raise props.fail(
                f"AuthorizationType {method.authorization_type} needs an AuthorizerId", "AuthorizerId"
            )
        if api.authorizer_by_id(method.authorizer_id) is None:
            found = ctx.find_by_physical_id(method.authorizer_id)
            model = None if found is None else found.model
            if not (isinstance(model, AuthorizerPart) and model.rest_api_id == api.id):
                raise props.fail(
                    f"AuthorizerId {method.authorizer_id!r} is not an authorizer of RestApi {api.id}",
                    "AuthorizerId",
                )
    elif method.authorizer_id:
        raise props.fail(
            f"AuthorizerId is set but AuthorizationType is {method.authorization_type}", "AuthorizationType"
        )
