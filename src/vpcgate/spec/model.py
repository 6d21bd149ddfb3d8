"""The frozen model of an API Gateway REST API, its stages, keys and usage plans.

Both ways of writing an API build it: an OpenAPI/Swagger body with ``x-amazon-apigateway-*``
extensions (:mod:`vpcgate.spec.openapi`) and the explicit ``AWS::ApiGateway::Resource`` /
``::Method`` / ... resources (:mod:`vpcgate.deploy.providers.apigateway`), which
:mod:`vpcgate.spec.assemble` joins. Field names follow the API Gateway REST API reference
(https://docs.aws.amazon.com/apigateway/latest/api/API_Operations.html); enumerations are upper case
as AWS stores them, whatever case the template used. Mappings are read-only views (:func:`frozen`);
JSON documents (schemas, policies) are deep-frozen with :func:`freeze_json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")

EMPTY: Mapping[Any, Any] = MappingProxyType({})


def _empty() -> Mapping[Any, Any]:
    return EMPTY


def frozen(items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> Mapping[K, V]:
    """A read-only copy of ``items``."""
    return MappingProxyType(dict(items))


def freeze_json(value: Any) -> Any:
    """A deep read-only copy of a JSON value: objects become mapping proxies, arrays tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze_json(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze_json(v) for v in value)
    return value


def thaw_json(value: Any) -> Any:
    """The plain ``dict``/``list`` form of a :func:`freeze_json` value (for ``json.dumps``)."""
    if isinstance(value, Mapping):
        return {k: thaw_json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw_json(v) for v in value]
    return value


class ApiKeySource(StrEnum):
    HEADER = "HEADER"
    AUTHORIZER = "AUTHORIZER"


class AuthorizationType(StrEnum):
    NONE = "NONE"
    AWS_IAM = "AWS_IAM"
    CUSTOM = "CUSTOM"
    COGNITO_USER_POOLS = "COGNITO_USER_POOLS"


class IntegrationType(StrEnum):
    AWS = "AWS"
    AWS_PROXY = "AWS_PROXY"
    HTTP = "HTTP"
    HTTP_PROXY = "HTTP_PROXY"
    MOCK = "MOCK"


class PassthroughBehavior(StrEnum):
    WHEN_NO_MATCH = "WHEN_NO_MATCH"
    WHEN_NO_TEMPLATES = "WHEN_NO_TEMPLATES"
    NEVER = "NEVER"


class ContentHandling(StrEnum):
    CONVERT_TO_BINARY = "CONVERT_TO_BINARY"
    CONVERT_TO_TEXT = "CONVERT_TO_TEXT"


class ConnectionType(StrEnum):
    INTERNET = "INTERNET"
    VPC_LINK = "VPC_LINK"


class AuthorizerType(StrEnum):
    TOKEN = "TOKEN"
    REQUEST = "REQUEST"
    COGNITO_USER_POOLS = "COGNITO_USER_POOLS"


class EndpointType(StrEnum):
    EDGE = "EDGE"
    REGIONAL = "REGIONAL"
    PRIVATE = "PRIVATE"


class QuotaPeriod(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


HTTP_METHODS = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

# Integration timeout bounds (milliseconds): https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
TIMEOUT_MIN_MS = 50
TIMEOUT_DEFAULT_MS = 29000
TIMEOUT_MAX_MS = 29000

# Authorizer result cache TTL: default 300 s, at most 3600 s.
AUTHORIZER_TTL_DEFAULT = 300
AUTHORIZER_TTL_MAX = 3600

# https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
GATEWAY_RESPONSE_TYPES = frozenset(
    {
        "ACCESS_DENIED",
        "API_CONFIGURATION_ERROR",
        "AUTHORIZER_CONFIGURATION_ERROR",
        "AUTHORIZER_FAILURE",
        "BAD_REQUEST_BODY",
        "BAD_REQUEST_PARAMETERS",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "EXPIRED_TOKEN",
        "INTEGRATION_FAILURE",
        "INTEGRATION_TIMEOUT",
        "INVALID_API_KEY",
        "INVALID_SIGNATURE",
        "MISSING_AUTHENTICATION_TOKEN",
        "QUOTA_EXCEEDED",
        "REQUEST_TOO_LARGE",
        "RESOURCE_NOT_FOUND",
        "THROTTLED",
        "UNAUTHORIZED",
        "UNSUPPORTED_MEDIA_TYPE",
        "WAF_FILTERED",
    }
)


@dataclass(frozen=True)
class SelectionPattern:
    """An integration response's selection pattern: a Java regex, matched against the whole
    Lambda ``errorMessage`` (AWS, AWS_PROXY) or the HTTP status code (HTTP)."""

    source: str
    compiled: re.Pattern[str] = field(compare=False)


@dataclass(frozen=True)
class IntegrationResponse:
    status_code: str
    selection_pattern: SelectionPattern | None = None  # None: the default response
    response_parameters: Mapping[str, str] = field(default_factory=_empty)
    response_templates: Mapping[str, str] = field(default_factory=_empty)
    content_handling: ContentHandling | None = None

    @property
    def is_default(self) -> bool:
        return self.selection_pattern is None


@dataclass(frozen=True)
class TlsConfig:
    insecure_skip_verification: bool = False


@dataclass(frozen=True)
class Integration:
    type: IntegrationType
    uri: str | None = None
    http_method: str | None = None
    credentials: str | None = None
    request_parameters: Mapping[str, str] = field(default_factory=_empty)
    request_templates: Mapping[str, str] = field(default_factory=_empty)
    passthrough_behavior: PassthroughBehavior = PassthroughBehavior.WHEN_NO_MATCH
    content_handling: ContentHandling | None = None
    timeout_ms: int = TIMEOUT_DEFAULT_MS
    cache_key_parameters: tuple[str, ...] = ()
    cache_namespace: str | None = None
    connection_type: ConnectionType = ConnectionType.INTERNET
    connection_id: str | None = None
    tls_config: TlsConfig | None = None
    responses: tuple[IntegrationResponse, ...] = ()

    @property
    def default_response(self) -> IntegrationResponse | None:
        return next((r for r in self.responses if r.is_default), None)


@dataclass(frozen=True)
class MethodResponse:
    status_code: str
    response_parameters: Mapping[str, bool] = field(
        default_factory=_empty
    )  # "method.response.header.X": required
    response_models: Mapping[str, str] = field(default_factory=_empty)  # content type: model name


@dataclass(frozen=True)
class Method:
    http_method: str  # upper case, "ANY" included
    authorization_type: AuthorizationType = AuthorizationType.NONE
    authorizer_id: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    api_key_required: bool = False
    request_parameters: Mapping[str, bool] = field(
        default_factory=_empty
    )  # "method.request.querystring.x": required
    request_models: Mapping[str, str] = field(default_factory=_empty)  # content type: model name
    request_validator_id: str | None = None
    operation_name: str | None = None
    method_responses: Mapping[str, MethodResponse] = field(default_factory=_empty)  # status code: response
    integration: Integration | None = None


@dataclass(frozen=True)
class Resource:
    id: str
    parent_id: str | None  # None for the root resource "/"
    path_part: str  # "" for the root
    path: str
    methods: Mapping[str, Method] = field(default_factory=_empty)  # http method: Method

    @property
    def is_root(self) -> bool:
        return self.parent_id is None


@dataclass(frozen=True)
class Authorizer:
    id: str
    name: str
    type: AuthorizerType
    authorizer_uri: str | None = None
    authorizer_credentials: str | None = None
    identity_source: str | None = None
    identity_validation_expression: str | None = None
    result_ttl: int = AUTHORIZER_TTL_DEFAULT
    provider_arns: tuple[str, ...] = ()
    auth_type: str | None = None  # informational, as x-amazon-apigateway-authtype wrote it


@dataclass(frozen=True)
class Model:
    name: str
    content_type: str = "application/json"
    schema: Any = None  # frozen JSON (see freeze_json)
    description: str | None = None


@dataclass(frozen=True)
class RequestValidator:
    id: str
    name: str
    validate_body: bool = False
    validate_parameters: bool = False


@dataclass(frozen=True)
class GatewayResponse:
    type: str  # one of GATEWAY_RESPONSE_TYPES
    status_code: str | None = None
    response_parameters: Mapping[str, str] = field(default_factory=_empty)
    response_templates: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True)
class EndpointConfiguration:
    types: tuple[EndpointType, ...] = (EndpointType.EDGE,)
    vpc_endpoint_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestApi:
    id: str
    name: str
    root_resource_id: str
    description: str | None = None
    binary_media_types: tuple[str, ...] = ()
    api_key_source: ApiKeySource = ApiKeySource.HEADER
    minimum_compression_size: int | None = None
    policy: Any = None  # frozen JSON policy document
    endpoint_configuration: EndpointConfiguration = field(default_factory=EndpointConfiguration)
    disable_execute_api_endpoint: bool = False
    resources: tuple[Resource, ...] = ()
    authorizers: tuple[Authorizer, ...] = ()
    models: tuple[Model, ...] = ()
    request_validators: tuple[RequestValidator, ...] = ()
    gateway_responses: tuple[GatewayResponse, ...] = ()
    default_request_validator_id: str | None = None  # x-amazon-apigateway-request-validator (API level)

    def resource_by_path(self, path: str) -> Resource | None:
        return next((r for r in self.resources if r.path == path), None)

    def resource_by_id(self, resource_id: str) -> Resource | None:
        return next((r for r in self.resources if r.id == resource_id), None)

    def authorizer_by_id(self, authorizer_id: str) -> Authorizer | None:
        return next((a for a in self.authorizers if a.id == authorizer_id), None)

    def gateway_response(self, response_type: str) -> GatewayResponse | None:
        return next((g for g in self.gateway_responses if g.type == response_type), None)


@dataclass(frozen=True)
class MethodSetting:
    """Stage method settings for one ``"{resource path}/{METHOD}"`` key: ``"/pets/GET"``,
    ``"//GET"`` for the root, ``"*/*"`` for every method."""

    resource_path: str  # "/pets", "/" or "*"
    http_method: str  # "GET", ... or "*"
    throttling_rate_limit: float | None = None
    throttling_burst_limit: int | None = None
    caching_enabled: bool = False
    cache_ttl_seconds: int = 300
    cache_data_encrypted: bool = False
    data_trace_enabled: bool = False
    logging_level: str = "OFF"  # OFF | ERROR | INFO
    metrics_enabled: bool = False

    @property
    def key(self) -> str:
        return f"{self.resource_path}/{self.http_method}"


@dataclass(frozen=True)
class AccessLogSetting:
    destination_arn: str | None = None
    format: str | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    rest_api_id: str
    deployment_id: str
    description: str | None = None
    variables: Mapping[str, str] = field(default_factory=_empty)
    method_settings: Mapping[str, MethodSetting] = field(default_factory=_empty)  # MethodSetting.key: setting
    tracing_enabled: bool = False
    access_log: AccessLogSetting | None = None
    cache_cluster_enabled: bool = False
    cache_cluster_size: str | None = None
    logical_id: str = ""  # the template resource that declared it (Stage or Deployment)

    def method_setting(self, resource_path: str, http_method: str) -> MethodSetting | None:
        """The most specific setting for a method: exact, then ``*/*``."""
        exact = self.method_settings.get(f"{resource_path}/{http_method}")
        return exact if exact is not None else self.method_settings.get("*/*")


@dataclass(frozen=True)
class Deployment:
    id: str
    rest_api_id: str
    stage_name: str | None = None
    description: str | None = None
    stage: Stage | None = None  # built from StageName + StageDescription


@dataclass(frozen=True)
class Throttle:
    rate_limit: float | None = None
    burst_limit: int | None = None


@dataclass(frozen=True)
class Quota:
    limit: int
    period: QuotaPeriod
    offset: int = 0


@dataclass(frozen=True)
class UsagePlanStage:
    rest_api_id: str
    stage: str
    throttle: Mapping[str, Throttle] = field(default_factory=_empty)  # "/{resource path}/{METHOD}": throttle


@dataclass(frozen=True)
class UsagePlan:
    id: str
    name: str
    description: str | None = None
    api_stages: tuple[UsagePlanStage, ...] = ()
    quota: Quota | None = None
    throttle: Throttle | None = None


@dataclass(frozen=True)
class StageKey:
    rest_api_id: str
    stage_name: str


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    value: str
    enabled: bool = False
    description: str | None = None
    stage_keys: tuple[StageKey, ...] = ()


@dataclass(frozen=True)
class UsagePlanKey:
    id: str
    key_id: str
    usage_plan_id: str
    key_type: str = "API_KEY"


@dataclass(frozen=True)
class VpcLink:
    id: str
    name: str
    target_arns: tuple[str, ...] = ()
    description: str | None = None


# Parts written as separate template resources, joined into a RestApi by spec.assemble.


@dataclass(frozen=True)
class ResourcePart:
    rest_api_id: str
    resource: Resource


@dataclass(frozen=True)
class MethodPart:
    rest_api_id: str
    resource_id: str
    method: Method


@dataclass(frozen=True)
class AuthorizerPart:
    rest_api_id: str
    authorizer: Authorizer


@dataclass(frozen=True)
class ModelPart:
    rest_api_id: str
    model: Model


@dataclass(frozen=True)
class RequestValidatorPart:
    rest_api_id: str
    validator: RequestValidator


@dataclass(frozen=True)
class GatewayResponsePart:
    rest_api_id: str
    response: GatewayResponse
