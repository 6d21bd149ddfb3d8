"""Swagger 2.0 and OpenAPI 3.0 bodies with x-amazon-apigateway-* extensions → the frozen model."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcgate.spec.ids import authorizer_id, request_validator_id, resource_id
from vpcgate.spec.model import (
    ApiKeySource,
    AuthorizationType,
    AuthorizerType,
    ConnectionType,
    ContentHandling,
    IntegrationType,
    Method,
    PassthroughBehavior,
    RestApi,
    thaw_json,
)
from vpcgate.spec.openapi import BasePathMode
from vpcgate.spec.props import SpecError

from .helpers import API_ID, Warnings, fixture, imported


@pytest.fixture(scope="module")
def swagger() -> RestApi:
    return imported(fixture("petstore-swagger2.yaml"))


def method(api: RestApi, path: str, verb: str) -> Method:
    resource = api.resource_by_path(path)
    assert resource is not None, f"no resource {path}"
    return resource.methods[verb]


def test_swagger_and_openapi3_import_to_the_same_model(swagger: RestApi) -> None:
    assert imported(fixture("petstore-oas3.yaml")) == swagger


def test_api_level_extensions(swagger: RestApi) -> None:
    assert swagger.name == "pets"
    assert swagger.description == "a pet store"
    assert swagger.api_key_source is ApiKeySource.AUTHORIZER
    assert swagger.binary_media_types == ("image/png", "*/*")
    assert swagger.minimum_compression_size == 1024
    assert thaw_json(swagger.policy)["Statement"][0]["Action"] == "execute-api:Invoke"
    assert swagger.disable_execute_api_endpoint is True
    assert swagger.endpoint_configuration.vpc_endpoint_ids == ("vpce-0123",)
    responses = {g.type: g for g in swagger.gateway_responses}
    assert responses["MISSING_AUTHENTICATION_TOKEN"].status_code == "404"
    assert responses["MISSING_AUTHENTICATION_TOKEN"].response_parameters == {
        "gatewayresponse.header.x-where": "'vpcgate'"
    }
    assert responses["DEFAULT_4XX"].status_code is None
    assert {m.name for m in swagger.models} == {"Pet", "Error"}
    assert thaw_json(next(m for m in swagger.models if m.name == "Pet").schema)["required"] == ["name"]


def test_resources_are_the_paths_and_their_ancestors_with_stable_ids(swagger: RestApi) -> None:
    assert [r.path for r in swagger.resources] == ["/", "/files", "/pets", "/files/{proxy+}", "/pets/{petId}"]
    root = swagger.resource_by_path("/")
    assert (
        root is not None and root.is_root and root.id == swagger.root_resource_id == resource_id(API_ID, "/")
    )
    pet = swagger.resource_by_path("/pets/{petId}")
    assert pet is not None
    assert pet.parent_id == resource_id(API_ID, "/pets")
    assert pet.path_part == "{petId}"
    assert len(pet.id) == 10 and pet.id.isalnum() and pet.id.islower()
    files = swagger.resource_by_path("/files")
    assert files is not None and dict(files.methods) == {}


def test_http_integration_with_every_field(swagger: RestApi) -> None:
    get = method(swagger, "/pets", "GET")
    integration = get.integration
    assert integration is not None
    assert integration.type is IntegrationType.HTTP
    assert integration.http_method == "GET"
    assert integration.uri == "http://10.0.1.10:8080/pets"
    assert integration.passthrough_behavior is PassthroughBehavior.NEVER
    assert integration.timeout_ms == 5000
    assert integration.cache_namespace == "pets"
    assert integration.cache_key_parameters == ("method.request.querystring.limit",)
    assert (
        integration.request_parameters["integration.request.header.X-Trace"]
        == "method.request.header.X-Trace"
    )
    assert integration.request_templates == {"application/json": '{"limit": "$input.params(\'limit\')"}'}
    assert integration.tls_config is not None and integration.tls_config.insecure_skip_verification
    ok, client_error = integration.responses
    assert ok.selection_pattern is not None and ok.selection_pattern.source == r"2\d{2}"
    assert ok.selection_pattern.compiled.fullmatch("204")
    assert not ok.selection_pattern.compiled.fullmatch("404")
    assert ok.response_parameters == {"method.response.header.x-next": "integration.response.header.x-next"}
    assert (
        client_error.status_code == "400" and client_error.content_handling is ContentHandling.CONVERT_TO_TEXT
    )
    assert integration.default_response is None


def test_method_request_and_responses(swagger: RestApi) -> None:
    get = method(swagger, "/pets", "GET")
    assert get.operation_name == "listPets"
    assert get.request_parameters == {
        "method.request.querystring.limit": False,
        "method.request.header.X-Trace": True,
    }
    assert set(get.method_responses) == {"200"}  # "default" has no REST API meaning
    assert get.method_responses["200"].response_parameters == {"method.response.header.x-next": False}
    assert get.method_responses["200"].response_models == {"application/json": "Pet"}
    post = method(swagger, "/pets", "POST")
    assert post.request_models == {"application/json": "Pet"}
    assert method(swagger, "/pets/{petId}", "GET").request_parameters == {"method.request.path.petId": True}


def test_security_maps_to_authorization(swagger: RestApi) -> None:
    get = method(swagger, "/pets", "GET")
    assert get.api_key_required is True
    assert get.authorization_type is AuthorizationType.CUSTOM
    assert get.authorizer_id == authorizer_id(API_ID, "token-auth")
    post = method(swagger, "/pets", "POST")
    assert post.authorization_type is AuthorizationType.COGNITO_USER_POOLS
    assert post.authorization_scopes == ("pets/write", "pets/read")
    assert post.api_key_required is False
    assert method(swagger, "/pets/{petId}", "DELETE").authorization_type is AuthorizationType.AWS_IAM
    assert method(swagger, "/files/{proxy+}", "ANY").authorization_type is AuthorizationType.AWS_IAM


def test_authorizers(swagger: RestApi) -> None:
    by_name = {a.name: a for a in swagger.authorizers}
    assert set(by_name) == {"token-auth", "request-auth", "cognito"}  # sigv4 and api_key are not authorizers
    token = by_name["token-auth"]
    assert token.type is AuthorizerType.TOKEN
    assert token.identity_source == "method.request.header.Authorization"
    assert token.result_ttl == 60
    assert token.identity_validation_expression == "^Bearer [-0-9a-zA-Z._]*$"
    assert token.auth_type == "custom"
    request = by_name["request-auth"]
    assert request.identity_source == "method.request.header.X-User, method.request.querystring.tenant"
    assert request.result_ttl == 0
    cognito = by_name["cognito"]
    assert cognito.type is AuthorizerType.COGNITO_USER_POOLS
    assert cognito.provider_arns == ("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc",)
    assert cognito.result_ttl == 300  # AWS's default


def test_request_validators_default_and_per_method(swagger: RestApi) -> None:
    by_name = {v.name: v for v in swagger.request_validators}
    assert by_name["all"].validate_body and by_name["all"].validate_parameters
    assert not by_name["params-only"].validate_body
    assert swagger.default_request_validator_id == request_validator_id(API_ID, "params-only")
    assert method(swagger, "/pets", "GET").request_validator_id == by_name["params-only"].id
    assert method(swagger, "/pets", "POST").request_validator_id == by_name["all"].id


def test_other_integration_types_and_any_method(swagger: RestApi) -> None:
    mock = method(swagger, "/pets/{petId}", "GET").integration
    assert mock is not None and mock.type is IntegrationType.MOCK
    assert mock.passthrough_behavior is PassthroughBehavior.WHEN_NO_MATCH  # the default
    assert mock.timeout_ms == 29000  # the default
    default = mock.default_response
    assert default is not None and default.status_code == "200"
    proxy = method(swagger, "/pets", "POST").integration
    assert proxy is not None and proxy.type is IntegrationType.AWS_PROXY
    assert proxy.content_handling is ContentHandling.CONVERT_TO_TEXT
    aws = method(swagger, "/pets/{petId}", "DELETE").integration
    assert aws is not None and aws.credentials == "arn:aws:iam::000000000000:role/ddb"
    files = method(swagger, "/files/{proxy+}", "ANY")
    assert files.request_parameters == {"method.request.path.proxy": True}
    assert files.integration is not None
    assert files.integration.connection_type is ConnectionType.VPC_LINK
    assert files.integration.connection_id == "abc123"


SWAGGER_BASE: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "t"},
    "basePath": "/a/b/c",
    "paths": {
        "/e": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}},
        "/f": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}},
    },
}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (BasePathMode.IGNORE, ["/", "/e", "/f"]),
        (BasePathMode.PREPEND, ["/", "/a", "/a/b", "/a/b/c", "/a/b/c/e", "/a/b/c/f"]),
        (BasePathMode.SPLIT, ["/", "/b", "/b/c", "/b/c/e", "/b/c/f"]),
    ],
)
def test_swagger_base_path_rules(mode: BasePathMode, expected: list[str]) -> None:
    """AWS's example: basePath /a/b/c with paths /e and /f, under each basepath mode."""
    assert [r.path for r in imported(SWAGGER_BASE, mode).resources] == expected


@pytest.mark.parametrize(
    ("servers", "expected"),
    [
        ([{"url": "https://example.com/a/b/c"}], ["/", "/a", "/a/b", "/a/b/c", "/a/b/c/e", "/a/b/c/f"]),
        (
            [{"url": "https://example.com/{basePath}", "variables": {"basePath": {"default": "/a/b/c"}}}],
            ["/", "/a", "/a/b", "/a/b/c", "/a/b/c/e", "/a/b/c/f"],
        ),
        ([{"url": "https://example.com/"}], ["/", "/e", "/f"]),
        ([{"url": "{scheme}://{host}/a/b/c?x=1"}], ["/", "/a", "/a/b", "/a/b/c", "/a/b/c/e", "/a/b/c/f"]),
        ([{"url": "/a"}], ["/", "/a", "/a/e", "/a/f"]),
        ([], ["/", "/e", "/f"]),
    ],
)
def test_openapi3_base_path_comes_from_servers(servers: list[Any], expected: list[str]) -> None:
    body = {"openapi": "3.0.1", "info": {"title": "t"}, "servers": servers, "paths": SWAGGER_BASE["paths"]}
    assert [r.path for r in imported(body, BasePathMode.PREPEND).resources] == expected
    assert [r.path for r in imported(body).resources] == ["/", "/e", "/f"]


def test_unknown_extensions_and_http_api_features_are_warned_and_ignored() -> None:
    body = copy.deepcopy(SWAGGER_BASE)
    body["x-amazon-apigateway-made-up"] = True
    body["x-amazon-apigateway-cors"] = {"allowOrigins": ["*"]}
    body["paths"]["/e"]["x-amazon-apigateway-path-thing"] = 1
    get = body["paths"]["/e"]["get"]
    get["x-amazon-apigateway-op-thing"] = 1
    get["x-amazon-apigateway-integration"]["payloadFormatVersion"] = "2.0"
    get["responses"] = {"default": {"description": "x"}}
    get["parameters"] = [{"name": "c", "in": "formData", "type": "string"}]
    warnings = Warnings()
    api = imported(body, warnings=warnings)
    assert api.resource_by_path("/e") is not None
    text = "\n".join(warnings.messages())
    for expected in (
        "unknown extension 'x-amazon-apigateway-made-up'",
        "x-amazon-apigateway-cors applies to HTTP APIs only",
        "unknown extension 'x-amazon-apigateway-path-thing'",
        "unknown extension 'x-amazon-apigateway-op-thing'",
        "'payloadFormatVersion' is not supported for REST APIs",
        "response 'default' has no REST API meaning",
        "parameter 'c' in 'formData' is not supported",
    ):
        assert expected in text
    assert ("x-amazon-apigateway-made-up",) in [p for _, p in warnings]
    assert ("paths", "/e", "get", "x-amazon-apigateway-integration", "payloadFormatVersion") in [
        p for _, p in warnings
    ]


def test_a_method_without_integration_is_warned_about() -> None:
    body = {"swagger": "2.0", "info": {"title": "t"}, "paths": {"/x": {"get": {"responses": {}}}}}
    warnings = Warnings()
    api = imported(body, warnings=warnings)
    assert api.resource_by_path("/x") is not None
    assert any("no x-amazon-apigateway-integration" in m for m in warnings.messages())


def _with_integration(integration: dict[str, Any], path: str = "/pets") -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "t"},
        "paths": {path: {"post": {"x-amazon-apigateway-integration": integration}}},
    }


def _error(body: dict[str, Any]) -> SpecError:
    with pytest.raises(SpecError) as caught:
        imported(body)
    return caught.value


def test_a_bad_selection_pattern_is_an_error_at_its_pointer() -> None:
    error = _error(_with_integration({"type": "mock", "responses": {"(4\\d{2}": {"statusCode": "400"}}}))
    assert error.pointer == "/paths/~1pets/post/x-amazon-apigateway-integration/responses/(4\\d{2}"
    assert "POST /pets" in error.message and "selection pattern '(4\\\\d{2}'" in error.message


def test_a_bad_template_is_an_error_naming_method_content_type_and_line() -> None:
    template = '{\n  #if($input.params("x"))\n  "x": 1\n}'
    error = _error(_with_integration({"type": "mock", "requestTemplates": {"application/json": template}}))
    assert (
        error.pointer
        == "/paths/~1pets/post/x-amazon-apigateway-integration/requestTemplates/application~1json"
    )
    assert "POST /pets" in error.message
    assert "'application/json'" in error.message
    assert "line 2" in error.message


def test_a_bad_response_template_is_an_error_too() -> None:
    responses = {"default": {"statusCode": "200", "responseTemplates": {"text/plain": "#end"}}}
    error = _error(_with_integration({"type": "mock", "responses": responses}))
    assert error.pointer.endswith("/responses/default/responseTemplates/text~1plain")


@pytest.mark.parametrize(
    ("integration", "pointer_end", "words"),
    [
        ({"type": "lambda"}, "/type", "type must be one of AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK"),
        ({"type": "http", "httpMethod": "GET"}, "/uri", "needs a uri"),
        ({"type": "http", "uri": "http://x"}, "/httpMethod", "needs an httpMethod"),
        ({"type": "http", "httpMethod": "GET", "uri": "ftp://x"}, "/uri", "http(s) URL"),
        ({"type": "aws", "httpMethod": "POST", "uri": "lambda"}, "/uri", "must be an ARN"),
        ({"type": "mock", "timeoutInMillis": 30000}, "/timeoutInMillis", "between 50 and 29000"),
        ({"type": "mock", "passthroughBehavior": "sometimes"}, "/passthroughBehavior", "WHEN_NO_MATCH"),
        ({"type": "mock", "connectionType": "VPC_LINK"}, "/connectionId", "needs a connectionId"),
        ({"type": "mock", "responses": {"default": {"statusCode": "20"}}}, "/statusCode", "HTTP status code"),
    ],
)
def test_integration_rules(integration: dict[str, Any], pointer_end: str, words: str) -> None:
    error = _error(_with_integration(integration))
    assert error.pointer.endswith(pointer_end), error.pointer
    assert words in error.message


@pytest.mark.parametrize(
    ("paths", "words"),
    [
        (["/a/{proxy+}/b"], "greedy path parameter {proxy+} must be the last path part"),
        (["/a/{id}", "/a/{name}"], "a resource may have only one parameter child"),
        (["/a//b"], "empty path part"),
        (["/a b"], "invalid path part 'a b'"),
        (["nope"], "must start with '/'"),
        (["/a", "/a/"], "GET /a is declared by two paths"),
    ],
)
def test_path_rules(paths: list[str], words: str) -> None:
    body = {
        "swagger": "2.0",
        "info": {"title": "t"},
        "paths": {p: {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}} for p in paths},
    }
    assert words in _error(body).message


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"swagger": "1.2", "paths": {}}, "swagger version '1.2' is not supported"),
        ({"openapi": "3.1.0", "paths": {}}, "openapi version '3.1.0' is not supported"),
        ({"paths": {}}, "not an OpenAPI document"),
        (
            {"swagger": "2.0", "paths": {"/": {"get": {"security": [{"nope": []}]}}}},
            "security scheme 'nope' is not defined",
        ),
        (
            {"swagger": "2.0", "paths": {"/": {"get": {"x-amazon-apigateway-request-validator": "v"}}}},
            "request validator 'v' is not defined",
        ),
        (
            {"swagger": "2.0", "x-amazon-apigateway-gateway-responses": {"NOPE": {}}, "paths": {}},
            "'NOPE' is not a gateway response type",
        ),
        (
            {
                "swagger": "2.0",
                "securityDefinitions": {
                    "a": {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "token"}},
                },
                "paths": {},
            },
            "a TOKEN authorizer needs an authorizer uri",
        ),
        (
            {"swagger": "2.0", "paths": {"/": {"parameters": [{"$ref": "#/parameters/missing"}], "get": {}}}},
            "reference '#/parameters/missing' points at nothing",
        ),
    ],
)
def test_document_errors(body: dict[str, Any], words: str) -> None:
    assert words in _error(body).message


def test_inline_schemas_become_models() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    body = {
        "openapi": "3.0.0",
        "info": {"title": "t"},
        "paths": {
            "/x": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": schema}}},
                    "x-amazon-apigateway-integration": {"type": "mock"},
                }
            }
        },
    }
    api = imported(body)
    resource = api.resource_by_path("/x")
    assert resource is not None
    name = resource.methods["POST"].request_models["application/json"]
    model = next(m for m in api.models if m.name == name)
    assert thaw_json(model.schema) == schema


_SEGMENT = st.text(alphabet="abcxyz019._-", min_size=1, max_size=6)


@given(st.lists(st.lists(_SEGMENT, min_size=1, max_size=4), min_size=1, max_size=8))
@settings(max_examples=60, deadline=None)
def test_any_set_of_paths_makes_a_consistent_resource_tree(segment_lists: list[list[str]]) -> None:
    body = {
        "swagger": "2.0",
        "info": {"title": "t"},
        "paths": {
            "/" + "/".join(parts): {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}
            for parts in segment_lists
        },
    }
    api = imported(body)
    by_id = {r.id: r for r in api.resources}
    assert len(by_id) == len(api.resources)  # ids are unique
    for resource in api.resources:
        if resource.is_root:
            assert resource.path == "/" and resource.id == api.root_resource_id
            continue
        parent = by_id[resource.parent_id or ""]
        expected = resource.path.rsplit("/", 1)[0] or "/"
        assert parent.path == expected
        assert resource.path.endswith("/" + resource.path_part)
    declared = {"/" + "/".join(parts) for parts in segment_lists}
    assert {r.path for r in api.resources if r.methods} == declared
