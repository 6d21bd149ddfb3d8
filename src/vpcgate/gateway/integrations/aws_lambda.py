"""AWS (Lambda custom integration) and AWS_PROXY (Lambda proxy, payload format 1.0).

- **AWS**: the integration request's body (the rendered request template, or the passed-through
  payload) *is* the event. A function error (``X-Amz-Function-Error``) is not an HTTP error: its
  error document ``{"errorMessage": ..., "errorType": ...}`` becomes the integration response body
  and its ``errorMessage`` is what the selection patterns see; a success selects the default
  response. https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html
- **AWS_PROXY**: the event is built from the request as documented
  (:mod:`vpcgate.gateway.proxy_event`); a function error or a malformed answer is 502.
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html

Both: the call is bounded by ``timeoutInMillis`` → 504 ``{"message": "Endpoint request timed out"}``;
a function the API may not invoke (AWS::Lambda::Permission, see ``permissions.py``) → 500
``{"message": "Internal server error"}`` ("Invalid permissions on Lambda function" in the log); what
Lambda itself refuses (no such function, throttled, payload too large) → the same generic 500.

Errors::

    ApiConfigurationError      no permission to invoke the function (500)
    Default5xxError            Lambda refused the invocation (500)
    IntegrationTimeoutError    timeoutInMillis passed (504)
    BadGatewayError            AWS_PROXY: the function failed or answered malformed output (502)
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from vpcgate.functions.errors import LambdaServiceError
from vpcgate.functions.invocation import InvokeResult
from vpcgate.gateway.context import IntegrationResult, Invocation
from vpcgate.gateway.errors import ApiConfigurationError, Default5xxError, IntegrationTimeoutError
from vpcgate.gateway.integrations.base import FunctionInvoker
from vpcgate.gateway.proxy_event import (
    CallerIdentity,
    ProxyRequest,
    build_proxy_event,
    function_error,
    parse_proxy_response,
)
from vpcgate.gateway.steps.content_handling import first_media_type, is_binary_type

__all__ = ["DeniedLambda", "LambdaCustom", "LambdaProxy", "caller_identity", "error_message", "proxy_request"]

log = logging.getLogger("vpcgate.gateway")


def error_message(payload: bytes) -> str:
    """The ``errorMessage`` of a function error document (a non-string one as compact JSON)."""
    try:
        document: Any = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return payload.decode("utf-8", "replace")
    message = document.get("errorMessage") if isinstance(document, dict) else None
    if message is None:
        return ""
    return message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))


class _Invoke:
    def __init__(
        self, functions: FunctionInvoker, function: str, qualifier: str | None, timeout_ms: int
    ) -> None:
        self._functions = functions
        self._function = function
        self._qualifier = qualifier
        self._timeout = timeout_ms / 1000

    async def call(self, inv: Invocation, payload: bytes) -> InvokeResult:
        deadline = _Deadline(self._timeout)
        try:
            try:
                result = await self._functions.invoke(self._function, payload, qualifier=self._qualifier)
            except BaseException as error:
                deadline.settle(error)
                raise
            deadline.settle(None)
            return result
        except TimeoutError:
            raise IntegrationTimeoutError() from None
        except LambdaServiceError as error:
            log.warning("%s: Lambda refused the invocation: %s", inv.ids.request_id, error)
            raise Default5xxError() from None


class _Deadline:
    """``asyncio.timeout`` for one call, on one timer and without its state machine (it runs on every
    Lambda invocation; this is half its cost). The same rules: when the timer fires the task is
    cancelled; when the call then ends with that cancellation (and no other cancellation came since
    the call began), TimeoutError is raised instead; either way the cancellation is taken back
    (``uncancel``).
    """

    __slots__ = ("_cancelling", "_handle", "_task", "expired")

    def __init__(self, seconds: float) -> None:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a deadline needs a task")
        self._task = task
        self._cancelling = task.cancelling()
        self.expired = False
        self._handle = asyncio.get_running_loop().call_later(seconds, self._expire)

    def _expire(self) -> None:
        self.expired = True
        self._task.cancel()

    def settle(self, error: BaseException | None) -> None:
        """The call ended (``error``: how, or None): stop the timer; raise TimeoutError if it fired."""
        self._handle.cancel()
        if not self.expired:
            return
        if self._task.uncancel() <= self._cancelling and isinstance(error, asyncio.CancelledError):
            raise TimeoutError from error


class LambdaCustom(_Invoke):
    """Integration type AWS with a Lambda invocation URI."""

    async def __call__(self, inv: Invocation) -> IntegrationResult:
        assert inv.endpoint is not None
        result = await self.call(inv, inv.endpoint.body)
        if result.function_error:
            return IntegrationResult(
                200,
                result.payload,
                failed=True,
                error_message=error_message(result.payload),
                log=result.log,
            )
        return IntegrationResult(200, result.payload, log=result.log)


class LambdaProxy(_Invoke):
    """Integration type AWS_PROXY."""

    def __init__(self, *args: Any, binary_types: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._binary_types = binary_types

    async def __call__(self, inv: Invocation) -> IntegrationResult:
        event = build_proxy_event(proxy_request(inv, binary=self._is_binary(inv)))
        result = await self.call(inv, json.dumps(event, separators=(",", ":")).encode())
        if result.function_error:
            raise function_error()
        response = parse_proxy_response(result.payload)
        return IntegrationResult(
            response.status,
            response.body.encode(),
            response.headers,
            base64=response.is_base64_encoded,
            log=result.log,
        )

    def _is_binary(self, inv: Invocation) -> bool:
        return is_binary_type(first_media_type(inv.header("content-type")), self._binary_types)


def proxy_request(inv: Invocation, *, binary: bool) -> ProxyRequest:
    route = inv.route
    assert route is not None
    stage = inv.stage
    request = inv.request
    return ProxyRequest(
        http_method=request.method,
        path=inv.path,
        resource_path=route.resource_path,
        resource_id=route.method.resource.id,
        stage=stage.name,
        request_id=inv.ids.request_id,
        extended_request_id=inv.ids.extended_request_id,
        request_time_epoch_ms=inv.ids.epoch_ms,
        account_id=stage.account_id,
        api_id=stage.api_id,
        domain_name=str(inv.context.get("domainName") or ""),
        identity=caller_identity(inv),
        headers=request.headers.items(),
        query=request.query_params(),
        path_parameters=route.path_parameters,
        stage_variables=stage.variables,
        body=request.body,
        binary=binary,
        authorizer=inv.auth.proxy_authorizer if inv.auth is not None else None,
    )


def caller_identity(inv: Invocation) -> CallerIdentity:
    """``requestContext.identity``: the client, the SigV4 caller (authorize step) and the API key
    (api key step), as far as they are known."""
    iam = inv.auth.iam if inv.auth is not None else None
    key = inv.grant.key if inv.grant is not None else None
    return CallerIdentity(
        source_ip=inv.request.client[0] if inv.request.client else "127.0.0.1",
        user_agent=inv.header("user-agent"),
        access_key=iam.access_key if iam else None,
        account_id=iam.account_id if iam else None,
        caller=iam.caller if iam else None,
        user=iam.user if iam else None,
        user_arn=iam.user_arn if iam else None,
        api_key=key.value if key else None,
        api_key_id=key.id if key else None,
    )


class DeniedLambda:
    """A Lambda integration whose function the API may not invoke (no AWS::Lambda::Permission)."""

    def __init__(self, function: str, source_arn: str) -> None:
        self._function = function
        self._source_arn = source_arn

    async def __call__(self, inv: Invocation) -> IntegrationResult:
        log.warning(
            "%s: Execution failed due to configuration error: Invalid permissions on Lambda function "
            "(%s from %s)",
            inv.ids.request_id,
            self._function,
            self._source_arn,
        )
        raise ApiConfigurationError("Internal server error")
