"""The AWS::ApiGateway::* providers, deployed from real templates by the deploy engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vpcgate.deploy.stacks import deploy_stacks
from vpcgate.errors import TemplateError
from vpcgate.spec.assemble import routes
from vpcgate.spec.model import ApiKeySource, Deployment, EndpointType, MethodPart, RestApi, thaw_json

from .helpers import FIXTURES, apis, deploy, single_api, template

MOCK = {"Type": "MOCK"}
LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:fn/invocations"
)


def api_resource(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api", **props}}


def method_resource(resource: Any = None, **props: Any) -> dict[str, Any]:
    base = {
        "RestApiId": {"Ref": "Api"},
        "ResourceId": resource or {"Fn::GetAtt": ["Api", "RootResourceId"]},
        "HttpMethod": "GET",
        "AuthorizationType": "NONE",
        "Integration": MOCK,
    }
    return {"Type": "AWS::ApiGateway::Method", "Properties": {**base, **props}}


def deployment(stage: str = "prod", **props: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::Deployment",
        "DependsOn": ["Get"],
        "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": stage, **props},
    }


def error_of(tmp_path: Path, resources: dict[str, Any]) -> TemplateError:
    """The error deploying ``resources`` and assembling their APIs gives."""
    with pytest.raises(TemplateError) as caught:
        apis(deploy(tmp_path, template(resources)))
    return caught.value


def test_body_form_and_explicit_form_build_the_same_api() -> None:
    body_api, explicit_api = (
        single_api(deploy_stacks([FIXTURES / form / "api.yaml"], [])[0])
        for form in ("body-form", "explicit-form")
    )
    assert body_api.id == explicit_api.id  # same stack and logical id → same ids throughout
    assert body_api.name == explicit_api.name == "pets"  # Name wins over the body's info.title
    assert body_api.api.resources == explicit_api.api.resources
    assert body_api.api.authorizers == explicit_api.api.authorizers
    assert body_api.api.models == explicit_api.api.models
    assert body_api.api.request_validators == explicit_api.api.request_validators
    assert routes(body_api) == routes(explicit_api)
    assert [(r.stage, r.method, r.path, r.integration_type, r.target) for r in routes(body_api)] == [
        ("prod", "GET", "/pets", "HTTP", "http://10.0.1.10:8080/pets"),
        ("prod", "POST", "/pets", "AWS_PROXY", "arn:aws:lambda:us-east-1:000000000000:function:pets"),
        ("prod", "GET", "/pets/{petId}", "MOCK", "MOCK"),
    ]


def test_the_seed_template_deploys_to_two_routes_on_its_lambda_function(seed_template: Path) -> None:
    overrides = [
        "BackendHost=10.0.1.10",
        "SecurityGroupId=sg-0123456789abcdef0",
        "SubnetId=subnet-0123456789abcdef0",
    ]
    (stack,) = deploy_stacks([seed_template], overrides)
    function_arn = stack.resources["ProxyFunction"].attributes["Arn"]
    api = single_api(stack)
    assert api.id == stack.resources["ProxyApi"].physical_id
    assert len(api.id) == 10 and api.id.isalnum() and api.id.islower()
    assert [(r.stage, r.method, r.path, r.integration_type, r.target) for r in routes(api)] == [
        ("prod", "GET", "/", "AWS", function_arn),
        ("prod", "POST", "/", "AWS", function_arn),
    ]
    root = api.api.resource_by_path("/")
    assert root is not None
    integration = root.methods["GET"].integration
    assert integration is not None
    assert integration.passthrough_behavior.value == "WHEN_NO_TEMPLATES"
    assert '"hostname" : "10.0.1.10"' in integration.request_templates["application/json"]
    patterns = [r.selection_pattern.source if r.selection_pattern else None for r in integration.responses]
    assert patterns == [None, *(f'\\{{\\"status\\"\\:{code}.*' for code in (400, 403, 404, 500))]
    error = '{"status":403,"bodyJson":"{\\"error\\":\\"Random error\\"}"}'
    matching = [
        r.status_code
        for r in integration.responses
        if r.selection_pattern and r.selection_pattern.compiled.fullmatch(error)
    ]
    assert matching == ["403"]
    assert api.api.name == "vpc-proxy"
    assert [w for w in stack.warnings if w.startswith("ProxyApi")] == []


def test_body_from_a_local_file_relative_to_the_template(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    body = {
        "openapi": "3.0.1",
        "info": {"title": "from-file"},
        "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
    }
    (tmp_path / "specs" / "api.json").write_text(json.dumps(body), encoding="utf-8")
    (tmp_path / "specs" / "api.yaml").write_text(
        "swagger: '2.0'\ninfo: {title: yaml}\n"
        "paths:\n  /y: {get: {x-amazon-apigateway-integration: {type: mock}}}\n",
        encoding="utf-8",
    )
    stack = deploy(
        tmp_path,
        template(
            {
                "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": "specs/api.json"}},
                "Other": {
                    "Type": "AWS::ApiGateway::RestApi",
                    "Properties": {"BodyS3Location": "specs/api.yaml"},
                },
            }
        ),
    )
    from_json = stack.resources["Api"].model
    from_yaml = stack.resources["Other"].model
    assert isinstance(from_json, RestApi) and isinstance(from_yaml, RestApi)
    assert from_json.name == "from-file" and from_json.resource_by_path("/x") is not None
    assert from_yaml.name == "yaml" and from_yaml.resource_by_path("/y") is not None


def test_s3_bodies_are_refused_with_a_way_out(tmp_path: Path) -> None:
    error = error_of(tmp_path, {"Api": api_resource(BodyS3Location={"Bucket": "b", "Key": "api.yaml"})})
    assert error.pointer == "/Resources/Api/Properties/BodyS3Location"
    assert "never from S3" in error.message and "Body: api.yaml" in error.message


def test_a_missing_body_file_is_an_error(tmp_path: Path) -> None:
    error = error_of(tmp_path, {"Api": api_resource(Body="nowhere.yaml")})
    assert error.pointer == "/Resources/Api/Properties/Body"
    assert "cannot read the API body file" in error.message


def test_body_errors_point_into_the_body(tmp_path: Path) -> None:
    body = {"swagger": "2.0", "paths": {"/p": {"get": {"x-amazon-apigateway-integration": {"type": "http"}}}}}
    error = error_of(tmp_path, {"Api": api_resource(Body=body)})
    assert error.logical_id == "Api"
    assert error.pointer == "/Resources/Api/Properties/Body/paths/~1p/get/x-amazon-apigateway-integration/uri"
    assert "GET /p: a HTTP integration needs a uri" in str(error)


def test_import_warnings_name_the_resource_and_pointer_and_fail_on_warnings_makes_them_errors(
    tmp_path: Path,
) -> None:
    body = {"swagger": "2.0", "info": {"title": "t"}, "x-amazon-apigateway-nope": 1, "paths": {}}
    stack = deploy(tmp_path, template({"Api": api_resource(Body=body)}))
    assert any(
        w.startswith("Api: unknown extension 'x-amazon-apigateway-nope' ignored")
        and "/Resources/Api/Properties/Body/x-amazon-apigateway-nope" in w
        for w in stack.warnings
    )
    error = error_of(tmp_path, {"Api": api_resource(Body=body, FailOnWarnings=True)})
    assert "FailOnWarnings is true" in error.message
    assert error.pointer == "/Resources/Api/Properties/Body/x-amazon-apigateway-nope"


def test_basepath_parameter_and_properties_over_the_body(tmp_path: Path) -> None:
    body = {
        "swagger": "2.0",
        "info": {"title": "t"},
        "basePath": "/v1",
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
    }
    props = {
        "Body": body,
        "Parameters": {"basepath": "prepend"},
        "BinaryMediaTypes": ["application/octet-stream"],
        "ApiKeySourceType": "AUTHORIZER",
        "EndpointConfiguration": {"Types": ["REGIONAL"]},
        "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
        "MinimumCompressionSize": "0",
        "DisableExecuteApiEndpoint": "true",
    }
    stack = deploy(tmp_path, template({"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": props}}))
    api = stack.resources["Api"].model
    assert isinstance(api, RestApi)
    assert [r.path for r in api.resources] == ["/", "/v1", "/v1/x"]
    assert api.name == "t"
    assert api.binary_media_types == ("application/octet-stream",)
    assert api.api_key_source is ApiKeySource.AUTHORIZER
    assert api.endpoint_configuration.types == (EndpointType.REGIONAL,)
    assert thaw_json(api.policy) == {"Version": "2012-10-17", "Statement": []}
    assert api.minimum_compression_size == 0
    assert api.disable_execute_api_endpoint is True
    assert stack.resources["Api"].attributes == {"RestApiId": api.id, "RootResourceId": api.root_resource_id}


@pytest.mark.parametrize(
    ("props", "pointer", "words"),
    [
        ({"Name": None}, "/Resources/Api/Properties/Name", "Name is required"),
        ({"CloneFrom": "x"}, "/Resources/Api/Properties/CloneFrom", "CloneFrom is not supported"),
        (
            {"Parameters": {"basepath": "middle"}},
            "/Resources/Api/Properties/Parameters/basepath",
            "ignore, prepend, split",
        ),
        (
            {"Parameters": {"mode": "x"}},
            "/Resources/Api/Properties/Parameters/mode",
            "unknown import parameter",
        ),
        (
            {"EndpointConfiguration": {"Types": ["EDGY"]}},
            "/Resources/Api/Properties/EndpointConfiguration/Types/0",
            "EDGE",
        ),
        (
            {"MinimumCompressionSize": 10485761},
            "/Resources/Api/Properties/MinimumCompressionSize",
            "between 0 and",
        ),
        ({"Policy": "{nope"}, "/Resources/Api/Properties/Policy", "not a JSON policy document"),
    ],
)
def test_rest_api_property_errors(tmp_path: Path, props: dict[str, Any], pointer: str, words: str) -> None:
    properties = {k: v for k, v in {"Name": "api", **props}.items() if v is not None}
    error = error_of(tmp_path, {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": properties}})
    assert error.pointer == pointer
    assert words in error.message


def test_explicit_resources_methods_and_their_refs(tmp_path: Path) -> None:
    stack = deploy(
        tmp_path,
        template(
            {
                "Api": api_resource(),
                "A": {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {
                        "RestApiId": {"Ref": "Api"},
                        "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                        "PathPart": "a",
                    },
                },
                "Proxy": {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {
                        "RestApiId": {"Ref": "Api"},
                        "ParentId": {"Ref": "A"},
                        "PathPart": "{proxy+}",
                    },
                },
                "Get": method_resource(
                    {"Ref": "Proxy"},
                    HttpMethod="ANY",
                    Integration={"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": LAMBDA_URI},
                ),
                "Deploy": deployment(),
            }
        ),
    )
    a, proxy = stack.resources["A"], stack.resources["Proxy"]
    assert len(a.physical_id) == 10 and a.attributes == {"ResourceId": a.physical_id}
    method = stack.resources["Get"].model
    assert isinstance(method, MethodPart) and method.resource_id == proxy.physical_id
    api = single_api(stack)
    assert [(r.method, r.path, r.target) for r in routes(api)] == [
        ("ANY", "/a/{proxy+}", "arn:aws:lambda:us-east-1:000000000000:function:fn")
    ]


def _root() -> dict[str, Any]:
    return {"Fn::GetAtt": ["Api", "RootResourceId"]}


@pytest.mark.parametrize(
    ("resources", "pointer", "words"),
    [
        (
            {
                "R": {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {"RestApiId": "nope", "ParentId": "x", "PathPart": "a"},
                }
            },
            "/Resources/R/Properties/RestApiId",
            "is not the id of an AWS::ApiGateway::RestApi",
        ),
        (
            {
                "R": {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": "zzz", "PathPart": "a"},
                }
            },
            "/Resources/R/Properties/ParentId",
            "is not a resource of RestApi",
        ),
        (
            {
                "R": {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": _root(), "PathPart": "a/b"},
                }
            },
            "/Resources/R/Properties/PathPart",
            "invalid path part",
        ),
        (
            {
                "P": {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": _root(), "PathPart": "{p+}"},
                },
                "R": {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": {"Ref": "P"}, "PathPart": "a"},
                },
            },
            "/Resources/R/Properties/ParentId",
            "the greedy resource /{p+} cannot have children",
        ),
        (
            {"Get": method_resource(RequestModels={"application/json": "Nope"})},
            "/Resources/Get/Properties/RequestModels/application~1json",
            "GET /: no model 'Nope' in the API",
        ),
        (
            {"Get": method_resource(RequestValidatorId="abc123")},
            "/Resources/Get/Properties/RequestValidatorId",
            "GET /: no request validator 'abc123' in the API",
        ),
        (
            {"Get": method_resource(HttpMethod="FETCH")},
            "/Resources/Get/Properties/HttpMethod",
            "HttpMethod must be one of",
        ),
        (
            {"Get": method_resource(ResourceId="zzz")},
            "/Resources/Get/Properties/ResourceId",
            "is not a resource of RestApi",
        ),
        (
            {"Get": method_resource(AuthorizationType="CUSTOM")},
            "/Resources/Get/Properties/AuthorizerId",
            "needs an AuthorizerId",
        ),
        (
            {"Get": method_resource(AuthorizationType="CUSTOM", AuthorizerId="abc123")},
            "/Resources/Get/Properties/AuthorizerId",
            "'abc123' is not an authorizer of RestApi",
        ),
        (
            {"Get": method_resource(AuthorizerId="abc123")},
            "/Resources/Get/Properties/AuthorizationType",
            "AuthorizerId is set",
        ),
        (
            {"Get": method_resource(AuthorizationType="SOMETIMES")},
            "/Resources/Get/Properties/AuthorizationType",
            "NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS",
        ),
        (
            {"Get": method_resource(Integration={"Type": "HTTP", "Uri": "http://x"})},
            "/Resources/Get/Properties/Integration/IntegrationHttpMethod",
            "GET /: a HTTP integration needs an httpMethod",
        ),
        (
            {"Get": method_resource(Integration={"Type": "MOCK", "TimeoutInMillis": 10})},
            "/Resources/Get/Properties/Integration/TimeoutInMillis",
            "between 50 and 29000",
        ),
        (
            {
                "Get": method_resource(
                    Integration={
                        "Type": "MOCK",
                        "IntegrationResponses": [{"StatusCode": "500", "SelectionPattern": "(oops"}],
                    }
                )
            },
            "/Resources/Get/Properties/Integration/IntegrationResponses/0/SelectionPattern",
            "GET /: selection pattern '(oops'",
        ),
        (
            {
                "Get": method_resource(
                    Integration={
                        "Type": "MOCK",
                        "RequestTemplates": {"application/json": "#foreach($x in $y)"},
                    }
                )
            },
            "/Resources/Get/Properties/Integration/RequestTemplates/application~1json",
            "GET /: mapping template for 'application/json' does not parse",
        ),
        (
            {
                "Get": method_resource(
                    Integration={
                        "Type": "MOCK",
                        "IntegrationResponses": [
                            {"StatusCode": "200", "ResponseTemplates": {"text/html": "#else"}}
                        ],
                    }
                )
            },
            "/Resources/Get/Properties/Integration/IntegrationResponses/0/ResponseTemplates/text~1html",
            "'text/html' does not parse",
        ),
    ],
)
def test_resource_and_method_errors(
    tmp_path: Path, resources: dict[str, Any], pointer: str, words: str
) -> None:
    error = error_of(tmp_path, {"Api": api_resource(), **resources})
    assert error.pointer == pointer
    assert words in error.message


def test_stages_from_deployments_and_stage_resources(tmp_path: Path) -> None:
    stack = deploy(
        tmp_path,
        template(
            {
                "Api": api_resource(),
                "Get": method_resource(),
                "Deploy": deployment(
                    "prod",
                    StageDescription={
                        "ThrottlingRateLimit": 10,
                        "ThrottlingBurstLimit": 5,
                        "MetricsEnabled": True,
                        "Variables": {"fn": "my-function", "url": "http://10.0.0.1:8080/x?y=1&z=a,b"},
                        "MethodSettings": [
                            {"ResourcePath": "/", "HttpMethod": "GET", "ThrottlingRateLimit": 1}
                        ],
                        "TracingEnabled": True,
                    },
                ),
                "Beta": {
                    "Type": "AWS::ApiGateway::Stage",
                    "Properties": {
                        "RestApiId": {"Ref": "Api"},
                        "DeploymentId": {"Ref": "Deploy"},
                        "StageName": "beta",
                        "Variables": {"fn": "beta-function"},
                        "AccessLogSetting": {
                            "DestinationArn": "arn:aws:logs:us-east-1:0:log-group:x",
                            "Format": "$context.requestId",
                        },
                        "MethodSettings": [
                            {
                                "ResourcePath": "/~1pets~1{id}",
                                "HttpMethod": "get",
                                "CachingEnabled": True,
                                "CacheTtlInSeconds": 60,
                            },
                            {
                                "ResourcePath": "/*",
                                "HttpMethod": "*",
                                "LoggingLevel": "info",
                                "ThrottlingBurstLimit": "100",
                            },
                        ],
                    },
                },
            }
        ),
    )
    deployment_record = stack.resources["Deploy"]
    assert isinstance(deployment_record.model, Deployment)
    assert (
        len(deployment_record.physical_id) == 6
        and deployment_record.attributes["DeploymentId"] == deployment_record.physical_id
    )
    assert stack.resources["Beta"].physical_id == "beta"
    api = single_api(stack)
    assert [s.name for s in api.stages] == ["prod", "beta"]
    prod, beta = api.stages
    assert prod.variables == {"fn": "my-function", "url": "http://10.0.0.1:8080/x?y=1&z=a,b"}
    assert prod.tracing_enabled is True
    assert set(prod.method_settings) == {"*/*", "//GET"}
    wide = prod.method_settings["*/*"]
    assert (wide.throttling_rate_limit, wide.throttling_burst_limit, wide.metrics_enabled) == (10, 5, True)
    assert prod.method_setting("/", "GET") is prod.method_settings["//GET"]
    assert prod.method_setting("/", "POST") is wide
    assert beta.deployment_id == deployment_record.physical_id
    assert set(beta.method_settings) == {"/pets/{id}/GET", "*/*"}
    assert beta.method_settings["/pets/{id}/GET"].cache_ttl_seconds == 60
    assert beta.method_settings["*/*"].logging_level == "INFO"
    assert beta.method_settings["*/*"].throttling_burst_limit == 100
    assert beta.access_log is not None and beta.access_log.format == "$context.requestId"
    assert [(r.stage, r.method) for r in routes(api)] == [("beta", "GET"), ("prod", "GET")]  # by stage name


@pytest.mark.parametrize(
    ("resources", "pointer", "words"),
    [
        ({"Deploy": deployment("pr od")}, "/Resources/Deploy/Properties/StageName", "may hold only letters"),
        (
            {"Deploy": deployment(StageDescription={"Variables": {"url": "has space"}})},
            "/Resources/Deploy/Properties/StageDescription/Variables/url",
            "may hold only letters, digits and -._~:/?#&=,",
        ),
        (
            {"Deploy": deployment(StageDescription={"Variables": {"bad-name": "x"}})},
            "/Resources/Deploy/Properties/StageDescription/Variables/bad-name",
            "stage variable name 'bad-name'",
        ),
        (
            {
                "Deploy": deployment(
                    StageDescription={"MethodSettings": [{"ResourcePath": "pets", "HttpMethod": "GET"}]}
                )
            },
            "/Resources/Deploy/Properties/StageDescription/MethodSettings/0/ResourcePath",
            "must start with '/'",
        ),
        (
            {"Deploy": deployment(StageDescription={"LoggingLevel": "LOUD"})},
            "/Resources/Deploy/Properties/StageDescription/LoggingLevel",
            "OFF, ERROR or INFO",
        ),
        (
            {"Deploy": deployment(StageDescription={"CacheTtlInSeconds": 3601})},
            "/Resources/Deploy/Properties/StageDescription/CacheTtlInSeconds",
            "between 0 and 3600",
        ),
        (
            {
                "Deploy": deployment(),
                "Stage": {
                    "Type": "AWS::ApiGateway::Stage",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "DeploymentId": "nope", "StageName": "x"},
                },
            },
            "/Resources/Stage/Properties/DeploymentId",
            "is not a deployment of RestApi",
        ),
        (
            {
                "Deploy": deployment(),
                "Stage": {
                    "Type": "AWS::ApiGateway::Stage",
                    "Properties": {
                        "RestApiId": {"Ref": "Api"},
                        "DeploymentId": {"Ref": "Deploy"},
                        "StageName": "prod",
                    },
                },
            },
            "/Resources/Stage/Properties/StageName",
            "already has a stage named 'prod'",
        ),
    ],
)
def test_stage_errors(tmp_path: Path, resources: dict[str, Any], pointer: str, words: str) -> None:
    error = error_of(tmp_path, {"Api": api_resource(), "Get": method_resource(), **resources})
    assert error.pointer == pointer
    assert words in error.message


def test_a_stage_needs_every_method_integrated(tmp_path: Path) -> None:
    resources = {"Api": api_resource(), "Get": method_resource(Integration=None), "Deploy": deployment()}
    resources["Get"]["Properties"].pop("Integration")
    stack = deploy(tmp_path, template(resources))
    with pytest.raises(TemplateError) as caught:
        single_api(stack)
    assert caught.value.logical_id == "Deploy"
    assert "No integration defined for method GET /" in caught.value.message


def test_duplicate_methods_and_paths_are_errors(tmp_path: Path) -> None:
    body = {
        "swagger": "2.0",
        "info": {"title": "t"},
        "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
    }
    stack = deploy(
        tmp_path,
        template(
            {
                "Api": api_resource(Body=body),
                "Get": method_resource(),
                "Again": method_resource(),
            }
        ),
    )
    with pytest.raises(TemplateError) as caught:
        single_api(stack)
    assert caught.value.pointer == "/Resources/Again/Properties/HttpMethod"
    assert "method GET / is already defined" in caught.value.message
    stack = deploy(
        tmp_path,
        template(
            {
                "Api": api_resource(Body=body),
                "A": {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": _root(), "PathPart": "a"},
                },
            }
        ),
    )
    with pytest.raises(TemplateError, match="already has a resource /a"):
        single_api(stack)


def test_keys_plans_and_plan_keys_attach_to_the_api(tmp_path: Path) -> None:
    stack = deploy(
        tmp_path,
        template(
            {
                "Api": api_resource(),
                "Get": method_resource(ApiKeyRequired=True),
                "Deploy": deployment(),
                "Key": {
                    "Type": "AWS::ApiGateway::ApiKey",
                    "DependsOn": "Deploy",
                    "Properties": {
                        "Enabled": True,
                        "StageKeys": [{"RestApiId": {"Ref": "Api"}, "StageName": "prod"}],
                    },
                },
                "GivenKey": {
                    "Type": "AWS::ApiGateway::ApiKey",
                    "Properties": {"Value": "a-key-of-twenty-chars", "Name": "given"},
                },
                "Plan": {
                    "Type": "AWS::ApiGateway::UsagePlan",
                    "DependsOn": "Deploy",
                    "Properties": {
                        "ApiStages": [
                            {
                                "ApiId": {"Ref": "Api"},
                                "Stage": "prod",
                                "Throttle": {"//GET": {"RateLimit": 1.5, "BurstLimit": 2}},
                            }
                        ],
                        "Quota": {"Limit": 100, "Period": "day", "Offset": 0},
                        "Throttle": {"RateLimit": 10, "BurstLimit": 20},
                    },
                },
                "PlanKey": {
                    "Type": "AWS::ApiGateway::UsagePlanKey",
                    "Properties": {
                        "KeyId": {"Ref": "GivenKey"},
                        "KeyType": "API_KEY",
                        "UsagePlanId": {"Ref": "Plan"},
                    },
                },
            }
        ),
    )
    key = stack.resources["Key"]
    assert len(key.physical_id) == 10 and key.attributes == {"APIKeyId": key.physical_id}
    generated = getattr(key.model, "value", "")
    assert len(generated) == 40 and generated.isalnum() and generated != generated.lower()
    again = deploy(
        tmp_path,
        template({"Api": api_resource(), "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {}}}),
    )
    assert (
        getattr(again.resources["Key"].model, "value", None) == generated
    )  # stable per stack and logical id
    assert getattr(stack.resources["GivenKey"].model, "enabled", None) is False  # CloudFormation's default
    api = single_api(stack)
    (plan,) = api.usage_plans
    assert plan.quota is not None and (plan.quota.limit, plan.quota.period.value) == (100, "DAY")
    assert plan.throttle is not None and plan.throttle.burst_limit == 20
    assert plan.api_stages[0].throttle["//GET"].rate_limit == 1.5
    assert [k.key_id for k in api.usage_plan_keys] == [stack.resources["GivenKey"].physical_id]
    assert {k.name for k in api.api_keys} == {"given", getattr(key.model, "name", "")}


@pytest.mark.parametrize(
    ("resource", "pointer", "words"),
    [
        (
            {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Value": "short"}},
            "/Resources/X/Properties/Value",
            "20 to 128",
        ),
        (
            {"Type": "AWS::ApiGateway::UsagePlan", "Properties": {"Quota": {"Limit": 1, "Period": "YEAR"}}},
            "/Resources/X/Properties/Quota/Period",
            "DAY, WEEK, MONTH",
        ),
        (
            {
                "Type": "AWS::ApiGateway::UsagePlan",
                "Properties": {"ApiStages": [{"ApiId": "a", "Stage": "s", "Throttle": {"GET": {}}}]},
            },
            "/Resources/X/Properties/ApiStages/0/Throttle/GET",
            "a method throttle key is",
        ),
        (
            {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {"KeyId": "k", "KeyType": "API_KEY", "UsagePlanId": "p"},
            },
            "/Resources/X/Properties/KeyId",
            "is not the id of an AWS::ApiGateway::ApiKey",
        ),
        (
            {
                "Type": "AWS::ApiGateway::GatewayResponse",
                "Properties": {"RestApiId": {"Ref": "Api"}, "ResponseType": "NOPE"},
            },
            "/Resources/X/Properties/ResponseType",
            "not a gateway response type",
        ),
        (
            {
                "Type": "AWS::ApiGateway::Authorizer",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "Name": "a",
                    "Type": "TOKEN",
                    "IdentitySource": "method.request.header.A",
                },
            },
            "/Resources/X/Properties/AuthorizerUri",
            "needs an authorizer uri",
        ),
        (
            {
                "Type": "AWS::ApiGateway::Authorizer",
                "Properties": {"RestApiId": {"Ref": "Api"}, "Name": "a", "Type": "COGNITO_USER_POOLS"},
            },
            "/Resources/X/Properties/ProviderARNs",
            "needs provider ARNs",
        ),
        (
            {"Type": "AWS::ApiGateway::Model", "Properties": {"RestApiId": {"Ref": "Api"}, "Name": "a-b"}},
            "/Resources/X/Properties/Name",
            "letters and digits",
        ),
        (
            {"Type": "AWS::ApiGateway::Model", "Properties": {"RestApiId": {"Ref": "Api"}, "Schema": "{"}},
            "/Resources/X/Properties/Schema",
            "not JSON",
        ),
        (
            {"Type": "AWS::ApiGateway::VpcLink", "Properties": {"Name": "l"}},
            "/Resources/X/Properties/TargetArns",
            "at least one",
        ),
    ],
)
def test_other_provider_errors(tmp_path: Path, resource: dict[str, Any], pointer: str, words: str) -> None:
    error = error_of(tmp_path, {"Api": api_resource(), "X": resource})
    assert error.pointer == pointer
    assert words in error.message


def test_usage_plan_naming_a_missing_stage_is_an_error(tmp_path: Path) -> None:
    plan = {
        "Type": "AWS::ApiGateway::UsagePlan",
        "Properties": {"ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "prod"}]},
    }
    stack = deploy(tmp_path, template({"Api": api_resource(), "Plan": plan}))
    with pytest.raises(TemplateError) as caught:
        single_api(stack)
    assert caught.value.pointer == "/Resources/Plan/Properties/ApiStages/0/Stage"


def test_authorizers_models_validators_and_gateway_responses_join_the_api(tmp_path: Path) -> None:
    body = {
        "swagger": "2.0",
        "info": {"title": "t"},
        "x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"statusCode": "400"}},
        "paths": {},
    }
    stack = deploy(
        tmp_path,
        template(
            {
                "Api": api_resource(Body=body),
                "Auth": {
                    "Type": "AWS::ApiGateway::Authorizer",
                    "Properties": {
                        "RestApiId": {"Ref": "Api"},
                        "Name": "req",
                        "Type": "REQUEST",
                        "AuthorizerUri": LAMBDA_URI,
                        "IdentitySource": "method.request.header.X",
                        "AuthorizerResultTtlInSeconds": 0,
                    },
                },
                "Resp": {
                    "Type": "AWS::ApiGateway::GatewayResponse",
                    "Properties": {
                        "RestApiId": {"Ref": "Api"},
                        "ResponseType": "DEFAULT_4XX",
                        "StatusCode": "418",
                        "ResponseTemplates": {"application/json": "{}"},
                    },
                },
                "Schema": {
                    "Type": "AWS::ApiGateway::Model",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "Schema": '{"type": "object"}'},
                },
                "Link": {
                    "Type": "AWS::ApiGateway::VpcLink",
                    "Properties": {"Name": "l", "TargetArns": ["arn:aws:elasticloadbalancing:x"]},
                },
                "Get": method_resource(
                    AuthorizationType="CUSTOM",
                    AuthorizerId={"Ref": "Auth"},
                    RequestModels={"application/json": {"Ref": "Schema"}},
                    Integration={
                        "Type": "HTTP_PROXY",
                        "IntegrationHttpMethod": "ANY",
                        "Uri": "http://nlb.internal/",
                        "ConnectionType": "VPC_LINK",
                        "ConnectionId": {"Ref": "Link"},
                    },
                ),
                "Deploy": deployment(),
            }
        ),
    )
    api = single_api(stack)
    (auth,) = api.api.authorizers
    assert auth.id == stack.resources["Auth"].physical_id and auth.result_ttl == 0
    response = api.api.gateway_response("DEFAULT_4XX")
    assert response is not None and response.status_code == "418"  # the resource replaces the body's
    (model,) = api.api.models
    assert model.name == stack.resources["Schema"].physical_id and thaw_json(model.schema) == {
        "type": "object"
    }
    assert [link.id for link in api.vpc_links] == [stack.resources["Link"].physical_id]
    assert [(r.integration_type, r.target) for r in routes(api)] == [("HTTP_PROXY", "http://nlb.internal/")]
