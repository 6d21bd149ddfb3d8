"""The Lambda proxy integration (AWS_PROXY), payload format 1.0: the event in, the response checked out.

The event is built exactly as the "Input format of a Lambda function for proxy integration" documents
it, keys in the documented order; ``requestContext`` and ``identity`` list their keys in the order of
the documentation's full example (alphabetical), with ``null`` wherever AWS has no value:
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format

- ``headers`` / ``queryStringParameters`` hold one value per name, the *last* one sent
  (a captured event in glassechidna/serverlessish#4: ``"header-double": "second"`` beside
  ``["first", "second"]``; also floci-io/floci#1806, laravel/vapor-core#131);
  ``multiValueHeaders`` / ``multiValueQueryStringParameters`` hold all of them in order. Header
  names keep the client's spelling; names differing only in case are one header (the first
  spelling names it). Each of the four, ``pathParameters`` and ``stageVariables`` is ``null`` when
  empty.
- ``path`` is the request path after the stage, still percent-encoded as the client sent it;
  ``requestContext.path`` is the same with the stage in front (``/prod/pets``).
- ``body`` is ``null`` when the request has none; binary payloads (the caller decides, from the
  API's binaryMediaTypes) are base64 with ``isBase64Encoded: true``.
- ``requestContext.requestTime`` is CLF (``dd/MMM/yyyy:HH:mm:ss +0000``, English month names),
  ``requestTimeEpoch`` milliseconds; ``authorizer`` appears only when an authorizer ran, and
  ``identity.apiKey`` / ``apiKeyId`` only when the method used an API key.

The response must be a JSON object whose keys are among ``statusCode``, ``headers``,
``multiValueHeaders``, ``body``, ``isBase64Encoded``; anything else is "Malformed Lambda proxy
response" and the client gets 502 ``{"message": "Internal server error"}`` ("If the function output
is of a different format, API Gateway returns a 502 Bad Gateway error response", same page, output
format; https://repost.aws/knowledge-center/malformed-502-api-gateway). An extra key is enough:
micronaut-projects/micronaut-aws#12 records AWS refusing ``"statusDescription":"Created"`` with
"Execution failed due to configuration error: Malformed Lambda proxy response". Checked here:

- ``statusCode``: required; an integer, or a string of digits (AWS's own example writes
  ``statusCode: "..."``:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html);
  100–599. Booleans, floats and other strings are malformed (AWS is silent on those: refused).
- ``body``: a string, ``null`` or absent (an object body is the classic 502, recorded in
  vincentsarago/lambda-proxy#59).
- ``headers``: an object of scalar values; ``multiValueHeaders``: an object of arrays of scalars.
  Numbers and booleans are written as JSON writes them; ``null`` values are dropped. "If the same
  key-value pair is specified in both, only the values from multiValueHeaders will appear": a name
  present in both (case-insensitively) takes ``multiValueHeaders``' values only.
- ``isBase64Encoded``: a boolean, ``null`` or absent. The body is not decoded here: whether it goes
  out as binary depends on the API's binaryMediaTypes and the request's Accept (content handling).

A function that *raised* (an invocation result with ``X-Amz-Function-Error``) gets the same 502:
:func:`function_error`.

Errors::

    BadGatewayError      the function raised, or its output is not the documented shape
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vpcgate.gateway.errors import BadGatewayError

__all__ = [
    "CallerIdentity",
    "ProxyRequest",
    "ProxyResponse",
    "build_proxy_event",
    "function_error",
    "parse_proxy_response",
]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """``requestContext.identity``: what is known of the caller (SigV4, Cognito, API key)."""

    source_ip: str
    user_agent: str | None = None
    access_key: str | None = None
    account_id: str | None = None
    caller: str | None = None
    cognito_authentication_provider: str | None = None
    cognito_authentication_type: str | None = None
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None
    principal_org_id: str | None = None
    user: str | None = None
    user_arn: str | None = None
    api_key: str | None = None
    api_key_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProxyRequest:
    """Everything the event needs, as the gateway knows it after routing (and authorizing)."""

    http_method: str
    path: str  # after the stage, percent-encoded as received: "/pets/a%20b"
    resource_path: str  # "/pets/{name}"
    resource_id: str
    stage: str
    request_id: str
    extended_request_id: str
    request_time_epoch_ms: int
    account_id: str
    api_id: str
    domain_name: str
    identity: CallerIdentity
    headers: Sequence[tuple[str, str]] = ()
    query: Sequence[tuple[str, str]] = ()  # decoded (name, value) pairs, in order
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    binary: bool = False  # the body is binary (binaryMediaTypes): send it base64
    protocol: str = "HTTP/1.1"
    authorizer: Mapping[str, Any] | None = None


def build_proxy_event(request: ProxyRequest) -> dict[str, Any]:
    """The payload format 1.0 event for ``request``, keys in AWS's order."""
    headers, multi_headers = _headers(request.headers)
    query, multi_query = _query(request.query)
    body, is_base64 = _body(request.body, binary=request.binary)
    return {
        "resource": request.resource_path,
        "path": request.path,
        "httpMethod": request.http_method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(request.path_parameters) or None,
        "stageVariables": dict(request.stage_variables) or None,
        "requestContext": _request_context(request),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _headers(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    names: dict[str, str] = {}  # lower-case name → the first spelling seen
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        key = names.setdefault(name.lower(), name)
        multi.setdefault(key, []).append(value)
    if not multi:
        return None, None
    return {key: values[-1] for key, values in multi.items()}, multi


def _query(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    if not multi:
        return None, None
    return {key: values[-1] for key, values in multi.items()}, multi


def _body(body: bytes, *, binary: bool) -> tuple[str | None, bool]:
    if not body:
        return None, False
    if binary:
        return base64.b64encode(body).decode("ascii"), True
    return body.decode("utf-8", errors="replace"), False


def _request_context(request: ProxyRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"accountId": request.account_id, "apiId": request.api_id}
    if request.authorizer is not None:
        context["authorizer"] = dict(request.authorizer)
    context.update(
        {
            "domainName": request.domain_name,
            "domainPrefix": request.domain_name.split(".", 1)[0],
            "extendedRequestId": request.extended_request_id,
            "httpMethod": request.http_method,
            "identity": _identity(request.identity),
            "path": f"/{request.stage}{request.path}",
            "protocol": request.protocol,
            "requestId": request.request_id,
            "requestTime": clf_time(request.request_time_epoch_ms),
            "requestTimeEpoch": request.request_time_epoch_ms,
            "resourceId": request.resource_id,
            "resourcePath": request.resource_path,
            "stage": request.stage,
        }
    )
    return context


def _identity(identity: CallerIdentity) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "accessKey": identity.access_key,
        "accountId": identity.account_id,
    }
    if identity.api_key is not None:
        fields["apiKey"] = identity.api_key
        fields["apiKeyId"] = identity.api_key_id
    fields.update(
        {
            "caller": identity.caller,
            "cognitoAuthenticationProvider": identity.cognito_authentication_provider,
            "cognitoAuthenticationType": identity.cognito_authentication_type,
            "cognitoIdentityId": identity.cognito_identity_id,
            "cognitoIdentityPoolId": identity.cognito_identity_pool_id,
            "principalOrgId": identity.principal_org_id,
            "sourceIp": identity.source_ip,
            "user": identity.user,
            "userAgent": identity.user_agent,
            "userArn": identity.user_arn,
        }
    )
    return fields


_CLF_LAST: list[tuple[int, str]] = [(-1, "")]  # (epoch second, its text): requests come many a second


def clf_time(epoch_ms: int) -> str:
    """``$context.requestTime``: ``26/Nov/2026:07:13:30 +0000`` (locale-independent)."""
    second = epoch_ms // 1000
    last = _CLF_LAST[0]
    if last[0] == second:
        return last[1]
    t = datetime.fromtimestamp(second, tz=UTC)
    text = f"{t.day:02d}/{_MONTHS[t.month - 1]}/{t.year:04d}:{t.hour:02d}:{t.minute:02d}:{t.second:02d} +0000"
    _CLF_LAST[0] = (second, text)
    return text


@dataclass(frozen=True, slots=True)
class ProxyResponse:
    """A checked proxy response: headers merged into one list, body as the function wrote it."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: str
    is_base64_encoded: bool


_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


def function_error() -> BadGatewayError:
    """The function raised (``X-Amz-Function-Error``): 502 ``{"message": "Internal server error"}``."""
    return BadGatewayError()


def parse_proxy_response(payload: bytes | str) -> ProxyResponse:
    """Check a function's output as API Gateway does. Raises BadGatewayError (502) when malformed."""
    try:
        document = json.loads(payload, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        raise _malformed("not JSON") from None
    if not isinstance(document, dict):
        raise _malformed("not a JSON object")
    extra = set(document) - _KEYS
    if extra:
        raise _malformed(f"unexpected keys {sorted(extra)}")
    return ProxyResponse(
        status=_status(document.get("statusCode")),
        headers=_merge_headers(document.get("headers"), document.get("multiValueHeaders")),
        body=_response_body(document.get("body")),
        is_base64_encoded=_flag(document.get("isBase64Encoded")),
    )


def _malformed(reason: str) -> BadGatewayError:
    error = BadGatewayError()
    error.add_note(f"Malformed Lambda proxy response: {reason}")
    return error


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise _malformed("statusCode is a boolean")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise _malformed("statusCode missing or not an integer")
    if not 100 <= value <= 599:
        raise _malformed(f"statusCode {value} out of range")
    return value


def _response_body(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _malformed("body is not a string")
    return value


def _flag(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _malformed("isBase64Encoded is not a boolean")
    return value


def _scalar(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return value if isinstance(value, str) else json.dumps(value)
    raise _malformed(f"{where} has a non-scalar value")


def _merge_headers(single: Any, multi: Any) -> tuple[tuple[str, str], ...]:
    if single is not None and not isinstance(single, dict):
        raise _malformed("headers is not an object")
    if multi is not None and not isinstance(multi, dict):
        raise _malformed("multiValueHeaders is not an object")
    merged: list[tuple[str, str]] = []
    from_multi: set[str] = set()
    for name, values in (multi or {}).items():
        if values is None:
            continue
        if not isinstance(values, list):
            raise _malformed("multiValueHeaders values must be arrays")
        from_multi.add(name.lower())
        merged.extend((name, text) for v in values if (text := _scalar(v, "multiValueHeaders")) is not None)
    for name, value in (single or {}).items():
        text = _scalar(value, "headers")
        if text is not None and name.lower() not in from_multi:
            merged.append((name, text))
    return tuple(merged)
