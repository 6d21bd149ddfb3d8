"""The Lambda Invoke API over HTTP: what ``boto3.client("lambda").invoke`` and ``aws lambda invoke`` call.

https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html

    POST /2015-03-31/functions/{FunctionName}/invocations?Qualifier=...
    X-Amz-Invocation-Type: RequestResponse (default) | Event (→ 202) | DryRun (→ 204)
        (an Event goes through ``FunctionService.invoke`` like any other: retried, aged out and sent to
        its destinations as ``events.py`` says, under the request id this 202 carries)
    X-Amz-Log-Type: Tail      → X-Amz-Log-Result: base64 of the last 4 KB of the log
    X-Amz-Client-Context: base64 JSON, passed to the function's context
    → 200, the function's payload; X-Amz-Executed-Version; X-Amz-Function-Error: Unhandled on failure

Service errors are AWS's JSON error documents with an ``x-amzn-ErrorType`` header (boto3 reads the
error code from it). Requests are accepted whatever credentials signed them, unless ``InvokeApi`` is
given credentials: then the SigV4 signature is checked (``sigv4.py``) and a bad one is a 403.

``InvokeApi.__call__`` answers None for paths that are not its own, so an edge server can chain it
in front of the gateway.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Mapping
from urllib.parse import unquote

from vpcgate.functions.errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    LambdaServiceError,
    ResourceNotFoundException,
)
from vpcgate.functions.invocation import InvocationType, InvokeResult
from vpcgate.functions.service import FunctionService
from vpcgate.functions.sigv4 import check_signature
from vpcgate.http.message import Headers, HttpRequest, HttpResponse

_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations/?$")
_TYPES = {t.value: t for t in InvocationType}
_JSON = "application/json"


class InvokeApi:
    """Serves ``POST /2015-03-31/functions/{name}/invocations`` from a FunctionService."""

    def __init__(self, service: FunctionService, *, credentials: Mapping[str, str] | None = None) -> None:
        """``credentials`` (access key id → secret key) turns SigV4 checking on; None accepts any."""
        self._service = service
        self._credentials = credentials

    def matches(self, request: HttpRequest) -> bool:
        return _PATH.match(request.path) is not None

    async def __call__(self, request: HttpRequest) -> HttpResponse | None:
        """The response, or None if the path is not the Invoke API's."""
        match = _PATH.match(request.path)
        if match is None:
            return None
        try:
            if self._credentials is not None:
                check_signature(request, self._credentials)
            return await self._invoke(unquote(match.group(1)), request)
        except LambdaServiceError as error:
            return error_response(error)

    async def handle(self, request: HttpRequest) -> HttpResponse:
        """Like ``__call__``, answering 404 for any other path (for a server of its own)."""
        response = await self(request)
        if response is None:
            return error_response(ResourceNotFoundException(f"Unknown path: {request.path}"))
        return response

    async def _invoke(self, name: str, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            raise InvalidParameterValueException(f"{request.method} is not supported on this path")
        invocation_type = _invocation_type(request.headers)
        tail = _log_type(request.headers) == "Tail"
        if tail and invocation_type is not InvocationType.REQUEST_RESPONSE:
            raise InvalidParameterValueException(
                "LogType Tail is only supported for RequestResponse invocations"
            )
        payload = request.body or b"{}"
        _check_json(payload)
        qualifier = dict(request.query_params()).get("Qualifier")
        result = await self._service.invoke(
            name,
            payload,
            qualifier=qualifier,
            invocation_type=invocation_type,
            client_context=_client_context(request.headers),
        )
        return _success(result, tail)


def _invocation_type(headers: Headers) -> InvocationType:
    value = headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    found = _TYPES.get(value)
    if found is None:
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{value}' at 'invocationType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
        )
    return found


def _log_type(headers: Headers) -> str:
    value = headers.get("X-Amz-Log-Type") or "None"
    if value not in ("None", "Tail"):
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{value}' at 'logType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [None, Tail]"
        )
    return value


def _client_context(headers: Headers) -> str | None:
    raw = headers.get("X-Amz-Client-Context")
    if not raw:
        return None
    try:
        return base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidParameterValueException(
            "Client context must be a valid Base64-encoded JSON object."
        ) from None


def _check_json(payload: bytes) -> None:
    try:
        json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: {error}"
        ) from None


def _success(result: InvokeResult, tail: bool) -> HttpResponse:
    headers = Headers(
        [
            ("Content-Type", _JSON),
            ("x-amzn-RequestId", result.request_id),
            ("X-Amz-Executed-Version", result.executed_version),
        ]
    )
    if result.function_error:
        headers.add("X-Amz-Function-Error", result.function_error)
    if tail:
        headers.add("X-Amz-Log-Result", result.log_result)
    return HttpResponse(result.status, headers, result.payload)


def error_response(error: LambdaServiceError) -> HttpResponse:
    """AWS's JSON error document for a service error, with ``x-amzn-ErrorType``."""
    headers = [
        ("Content-Type", _JSON),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("x-amzn-ErrorType", error.error_type),
    ]
    if error.status == 429:
        headers.append(("Retry-After", "1"))
    return HttpResponse.of(error.status, json.dumps(error.body()).encode(), headers)
