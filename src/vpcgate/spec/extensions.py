"""The ``x-amazon-apigateway-*`` objects of an OpenAPI body, read into model parts.

One function per extension object, as AWS documents them:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html

- integration and its responses: ``...-swagger-extensions-integration.html``,
  ``...-swagger-extensions-integration-responses.html`` (the response key is the selection
  pattern; ``default`` is the default response)
- authorizer: ``...-swagger-extensions-authorizer.html``
- gateway responses: ``...-swagger-extensions-gateway-responses.html``
- request validators: ``...-swagger-extensions-request-validators.html``
- endpoint configuration: ``...-swagger-extensions-endpoint-configuration.html``

Enumerated values are read case-insensitively (AWS's own exports write ``"aws"``,
``"when_no_templates"``). Properties an extension object does not define for REST APIs are warned
about and ignored, as the import API does with ``failonwarnings=false``.
"""

from __future__ import annotations

from collections.abc import Callable

from vpcgate.spec import checked
from vpcgate.spec.ids import authorizer_id, request_validator_id
from vpcgate.spec.model import (
    AUTHORIZER_TTL_DEFAULT,
    AUTHORIZER_TTL_MAX,
    GATEWAY_RESPONSE_TYPES,
    TIMEOUT_DEFAULT_MS,
    TIMEOUT_MAX_MS,
    TIMEOUT_MIN_MS,
    Authorizer,
    AuthorizerType,
    ConnectionType,
    ContentHandling,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    IntegrationType,
    PassthroughBehavior,
    RequestValidator,
    TlsConfig,
    frozen,
)
from vpcgate.spec.props import E, Path, Props

Warn = Callable[[str, Path], None]  # (message, path of the value)

_INTEGRATION_KEYS = frozenset(
    {
        "type",
        "uri",
        "httpMethod",
        "credentials",
        "requestParameters",
        "requestTemplates",
        "passthroughBehavior",
        "contentHandling",
        "timeoutInMillis",
        "cacheNamespace",
        "cacheKeyParameters",
        "connectionType",
        "connectionId",
        "tlsConfig",
        "responses",
    }
)
_AUTHORIZER_KEYS = frozenset(
    {
        "type",
        "authorizerUri",
        "authorizerCredentials",
        "identitySource",
        "identityValidationExpression",
        "authorizerResultTtlInSeconds",
        "providerARNs",
    }
)


def warn_unknown_keys(props: Props, known: frozenset[str], what: str, warn: Warn) -> None:
    for key in props.data:
        if key not in known:
            warn(f"{what}: {key!r} is not supported for REST APIs; ignored", (*props.path, key))


def integration(props: Props, where: str, warn: Warn) -> Integration:
    """An ``x-amazon-apigateway-integration`` object."""
    warn_unknown_keys(props, _INTEGRATION_KEYS, f"{where}: x-amazon-apigateway-integration", warn)
    responses = tuple(
        integration_response(resp, pattern, where) for pattern, resp in props.objects("responses")
    )
    tls = props.child("tlsConfig")
    return validated_integration(
        props,
        Integration(
            type=_required_choice(props, "type", IntegrationType),
            uri=props.text("uri"),
            http_method=_upper(props.text("httpMethod")),
            credentials=props.text("credentials"),
            request_parameters=frozen(props.text_map("requestParameters")),
            request_templates=frozen(checked.templates(props, "requestTemplates", where)),
            passthrough_behavior=props.choice(
                "passthroughBehavior", PassthroughBehavior, PassthroughBehavior.WHEN_NO_MATCH
            )
            or PassthroughBehavior.WHEN_NO_MATCH,
            content_handling=props.choice("contentHandling", ContentHandling),
            timeout_ms=_timeout(props, "timeoutInMillis"),
            cache_key_parameters=props.texts("cacheKeyParameters"),
            cache_namespace=props.text("cacheNamespace"),
            connection_type=props.choice("connectionType", ConnectionType, ConnectionType.INTERNET)
            or ConnectionType.INTERNET,
            connection_id=props.text("connectionId"),
            tls_config=None if tls is None else TlsConfig(tls.flag("insecureSkipVerification")),
            responses=responses,
        ),
        keys=_SWAGGER_INTEGRATION_KEYS,
        where=where,
        warn=warn,
    )


def integration_response(props: Props, pattern: str, where: str) -> IntegrationResponse:
    """One entry of ``x-amazon-apigateway-integration.responses`` (key: the selection pattern)."""
    path = props.path
    return IntegrationResponse(
        status_code=_status(props, "statusCode"),
        selection_pattern=None if pattern == "default" else checked.selection_pattern(pattern, path, where),
        response_parameters=frozen(props.text_map("responseParameters")),
        response_templates=frozen(checked.templates(props, "responseTemplates", where)),
        content_handling=props.choice("contentHandling", ContentHandling),
    )


# Property names for the checks below, per form: the OpenAPI extension and CloudFormation.
IntegrationKeys = dict[str, str]
_SWAGGER_INTEGRATION_KEYS: IntegrationKeys = {
    "type": "type",
    "uri": "uri",
    "httpMethod": "httpMethod",
    "connectionId": "connectionId",
}


def validated_integration(
    props: Props, value: Integration, *, keys: IntegrationKeys, where: str, warn: Warn
) -> Integration:
    """Cross-field rules of PutIntegration: who needs a uri, an http method, a connection id.
    https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html"""
    if value.type is not IntegrationType.MOCK:
        if not value.uri:
            raise props.fail(f"{where}: a {value.type} integration needs a uri", keys["uri"])
        if not value.http_method:
            raise props.fail(f"{where}: a {value.type} integration needs an httpMethod", keys["httpMethod"])
    if value.type in (IntegrationType.HTTP, IntegrationType.HTTP_PROXY):
        _check_http_uri(props, value, keys["uri"], where)
    if value.type in (IntegrationType.AWS, IntegrationType.AWS_PROXY) and not (value.uri or "").startswith(
        "arn:"
    ):
        raise props.fail(f"{where}: an {value.type} integration's uri must be an ARN", keys["uri"])
    if value.connection_type is ConnectionType.VPC_LINK and not value.connection_id:
        raise props.fail(f"{where}: connectionType VPC_LINK needs a connectionId", keys["connectionId"])
    lambda_uri = ":lambda:path/" in (value.uri or "")
    if value.type is IntegrationType.AWS_PROXY and lambda_uri and value.http_method != "POST":
        message = f"{where}: Lambda is invoked with POST; httpMethod {value.http_method} will not work"
        warn(message, (*props.path, keys["httpMethod"]))
    return value


def _check_http_uri(props: Props, value: Integration, key: str, where: str) -> None:
    uri = value.uri or ""
    if value.connection_type is ConnectionType.VPC_LINK and uri.startswith("${"):
        return
    if not uri.startswith(("http://", "https://", "${stageVariables.")):
        raise props.fail(
            f"{where}: an {value.type} integration's uri must be an http(s) URL, got {uri!r}", key
        )


def authorizer(name: str, scheme: Props, rest_api_id: str, warn: Warn) -> Authorizer:
    """A security scheme carrying ``x-amazon-apigateway-authorizer`` (the scheme's name names it)."""
    ext = scheme.child("x-amazon-apigateway-authorizer")
    assert ext is not None
    warn_unknown_keys(ext, _AUTHORIZER_KEYS, f"authorizer {name}", warn)
    kind = _required_choice(ext, "type", AuthorizerType)
    header = scheme.text("name") or "Authorization"
    default_source = f"method.request.header.{header}" if kind is not AuthorizerType.REQUEST else None
    value = Authorizer(
        id=authorizer_id(rest_api_id, name),
        name=name,
        type=kind,
        authorizer_uri=ext.text("authorizerUri"),
        authorizer_credentials=ext.text("authorizerCredentials"),
        identity_source=ext.text("identitySource", default_source),
        identity_validation_expression=ext.text("identityValidationExpression"),
        result_ttl=_ttl(ext, "authorizerResultTtlInSeconds"),
        provider_arns=ext.texts("providerARNs"),
        auth_type=scheme.text("x-amazon-apigateway-authtype"),
    )
    return validated_authorizer(ext, value, uri_key="authorizerUri", arns_key="providerARNs")


def validated_authorizer(props: Props, value: Authorizer, *, uri_key: str, arns_key: str) -> Authorizer:
    """https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html"""
    where = f"authorizer {value.name}"
    if value.type is AuthorizerType.COGNITO_USER_POOLS:
        if not value.provider_arns:
            raise props.fail(f"{where}: a COGNITO_USER_POOLS authorizer needs provider ARNs", arns_key)
    elif not value.authorizer_uri:
        raise props.fail(f"{where}: a {value.type} authorizer needs an authorizer uri", uri_key)
    if value.type is AuthorizerType.REQUEST and value.result_ttl > 0 and not value.identity_source:
        raise props.fail(f"{where}: a cached REQUEST authorizer needs an identity source", "identitySource")
    if value.identity_validation_expression is not None:
        checked.selection_pattern(
            value.identity_validation_expression, (*props.path, "identityValidationExpression"), where
        )
    return value


def gateway_responses(props: Props) -> tuple[GatewayResponse, ...]:
    """``x-amazon-apigateway-gateway-responses``: {response type: gatewayResponse}."""
    return tuple(gateway_response(kind, entry) for kind, entry in props.named())


def gateway_response(kind: str, props: Props) -> GatewayResponse:
    if kind not in GATEWAY_RESPONSE_TYPES:
        raise props.fail(f"{kind!r} is not a gateway response type")
    return GatewayResponse(
        type=kind,
        status_code=_optional_status(props, "statusCode"),
        response_parameters=frozen(props.text_map("responseParameters")),
        response_templates=frozen(checked.templates(props, "responseTemplates", f"gateway response {kind}")),
    )


def request_validators(props: Props, rest_api_id: str) -> tuple[RequestValidator, ...]:
    """``x-amazon-apigateway-request-validators``: {name: {validateRequestBody, ...Parameters}}."""
    return tuple(
        RequestValidator(
            id=request_validator_id(rest_api_id, name),
            name=name,
            validate_body=entry.flag("validateRequestBody"),
            validate_parameters=entry.flag("validateRequestParameters"),
        )
        for name, entry in props.named()
    )


def _required_choice(props: Props, key: str, enum: type[E]) -> E:
    value = props.choice(key, enum)
    if value is None:
        raise props.fail(f"{key} is required", key)
    return value


def _timeout(props: Props, key: str) -> int:
    value = props.integer(key, TIMEOUT_MIN_MS, TIMEOUT_MAX_MS)
    return TIMEOUT_DEFAULT_MS if value is None else value


def _ttl(props: Props, key: str) -> int:
    value = props.integer(key, 0, AUTHORIZER_TTL_MAX)
    return AUTHORIZER_TTL_DEFAULT if value is None else value


def _status(props: Props, key: str) -> str:
    value = _optional_status(props, key)
    if value is None:
        raise props.fail(f"{key} is required", key)
    return value


def _optional_status(props: Props, key: str) -> str | None:
    value = props.text(key)
    if value is not None and not (len(value) == 3 and value.isdigit() and value[0] in "12345"):
        raise props.fail(f"{key} must be an HTTP status code (100-599), got {value!r}", key)
    return value


def _upper(value: str | None) -> str | None:
    return None if value is None else value.upper()
