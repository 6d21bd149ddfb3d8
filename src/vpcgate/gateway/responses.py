"""Render a :class:`~vpcgate.gateway.errors.GatewayError` through the API's gateway responses.

The one place a GatewayError becomes status, headers and body. Which gateway response applies
(https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html):

1. the error's own type, if the API configures it (``AWS::ApiGateway::GatewayResponse`` or
   ``x-amazon-apigateway-gateway-responses``);
2. else its family, DEFAULT_4XX or DEFAULT_5XX, if configured. "Changing the status code of this
   fallback gateway response changes the status codes of all other 4XX [5XX] responses to the new
   value": a family ``statusCode`` overrides the status of every type not configured with one;
3. else the built-in default: the error's status, ``Content-Type: application/json`` and the body
   ``{"message":$context.error.messageString}`` (AWS's default template, no spaces), or the variant
   the error class names (API Gateway's integration-failure bodies carry a space after the colon;
   an authorizer's deny says ``Message``).

A configured response without templates keeps the built-in body; without ``responseParameters`` it
adds no headers. A specific configured response does not inherit its family's parameters or
templates (each GatewayResponse is a whole object in AWS's API).

Templates are *not* VTL: "A GatewayResponse mapping template is not processed by the Velocity
Template Language (VTL) engine" and supports "only simple variable substitution"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.responseTemplates.html).
:func:`substitute` does that: ``$context.x.y`` / ``${context.x.y}`` and ``$stageVariables.x``,
with ``$context.error.message``, ``.messageString`` (the message as a JSON string, or ``null``),
``.responseType`` and ``.validationErrorString``. A caller may pass another :class:`TemplateRenderer`.
The template is chosen by the request's Accept header among the configured content types, falling
back to ``application/json``, then to the first one; its content type becomes ``Content-Type``
(AWS is silent on the choice; this is what a user expects).

``responseParameters`` map ``gatewayresponse.header.NAME`` from a static ``'value'``,
``method.request.header|querystring|path|multivalueheader|multivaluequerystring.NAME``,
``stageVariables.NAME`` or ``context.NAME`` (parsed once, when the API is built).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.responseParameters.html

Headers always added here: ``Content-Type`` and ``x-amzn-ErrorType`` (as AWS sends them, e.g.
``x-amzn-ErrorType: MissingAuthenticationTokenException``). ``x-amzn-RequestId``,
``x-amz-apigw-id`` and ``X-Amzn-Trace-Id`` are on every response, error or not: the chain's
response step adds them, not this module.

Errors::

    TemplateError        a gateway response parameter expression is not one AWS accepts
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from vpcgate.errors import TemplateError
from vpcgate.gateway.errors import GatewayError
from vpcgate.spec.model import GatewayResponse

__all__ = [
    "ErrorRequest",
    "GatewayResponses",
    "RenderedResponse",
    "TemplateRenderer",
    "TemplateVariables",
    "substitute",
]

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class ErrorRequest:
    """What a gateway response may read from the request it answers. Header names as received."""

    headers: Sequence[tuple[str, str]] = ()
    query: Sequence[tuple[str, str]] = ()  # decoded (name, value) pairs, in order
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)  # $context variables, nested

    def header_values(self, name: str) -> list[str]:
        lower = name.lower()
        return [v for k, v in self.headers if k.lower() == lower]

    def query_values(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


@dataclass(frozen=True, slots=True)
class TemplateVariables:
    """The variables a gateway response template sees."""

    context: Mapping[str, Any]
    stage_variables: Mapping[str, str]


class TemplateRenderer(Protocol):
    def __call__(self, template: str, variables: TemplateVariables) -> str: ...


@dataclass(frozen=True, slots=True)
class RenderedResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>(?:context|stageVariables)(?:\.[A-Za-z0-9_-]+)+)\}"
    r"|(?P<bare>(?:context|stageVariables)(?:\.[A-Za-z0-9_]+)+))"
)


def substitute(template: str, variables: TemplateVariables) -> str:
    """AWS's "simple variable substitution": known references replaced, missing ones empty."""

    def replace(match: re.Match[str]) -> str:
        names = (match["braced"] or match["bare"]).split(".")
        root: Any = variables.context if names[0] == "context" else variables.stage_variables
        value = _lookup(root, names[1:])
        return "" if value is None else _text(value)

    return _VARIABLE.sub(replace, template)


def _lookup(root: Any, names: Sequence[str]) -> Any:
    value = root
    for name in names:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def error_context(error: GatewayError) -> dict[str, Any]:
    """``$context.error``: message, messageString (JSON string or ``null``), responseType..."""
    return {
        "message": error.message,
        "messageString": json.dumps(error.message, ensure_ascii=False),
        "responseType": error.response_type,
        "validationErrorString": error.validation_error,
    }


# A parameter source: reads one value from the request, or None when absent.
_Source = Callable[[ErrorRequest], str | None]

_HEADER_TARGET = "gatewayresponse.header."
_REQUEST = "method.request."


def _compile_source(expression: str, key: str) -> _Source:
    """A responseParameters value → a function of the request. Raises TemplateError."""
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        literal = expression[1:-1]
        return lambda _request: literal
    if expression.startswith(_REQUEST):
        return _request_source(expression[len(_REQUEST) :], key)
    if expression.startswith("stageVariables."):
        name = expression[len("stageVariables.") :]
        return lambda request: request.stage_variables.get(name)
    if expression.startswith("context."):
        names = expression[len("context.") :].split(".")
        return lambda request: _optional_text(_lookup(request.context, names))
    raise TemplateError(f"gateway response parameter {key}: unsupported value {expression!r}")


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _request_source(rest: str, key: str) -> _Source:
    where, _, name = rest.partition(".")
    if not name:
        raise TemplateError(f"gateway response parameter {key}: no parameter name in {rest!r}")
    readers: dict[str, _Source] = {
        "header": lambda r: _last(r.header_values(name)),
        "querystring": lambda r: _last(r.query_values(name)),
        "path": lambda r: r.path_parameters.get(name),
        "multivalueheader": lambda r: ",".join(r.header_values(name)) or None,
        "multivaluequerystring": lambda r: ",".join(r.query_values(name)) or None,
    }
    reader = readers.get(where)
    if reader is None:
        raise TemplateError(f"gateway response parameter {key}: unknown location {where!r}")
    return reader


def _last(values: list[str]) -> str | None:
    return values[-1] if values else None


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One configured gateway response, parsed once."""

    status: int | None
    templates: Mapping[str, str]
    headers: tuple[tuple[str, _Source], ...]


def _compile(response: GatewayResponse) -> _Compiled:
    headers: list[tuple[str, _Source]] = []
    for key, expression in response.response_parameters.items():
        if not key.startswith(_HEADER_TARGET):
            continue  # gatewayresponse.path / .querystring have no meaning on a response
        headers.append((key[len(_HEADER_TARGET) :], _compile_source(expression.strip(), key)))
    return _Compiled(_status_code(response), dict(response.response_templates), tuple(headers))


def _status_code(response: GatewayResponse) -> int | None:
    code = response.status_code
    if not code:
        return None
    if not (
        len(code) == 3 and code.isascii() and code.isdigit() and code[0] in "12345"
    ):  # AWS's pattern: [1-5]\d\d
        raise TemplateError(f"gateway response {response.type}: status code {code!r} is not [1-5]\\d\\d")
    return int(code)


class GatewayResponses:
    """An API's gateway responses, compiled once per deployed stage; renders GatewayErrors."""

    def __init__(
        self, configured: Iterable[GatewayResponse] = (), renderer: TemplateRenderer = substitute
    ) -> None:
        self._configured = {response.type: _compile(response) for response in configured}
        self._render = renderer

    def render(self, error: GatewayError, request: ErrorRequest | None = None) -> RenderedResponse:
        request = request or ErrorRequest()
        own = self._configured.get(error.response_type)
        family = self._configured.get(error.family)
        status = _status(error, own, family)
        chosen = own or family
        templates = (chosen.templates if chosen else None) or {JSON: error.builtin_template}
        content_type, template = _choose_template(templates, request.header_values("accept"))
        variables = TemplateVariables(
            context={**request.context, "error": error_context(error)},
            stage_variables=request.stage_variables,
        )
        body = self._render(template, variables).encode()
        headers = [("Content-Type", content_type), ("x-amzn-ErrorType", error.error_type)]
        headers.extend(error.headers)
        for name, source in chosen.headers if chosen else ():
            value = source(request)
            if value is not None:
                headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
                headers.append((name, value))
        return RenderedResponse(status, tuple(headers), body)


def _status(error: GatewayError, own: _Compiled | None, family: _Compiled | None) -> int:
    if own is not None and own.status is not None:
        return own.status
    if family is not None and family.status is not None:
        return family.status
    return error.status


def _choose_template(templates: Mapping[str, str], accept: list[str]) -> tuple[str, str]:
    """The template for the first media type the client accepts; else application/json; else first."""
    by_lower = {key.lower(): key for key in templates}
    for header in accept:
        for part in header.split(","):
            media = part.split(";", 1)[0].strip().lower()
            if media in by_lower:
                key = by_lower[media]
                return key, templates[key]
    key = by_lower.get(JSON) or next(iter(templates))
    return key, templates[key]
