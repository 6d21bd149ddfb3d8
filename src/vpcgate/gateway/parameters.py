"""requestParameters and responseParameters: expressions parsed once, evaluated per request.

Integration request (https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html):
``integration.request.{header|querystring|path}.NAME`` ← ``method.request.path.X``,
``method.request.querystring.X``, ``method.request.multivaluequerystring.X``,
``method.request.header.X``, ``method.request.multivalueheader.X``, ``method.request.body``,
``method.request.body.JSONPath``, ``context.X``, ``stageVariables.X`` or a static ``'value'``.

Integration response: ``method.response.header.NAME`` ← ``integration.response.header.X``,
``integration.response.multivalueheader.X``, ``integration.response.body``,
``integration.response.body.JSONPath`` (``integration.response.body.headers.etag`` is
``$.headers.etag`` of the body), ``context.X``, ``stageVariables.X`` or a static ``'value'``.

A source yields a list of values (several for the multi-value forms), empty when the request has
none: an absent value is not sent. A JSON body value that is not a string is sent as compact JSON.
A single-value header or query string source reads the last value sent (API Gateway's single-value
maps keep the last one). Header names compare case-insensitively, query names exactly.

Errors::

    TemplateError    an expression AWS would refuse (raised when the stage is built)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vpcgate.errors import TemplateError
from vpcgate.gateway.context import Invocation
from vpcgate.gateway.mapping.jsonpath import MISSING, JsonPathError, compile_path, evaluate

__all__ = ["Document", "Source", "Target", "compile_request_parameters", "compile_response_parameters"]

# Reads the body being mapped as JSON (lazily, at most once per request).
Document = Callable[[], Any]
Source = Callable[[Invocation, Document], list[str]]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a value goes: ``where`` is header, querystring or path; ``name`` as written."""

    where: str
    name: str
    source: Source


def _text(value: Any) -> str | None:
    if value is None or value is MISSING:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _one(value: str | None) -> list[str]:
    return [] if value is None else [value]


def _static(literal: str) -> Source:
    return lambda _inv, _doc: [literal]


def _context(names: list[str]) -> Source:
    def read(inv: Invocation, _doc: Document) -> list[str]:
        node: Any = inv.context
        for name in names:
            if not isinstance(node, Mapping):
                return []
            node = node.get(name)
        return _one(_text(node))

    return read


def _stage_variable(name: str) -> Source:
    return lambda inv, _doc: _one(inv.stage.variables.get(name))


def _body(rest: str, key: str) -> Source:
    if not rest:
        return lambda _inv, doc: _one(_text(doc()))
    path = rest if rest.startswith("$") else "$." + rest
    try:
        compile_path(path)
    except JsonPathError as error:
        raise TemplateError(f"parameter {key}: bad JSON path {rest!r}: {error}") from None
    return lambda _inv, doc: _one(_text(evaluate(path, doc())))


def _common(expression: str, key: str) -> Source | None:
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return _static(expression[1:-1])
    if expression.startswith("context."):
        return _context(expression[len("context.") :].split("."))
    if expression.startswith("stageVariables."):
        return _stage_variable(expression[len("stageVariables.") :])
    return None


def _method_request(rest: str, key: str) -> Source:
    if rest == "body" or rest.startswith("body."):
        return _body(rest[len("body.") :] if rest != "body" else "", key)
    where, _, name = rest.partition(".")
    if not name:
        raise TemplateError(f"parameter {key}: no name in method.request.{rest}")
    readers: dict[str, Source] = {
        "path": lambda inv, _d: _one(inv.path_parameters.get(name)),
        "querystring": lambda inv, _d: inv.query.get(name, [])[-1:],
        "multivaluequerystring": lambda inv, _d: list(inv.query.get(name, [])),
        "header": lambda inv, _d: _one(inv.header(name)),
        "multivalueheader": lambda inv, _d: list(inv.header_values(name)),
    }
    reader = readers.get(where)
    if reader is None:
        raise TemplateError(f"parameter {key}: unknown location method.request.{where}")
    return reader


def _integration_response(rest: str, key: str) -> Source:
    if rest == "body" or rest.startswith("body."):
        return _body(rest[len("body.") :] if rest != "body" else "", key)
    where, _, name = rest.partition(".")
    lower = name.lower()

    def headers(inv: Invocation) -> list[str]:
        result = inv.integration
        return [v for k, v in (result.headers if result else ()) if k.lower() == lower]

    if where == "header" and name:
        return lambda inv, _d: headers(inv)[-1:]
    if where == "multivalueheader" and name:
        return lambda inv, _d: headers(inv)
    raise TemplateError(f"parameter {key}: unknown source integration.response.{rest}")


_REQUEST_TARGETS = {"header", "querystring", "path"}


def compile_request_parameters(parameters: Mapping[str, str]) -> tuple[Target, ...]:
    """An integration's requestParameters → targets (raises TemplateError)."""
    targets = []
    for key, raw in parameters.items():
        parts = key.split(".", 3)
        if len(parts) != 4 or parts[:2] != ["integration", "request"] or parts[2] not in _REQUEST_TARGETS:
            raise TemplateError(
                f"request parameter {key}: not integration.request.header|querystring|path.NAME"
            )
        expression = raw.strip()
        source = _common(expression, key)
        if source is None:
            if not expression.startswith("method.request."):
                raise TemplateError(f"request parameter {key}: unsupported value {expression!r}")
            source = _method_request(expression[len("method.request.") :], key)
        targets.append(Target(parts[2], parts[3], source))
    return tuple(targets)


def compile_response_parameters(parameters: Mapping[str, str]) -> tuple[Target, ...]:
    """An integration response's responseParameters → header targets (raises TemplateError)."""
    targets = []
    for key, raw in parameters.items():
        if not key.startswith("method.response.header."):
            raise TemplateError(f"response parameter {key}: not method.response.header.NAME")
        expression = raw.strip()
        source = _common(expression, key)
        if source is None:
            if not expression.startswith("integration.response."):
                raise TemplateError(f"response parameter {key}: unsupported value {expression!r}")
            source = _integration_response(expression[len("integration.response.") :], key)
        targets.append(Target("header", key[len("method.response.header.") :], source))
    return tuple(targets)
