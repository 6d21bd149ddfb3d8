"""What a Lambda authorizer function answered, checked as API Gateway checks it.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html

- The function *failed* with ``errorMessage`` exactly ``Unauthorized`` (Node ``callback("Unauthorized")``,
  Python ``raise Exception("Unauthorized")``): 401 ``{"message":"Unauthorized"}``, the documented way
  to refuse a caller (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html).
- Any other failure, or an answer that is not a JSON object with a string ``principalId`` and a valid
  ``policyDocument``: 500 AUTHORIZER_CONFIGURATION_ERROR (``{"message": null}``,
  ``x-amzn-ErrorType: AuthorizerConfigurationException``; the execution log says "Execution failed
  due to configuration error: Authorizer error").
- ``context``: "you cannot set a JSON object or array as a valid value of any key in the context
  map" (same page): an object or array value is the 500 above (verified against AWS in
  dherault/serverless-offline#1376). Strings, numbers and booleans reach ``$context.authorizer.KEY``
  and the proxy event stringified ("The returned values are all stringified"): ``true``/``false``,
  numbers as JSON writes them; a ``null`` value stays ``null`` (a captured AWS event in
  DefinitelyTyped/DefinitelyTyped#69823: ``"null": null`` beside ``"num": "123"``).
- ``usageIdentifierKey``: optional string, the API key when the API's key source is AUTHORIZER.

Errors::

    UnauthorizedError              401: the function refused the caller
    AuthorizerConfigurationError   500: the function failed otherwise or answered nonsense
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vpcgate.gateway.authorizers.policy import Policy, PolicyError, parse_policy
from vpcgate.gateway.errors import AuthorizerConfigurationError, UnauthorizedError

__all__ = ["AuthorizerOutput", "parse_function_result", "stringify"]

Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class AuthorizerOutput:
    """A valid authorizer answer (also what the result cache keeps)."""

    principal_id: str
    policy: Policy = field(compare=False)
    policy_document: Mapping[str, Any]
    context: Mapping[str, Scalar] = field(default_factory=dict)
    usage_identifier_key: str | None = None

    def to_json(self) -> bytes:
        document: dict[str, Any] = {"principalId": self.principal_id, "policyDocument": self.policy_document}
        if self.context:
            document["context"] = dict(self.context)
        if self.usage_identifier_key is not None:
            document["usageIdentifierKey"] = self.usage_identifier_key
        return json.dumps(document, separators=(",", ":")).encode()

    def template_context(self) -> dict[str, str | None]:
        """``$context.authorizer``: ``principalId`` and every context value, stringified."""
        values: dict[str, str | None] = {key: stringify(value) for key, value in self.context.items()}
        values["principalId"] = self.principal_id
        return values


def stringify(value: Scalar) -> str | None:
    """A context value as ``$context.authorizer.KEY`` shows it (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def parse_function_result(payload: bytes, *, function_error: str | None) -> AuthorizerOutput:
    """Check one invocation's result (``function_error`` is ``X-Amz-Function-Error``)."""
    if function_error is not None:
        raise _failure(payload)
    try:
        document = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise _config("the answer is not JSON") from None
    return parse_output(document)


def parse_output(document: Any) -> AuthorizerOutput:
    """Check an answer already parsed from JSON (the cache stores the same shape)."""
    if not isinstance(document, Mapping):
        raise _config("the answer is not a JSON object")
    principal = document.get("principalId")
    if not isinstance(principal, str):
        raise _config("principalId is missing or not a string")
    raw_policy = document.get("policyDocument")
    if not isinstance(raw_policy, Mapping):
        raise _config("policyDocument is missing or not a JSON object")
    try:
        policy = parse_policy(raw_policy, allow_conditions=False)
    except PolicyError as exc:
        raise _config(f"policyDocument: {exc}") from None
    key = document.get("usageIdentifierKey")
    if key is not None and not isinstance(key, str):
        raise _config("usageIdentifierKey is not a string")
    return AuthorizerOutput(principal, policy, dict(raw_policy), _context(document.get("context")), key)


def _context(raw: Any) -> dict[str, Scalar]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _config("context is not a JSON object")
    for key, value in raw.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise _config(f"context value {key!r} is an object or an array")
    return dict(raw)


def _failure(payload: bytes) -> UnauthorizedError | AuthorizerConfigurationError:
    try:
        message = json.loads(payload).get("errorMessage")
    except (ValueError, UnicodeDecodeError, AttributeError):
        message = None
    if message == "Unauthorized":
        return UnauthorizedError()
    return _config(f"the function failed: {message!r}")


def _config(reason: str) -> AuthorizerConfigurationError:
    error = AuthorizerConfigurationError()
    error.add_note(f"Execution failed due to configuration error: Authorizer error ({reason})")
    return error
