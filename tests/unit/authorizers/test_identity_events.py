"""Identity sources, the TOKEN and REQUEST events, and the function's answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vpcgate.gateway.authorizers.arn import method_arn
from vpcgate.gateway.authorizers.events import request_event, token_event
from vpcgate.gateway.authorizers.identity import (
    IdentityInput,
    IdentitySourceError,
    parse_identity_sources,
    read_all,
)
from vpcgate.gateway.authorizers.output import parse_function_result, stringify
from vpcgate.gateway.authorizers.policy import Decision, evaluate
from vpcgate.gateway.errors import AuthorizerConfigurationError, UnauthorizedError
from vpcgate.gateway.proxy_event import CallerIdentity, ProxyRequest

ARN = method_arn(
    region="us-east-1",
    account_id="123456789012",
    api_id="s4x3opwd6i",
    stage="test",
    http_method="GET",
    path="/request",
)
REQUEST = IdentityInput(
    headers=[("HeaderAuth1", "one"), ("headerauth1", "two"), ("X-Empty", "")],
    query=[("QueryString1", "q1"), ("QueryString1", "q2")],
    stage_variables={"StageVar1": "stageValue1"},
    context={"identity": {"sourceIp": "192.0.2.1"}, "stage": "test", "flag": True},
)


def proxy_request(**fields: Any) -> ProxyRequest:
    base: dict[str, Any] = {
        "http_method": "GET",
        "path": "/request",
        "resource_path": "/request",
        "resource_id": "05c7jb",
        "stage": "test",
        "request_id": "req-1",
        "extended_request_id": "ext-1",
        "request_time_epoch_ms": 1_700_000_000_000,
        "account_id": "123456789012",
        "api_id": "s4x3opwd6i",
        "domain_name": "s4x3opwd6i.execute-api.localhost",
        "identity": CallerIdentity(source_ip="192.0.2.1", user_agent="curl"),
    }
    base.update(fields)
    return ProxyRequest(**base)


def test_identity_sources_read_every_kind() -> None:
    sources = parse_identity_sources(
        "method.request.header.HEADERAUTH1, method.request.multivalueheader.HeaderAuth1,"
        "method.request.querystring.QueryString1,method.request.multivaluequerystring.QueryString1,"
        " stageVariables.StageVar1, context.identity.sourceIp, context.flag"
    )
    assert read_all(sources, REQUEST) == ("two", "one,two", "q2", "q1,q2", "stageValue1", "192.0.2.1", "true")


@pytest.mark.parametrize(
    "source",
    [
        "method.request.header.Missing",
        "method.request.header.X-Empty",
        "method.request.querystring.nope",
        "stageVariables.nope",
        "context.identity.nope",
        "context.identity",  # an object is not a value
    ],
)
def test_a_missing_or_empty_identity_is_401(source: str) -> None:
    with pytest.raises(UnauthorizedError) as caught:
        read_all(parse_identity_sources(f"method.request.header.HeaderAuth1, {source}"), REQUEST)
    assert caught.value.status == 401 and caught.value.message == "Unauthorized"


@pytest.mark.parametrize(
    ("text", "header_only"),
    [
        ("method.request.path.id", False),
        ("method.request.header.", False),
        ("Authorization", False),
        ("method.request.querystring.token", True),
        ("method.request.header.A, method.request.header.B", True),
    ],
)
def test_bad_identity_sources_are_refused(text: str, header_only: bool) -> None:
    with pytest.raises(IdentitySourceError):
        parse_identity_sources(text, header_only=header_only)


def test_no_identity_source_reads_nothing() -> None:
    assert parse_identity_sources(None) == () == parse_identity_sources("  ")
    assert read_all((), REQUEST) == ()


def test_token_event_is_exactly_the_documented_shape() -> None:
    assert json.dumps(token_event("allow", ARN)) == (
        '{"type": "TOKEN", "authorizationToken": "allow", '
        '"methodArn": "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request"}'
    )


def test_request_event_has_the_documented_keys_in_order() -> None:
    request = proxy_request(
        headers=[("HeaderAuth1", "headerValue1"), ("Accept", "*/*")],
        query=[("QueryString1", "queryValue1")],
        stage_variables={"StageVar1": "stageValue1"},
        body=b"secret payload",
        authorizer={"principalId": "nobody"},
    )
    event = request_event(request, ARN)
    assert list(event) == [
        "type",
        "methodArn",
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
    ]
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == str(ARN)
    assert event["headers"] == {"HeaderAuth1": "headerValue1", "Accept": "*/*"}
    assert event["queryStringParameters"] == {"QueryString1": "queryValue1"}
    assert event["multiValueQueryStringParameters"] == {"QueryString1": ["queryValue1"]}
    assert event["pathParameters"] == {}
    assert event["stageVariables"] == {"StageVar1": "stageValue1"}
    context = event["requestContext"]
    assert context["resourcePath"] == "/request" and context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "192.0.2.1"
    assert "authorizer" not in context
    assert "secret payload" not in json.dumps(event)


def test_request_event_path_parameters() -> None:
    event = request_event(proxy_request(path_parameters={"id": "7"}), ARN)
    assert event["pathParameters"] == {"id": "7"}


ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}],
}


def answer(**document: Any) -> bytes:
    return json.dumps(document).encode()


def test_a_valid_answer() -> None:
    output = parse_function_result(
        answer(
            principalId="user-1",
            policyDocument=ALLOW_ALL,
            context={"stringKey": "value", "numberKey": 1, "floatKey": 1.5, "booleanKey": True},
            usageIdentifierKey="key-123",
        ),
        function_error=None,
    )
    assert output.principal_id == "user-1"
    assert output.usage_identifier_key == "key-123"
    assert evaluate(output.policy, str(ARN)) is Decision.ALLOW
    assert output.template_context() == {
        "stringKey": "value",
        "numberKey": "1",
        "floatKey": "1.5",
        "booleanKey": "true",
        "principalId": "user-1",
    }


def test_unauthorized_error_is_401() -> None:
    error = json.dumps({"errorMessage": "Unauthorized", "errorType": "Error"}).encode()
    with pytest.raises(UnauthorizedError):
        parse_function_result(error, function_error="Unhandled")


@pytest.mark.parametrize(
    ("payload", "function_error"),
    [
        (json.dumps({"errorMessage": "unauthorized", "errorType": "Error"}).encode(), "Unhandled"),
        (json.dumps({"errorMessage": "boom"}).encode(), "Unhandled"),
        (b"not json", "Unhandled"),
        (b"not json", None),
        (b"null", None),
        (b"[]", None),
        (answer(policyDocument=ALLOW_ALL), None),
        (answer(principalId=7, policyDocument=ALLOW_ALL), None),
        (answer(principalId="u"), None),
        (answer(principalId="u", policyDocument="{}"), None),
        (answer(principalId="u", policyDocument={"Statement": []}), None),
        (answer(principalId="u", policyDocument=ALLOW_ALL, context={"obj": {"a": 1}}), None),
        (answer(principalId="u", policyDocument=ALLOW_ALL, context={"arr": [1]}), None),
        (answer(principalId="u", policyDocument=ALLOW_ALL, context=[1]), None),
        (answer(principalId="u", policyDocument=ALLOW_ALL, usageIdentifierKey=5), None),
    ],
)
def test_anything_else_is_500(payload: bytes, function_error: str | None) -> None:
    with pytest.raises(AuthorizerConfigurationError) as caught:
        parse_function_result(payload, function_error=function_error)
    assert caught.value.status == 500
    assert caught.value.message is None  # {"message": null}
    assert caught.value.response_type == "AUTHORIZER_CONFIGURATION_ERROR"


def test_stringify() -> None:
    assert [stringify(v) for v in ("a", 1, 2.25, False, None)] == ["a", "1", "2.25", "false", None]


def test_null_context_values_pass_through() -> None:
    output = parse_function_result(
        answer(principalId="p", policyDocument=ALLOW_ALL, context={"null": None, "num": 123}),
        function_error=None,
    )
    assert output.template_context() == {"null": None, "num": "123", "principalId": "p"}


def test_output_round_trips_through_json() -> None:
    output = parse_function_result(
        answer(principalId="p", policyDocument=ALLOW_ALL, context={"n": 2}), function_error=None
    )
    again = parse_function_result(output.to_json(), function_error=None)
    assert again == output
