"""Integration response selection for non-proxy integrations (AWS Lambda custom, HTTP, MOCK).

An integration response's ``selectionPattern`` is a Java regular expression; "If you leave this
empty, the response is the default response that is used to catch any response not yet configured"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html).
What the pattern is matched against depends on the integration:

- **Lambda (type AWS)**: the function's ``errorMessage`` when it failed ("the Lambda function
  error message ... is matched against the selectionPattern":
  https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html).
  A successful invocation selects the default response only: a pattern such as ``.*`` catches
  errors, never successes. An error whose message no pattern matches falls to the default response
  too (AWS's well-known "error returned as 200").
- **HTTP and MOCK**: the status code, as a decimal string (``"404"``).

The match is Java's ``String.matches``: the WHOLE subject (``fullmatch``), ``.`` not crossing line
ends. The seed's ``\\{\\"status\\"\\:403.*`` thus selects 403 for the errorMessage
``{"status":403,"bodyJson":"...","headers":{...}}``. Patterns are compiled once, by the spec layer
(``SelectionPattern.compiled``), which should use :func:`vpcgate.javaregex.compile_java` for Java's
semantics; this module only calls ``fullmatch``.

When several patterns match, the first in declaration order wins (AWS does not say; the
declaration order is the order a template author reads). An empty pattern counts as no pattern.
``None`` means "no response applies": the caller answers
:class:`~vpcgate.gateway.errors.ApiConfigurationError` (AWS: "No match for output mapping and no
default output mapping configured", a 500).
"""

from __future__ import annotations

from collections.abc import Sequence

from vpcgate.spec.model import IntegrationResponse

__all__ = ["default_response", "select_for_lambda", "select_for_status", "select_response"]


def is_default(response: IntegrationResponse) -> bool:
    """No selection pattern, or an empty one."""
    pattern = response.selection_pattern
    return pattern is None or pattern.source == ""


def default_response(responses: Sequence[IntegrationResponse]) -> IntegrationResponse | None:
    """The integration's default response, if it has one."""
    return next((r for r in responses if is_default(r)), None)


def select_response(responses: Sequence[IntegrationResponse], subject: str) -> IntegrationResponse | None:
    """The first response whose pattern matches the whole ``subject``; else the default one."""
    for response in responses:
        pattern = response.selection_pattern
        if pattern is not None and pattern.source and pattern.compiled.fullmatch(subject):
            return response
    return default_response(responses)


def select_for_lambda(
    responses: Sequence[IntegrationResponse], error_message: str | None, *, failed: bool
) -> IntegrationResponse | None:
    """A Lambda custom integration: patterns see ``errorMessage`` of a failed invocation only."""
    if not failed:
        return default_response(responses)
    return select_response(responses, error_message or "")


def select_for_status(responses: Sequence[IntegrationResponse], status: int) -> IntegrationResponse | None:
    """An HTTP or MOCK integration: patterns see the status code."""
    return select_response(responses, str(status))
