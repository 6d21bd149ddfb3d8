"""The small parts under the importer: Lambda URIs, typed reads, load-time checks, paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vpcgate.spec import paths
from vpcgate.spec.checks import CheckError, check_template, compile_selection_pattern
from vpcgate.spec.lambda_uri import LambdaTarget, lambda_target
from vpcgate.spec.model import IntegrationType, PassthroughBehavior
from vpcgate.spec.props import Props, SpecError, pointer

from .helpers import api_error, deploy, template

FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:my-fn"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations",
            LambdaTarget(FUNCTION_ARN, "my-fn", None, "eu-west-1"),
        ),
        (
            f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}:live/invocations",
            LambdaTarget(f"{FUNCTION_ARN}:live", "my-fn", "live", "eu-west-1"),
        ),
        (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:1:function:${stageVariables.fn}/invocations",
            LambdaTarget(
                "arn:aws:lambda:us-east-1:1:function:${stageVariables.fn}",
                "${stageVariables.fn}",
                None,
                "us-east-1",
            ),
        ),
        (
            "arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/plain-name/invocations",
            LambdaTarget("plain-name", "plain-name", None, "cn-north-1"),
        ),
        ("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", None),
        ("http://example.com/", None),
        (None, None),
    ],
)
def test_lambda_target(uri: str | None, expected: LambdaTarget | None) -> None:
    assert lambda_target(uri) == expected


def test_props_read_cloudformation_style_scalars() -> None:
    props = Props(
        {"b": "TRUE", "n": "300", "f": "1.5", "e": "when_no_templates", "l": "one"}, ("Properties",)
    )
    assert props.flag("b") is True
    assert props.integer("n", 0, 3600) == 300
    assert props.number("f") == 1.5
    assert props.choice("e", PassthroughBehavior) is PassthroughBehavior.WHEN_NO_TEMPLATES
    assert props.texts("l") == ("one",)
    assert props.flag("missing", True) is True


@pytest.mark.parametrize(
    ("data", "read", "path", "words"),
    [
        ({"b": "yes"}, lambda p: p.flag("b"), ("Properties", "b"), "must be true or false"),
        ({"n": "3.5"}, lambda p: p.integer("n"), ("Properties", "n"), "must be an integer"),
        ({"n": 7}, lambda p: p.integer("n", 0, 5), ("Properties", "n"), "between 0 and 5"),
        ({"t": {"a": 1}}, lambda p: p.text("t"), ("Properties", "t"), "must be a string, got an object"),
        ({"l": [1]}, lambda p: p.texts("l"), ("Properties", "l", 0), "must contain strings"),
        ({"e": "lambda"}, lambda p: p.choice("e", IntegrationType), ("Properties", "e"), "AWS, AWS_PROXY"),
        ({"m": {"a/b": [1]}}, lambda p: p.text_map("m"), ("Properties", "m", "a/b"), "must be a string"),
        ({"c": "x"}, lambda p: p.child("c"), ("Properties", "c"), "expected c to be an object"),
    ],
)
def test_props_errors_carry_the_path(
    data: dict[str, Any], read: Any, path: tuple[str, ...], words: str
) -> None:
    with pytest.raises(SpecError) as caught:
        read(Props(data, ("Properties",)))
    assert caught.value.path == path
    assert caught.value.pointer == pointer(path)
    assert words in caught.value.message


def test_pointer_escapes_slash_and_tilde() -> None:
    assert pointer(("paths", "/a/{b}", "x~y", 0)) == "/paths/~1a~1{b}/x~0y/0"


def test_selection_patterns_are_java_regexes() -> None:
    assert compile_selection_pattern(r"\p{Alpha}+ error").fullmatch("Bad error")
    assert not compile_selection_pattern(r".*error.*").fullmatch(
        "first line\nan error"
    )  # Java's . stops at \n
    with pytest.raises(CheckError, match="not a valid Java regular expression"):
        compile_selection_pattern("[a-z&&[def]]")


def test_templates_are_parsed_with_line_and_column() -> None:
    check_template("#set($a = 1)\n#if($a == 1)\n  ok\n#end")
    with pytest.raises(CheckError) as caught:
        check_template('{\n  "a": #if($x)\n}')
    assert caught.value.line is not None and caught.value.column is not None
    assert f"(line {caught.value.line}, column {caught.value.column})" in str(caught.value)


def test_path_helpers() -> None:
    assert paths.split_path("/") == ()
    assert paths.split_path("/a/{b}/") == ("a", "{b}")
    assert paths.join_path("/", "a") == "/a"
    assert paths.join_path("/a", "{b+}") == "/a/{b+}"
    assert paths.parent_of("/a/b") == "/a"
    assert paths.parent_of("/a") == "/"
    assert paths.with_ancestors(["/a/b/c", "/d"]) == ["/", "/a", "/d", "/a/b", "/a/b/c"]
    assert paths.sibling_conflict(["/a/{x}", "/a/{x}/b", "/b/{y}"]) is None
    assert paths.sibling_conflict(["/a/{x}", "/a/{y+}"]) == ("/a/{x}", "/a/{y+}")
    assert paths.path_part_problem("{proxy+}", last=True) is None
    assert paths.path_part_problem("v1.2-beta_x", last=True) is None


def test_unknown_properties_are_warned_about_with_their_pointer(tmp_path: Path) -> None:
    resources = {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "a", "Nmae": "typo"}},
        "Get": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "HttpMethod": "GET",
                "Integration": {"Type": "MOCK", "IntegrationResponse": []},
            },
        },
    }
    stack = deploy(tmp_path, template(resources))
    assert (
        "Api: Nmae is not a property of AWS::ApiGateway::RestApi; ignored (at /Resources/Api/Properties/Nmae)"
        in (stack.warnings)
    )
    assert any(
        w.startswith("Get: GET /: Integration: 'IntegrationResponse' is not supported")
        and w.endswith("(at /Resources/Get/Properties/Integration/IntegrationResponse)")
        for w in stack.warnings
    )


def test_x_amazon_apigateway_auth_takes_none_or_iam_only() -> None:
    body = {
        "swagger": "2.0",
        "paths": {"/": {"get": {"x-amazon-apigateway-auth": {"type": "custom"}}}},
    }
    error = api_error(body)
    assert error.pointer == "/paths/~1/get/x-amazon-apigateway-auth/type"
    assert "NONE or AWS_IAM" in error.message


def test_an_undefined_default_validator_is_reported_at_the_top_level() -> None:
    body = {"swagger": "2.0", "x-amazon-apigateway-request-validator": "nope", "paths": {"/": {"get": {}}}}
    error = api_error(body)
    assert error.pointer == "/x-amazon-apigateway-request-validator"
