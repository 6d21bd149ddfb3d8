"""AWS_PROXY payload 1.0: the event's exact shape, and the function output checked as AWS checks it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpcgate.gateway.errors import BadGatewayError
from vpcgate.gateway.proxy_event import (
    CallerIdentity,
    ProxyRequest,
    build_proxy_event,
    clf_time,
    function_error,
    parse_proxy_response,
)
from vpcgate.gateway.responses import GatewayResponses

EPOCH_MS = 1764141210123  # 2025-11-26T07:13:30.123Z


def request(**overrides: object) -> ProxyRequest:
    base: dict[str, object] = {
        "http_method": "POST",
        "path": "/hello/wor%20ld",
        "resource_path": "/{proxy+}",
        "resource_id": "roq9wj",
        "stage": "testStage",
        "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "extended_request_id": "LgoQBEbzIAMFRkA=",
        "request_time_epoch_ms": EPOCH_MS,
        "account_id": "123456789012",
        "api_id": "gy415nuibc",
        "domain_name": "gy415nuibc.execute-api.localhost",
        "identity": CallerIdentity(source_ip="127.0.0.1", user_agent="curl/8.5.0"),
        "headers": [
            ("Host", "gy415nuibc.execute-api.localhost"),
            ("User-Agent", "curl/8.5.0"),
            ("Content-Type", "application/json"),
            ("X-Multi", "one"),
            ("x-multi", "two"),
        ],
        "query": [("name", "me"), ("multi", "you"), ("multi", "me")],
        "path_parameters": {"proxy": "hello/wor ld"},
        "stage_variables": {"stageVariableName": "stageVariableValue"},
        "body": b'{"a": 1}',
    }
    base.update(overrides)
    return ProxyRequest(**base)  # type: ignore[arg-type]


GOLDEN = """{
  "resource": "/{proxy+}",
  "path": "/hello/wor%20ld",
  "httpMethod": "POST",
  "headers": {
    "Host": "gy415nuibc.execute-api.localhost",
    "User-Agent": "curl/8.5.0",
    "Content-Type": "application/json",
    "X-Multi": "two"
  },
  "multiValueHeaders": {
    "Host": ["gy415nuibc.execute-api.localhost"],
    "User-Agent": ["curl/8.5.0"],
    "Content-Type": ["application/json"],
    "X-Multi": ["one", "two"]
  },
  "queryStringParameters": {"name": "me", "multi": "me"},
  "multiValueQueryStringParameters": {"name": ["me"], "multi": ["you", "me"]},
  "pathParameters": {"proxy": "hello/wor ld"},
  "stageVariables": {"stageVariableName": "stageVariableValue"},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "gy415nuibc",
    "domainName": "gy415nuibc.execute-api.localhost",
    "domainPrefix": "gy415nuibc",
    "extendedRequestId": "LgoQBEbzIAMFRkA=",
    "httpMethod": "POST",
    "identity": {
      "accessKey": null,
      "accountId": null,
      "caller": null,
      "cognitoAuthenticationProvider": null,
      "cognitoAuthenticationType": null,
      "cognitoIdentityId": null,
      "cognitoIdentityPoolId": null,
      "principalOrgId": null,
      "sourceIp": "127.0.0.1",
      "user": null,
      "userAgent": "curl/8.5.0",
      "userArn": null
    },
    "path": "/testStage/hello/wor%20ld",
    "protocol": "HTTP/1.1",
    "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    "requestTime": "26/Nov/2025:07:13:30 +0000",
    "requestTimeEpoch": 1764141210123,
    "resourceId": "roq9wj",
    "resourcePath": "/{proxy+}",
    "stage": "testStage"
  },
  "body": "{\\"a\\": 1}",
  "isBase64Encoded": false
}"""


def test_golden_event_including_key_order() -> None:
    event = build_proxy_event(request())
    assert json.dumps(event) == json.dumps(json.loads(GOLDEN))


def test_empty_parts_are_null() -> None:
    event = build_proxy_event(
        request(headers=[], query=[], path_parameters={}, stage_variables={}, body=b"", http_method="GET")
    )
    for key in (
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
    ):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False


def test_binary_body_is_base64() -> None:
    event = build_proxy_event(request(body=b"\x89PNG\x00", binary=True))
    assert (event["body"], event["isBase64Encoded"]) == ("iVBORwA=", True)


def test_authorizer_and_api_key_appear_when_present() -> None:
    identity = CallerIdentity(source_ip="10.0.0.1", api_key="k-123", api_key_id="id-1")
    event = build_proxy_event(request(identity=identity, authorizer={"principalId": "me", "n": "1"}))
    context = event["requestContext"]
    assert list(context)[:3] == ["accountId", "apiId", "authorizer"]
    assert context["authorizer"] == {"principalId": "me", "n": "1"}
    assert (context["identity"]["apiKey"], context["identity"]["apiKeyId"]) == ("k-123", "id-1")
    assert "apiKey" not in build_proxy_event(request())["requestContext"]["identity"]


@pytest.mark.parametrize(
    ("epoch_ms", "text"),
    [(0, "01/Jan/1970:00:00:00 +0000"), (1709251199999, "29/Feb/2024:23:59:59 +0000")],
)
def test_clf_time(epoch_ms: int, text: str) -> None:
    assert clf_time(epoch_ms) == text


# --- the response -------------------------------------------------------------------------------


def test_good_response() -> None:
    got = parse_proxy_response(
        b'{"statusCode": 201, "headers": {"X-A": "1", "X-Both": "single"},'
        b' "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "x-both": ["m1", "m2"]},'
        b' "body": "{\\"ok\\":true}", "isBase64Encoded": false}'
    )
    assert got.status == 201
    assert got.body == '{"ok":true}'
    assert got.is_base64_encoded is False
    assert sorted(got.headers) == sorted(
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("x-both", "m1"), ("x-both", "m2"), ("X-A", "1")]
    )


def test_minimal_response_and_string_status() -> None:
    got = parse_proxy_response('{"statusCode": "204"}')
    assert (got.status, got.headers, got.body, got.is_base64_encoded) == (204, (), "", False)


def test_scalars_in_headers_are_written_as_json_writes_them() -> None:
    got = parse_proxy_response(b'{"statusCode":200,"headers":{"n":5,"f":1.5,"b":true,"z":null}}')
    assert got.headers == (("n", "5"), ("f", "1.5"), ("b", "true"))


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"",
        b'"a string"',
        b"[1, 2]",
        b"null",
        b'{"body": "no status"}',
        b'{"statusCode": 200, "body": {"an": "object"}}',
        b'{"statusCode": 200, "body": 5}',
        b'{"statusCode": 200, "extra": 1}',
        b'{"statusCode": 200, "cookies": ["a=1"]}',
        b'{"statusCode": true}',
        b'{"statusCode": 200.5}',
        b'{"statusCode": "abc"}',
        b'{"statusCode": 42}',
        b'{"statusCode": 200, "headers": ["X-A"]}',
        b'{"statusCode": 200, "headers": {"X-A": {"nested": 1}}}',
        b'{"statusCode": 200, "multiValueHeaders": {"X-A": "not a list"}}',
        b'{"statusCode": 200, "isBase64Encoded": "yes"}',
        b'{"statusCode": NaN}',
        b"\xff\xfe",
    ],
)
def test_malformed_output_is_502(payload: bytes) -> None:
    with pytest.raises(BadGatewayError) as caught:
        parse_proxy_response(payload)
    rendered = GatewayResponses().render(caught.value)
    assert (rendered.status, rendered.body) == (502, b'{"message": "Internal server error"}')
    assert dict(rendered.headers)["x-amzn-ErrorType"] == "InternalServerErrorException"


def test_function_error_is_the_same_502() -> None:
    rendered = GatewayResponses().render(function_error())
    assert (rendered.status, rendered.body) == (502, b'{"message": "Internal server error"}')


header_name = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True)
header_value = st.text(
    alphabet=st.characters(codec="ascii", min_codepoint=32, max_codepoint=126), max_size=20
)


@given(
    status=st.integers(100, 599),
    as_text=st.booleans(),
    single=st.dictionaries(header_name, header_value, max_size=4),
    multi=st.dictionaries(header_name, st.lists(header_value, min_size=1, max_size=3), max_size=4),
    body=st.one_of(st.none(), st.text(max_size=30)),
    b64=st.one_of(st.none(), st.booleans()),
)
def test_any_well_formed_output_is_accepted(
    status: int,
    as_text: bool,
    single: dict[str, str],
    multi: dict[str, list[str]],
    body: str | None,
    b64: bool | None,
) -> None:
    document = {
        "statusCode": str(status) if as_text else status,
        "headers": single,
        "multiValueHeaders": multi,
        "body": body,
        "isBase64Encoded": b64,
    }
    got = parse_proxy_response(json.dumps(document))
    assert got.status == status
    assert got.body == (body or "")
    assert got.is_base64_encoded is bool(b64)
    multi_names = {name.lower() for name in multi}
    expected = [(n, v) for n, values in multi.items() for v in values]
    expected += [(n, v) for n, v in single.items() if n.lower() not in multi_names]
    assert sorted(got.headers) == sorted(expected)
