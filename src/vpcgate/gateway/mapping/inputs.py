"""``$input`` and the per-request data a mapping template sees.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#input-variable-reference

- ``$input.body``: the raw payload as a string.
- ``$input.json(x)``: the JSONPath result serialised as JSON (compact, non-ASCII kept as is).
- ``$input.path(x)``: the JSONPath result as an object (Map, List, String, number...).
- ``$input.params()``: ``{path={...}, querystring={...}, header={...}}``.
- ``$input.params(x)``: the parameter from the path, else the query string, else the headers
  ("searched in that order"); a missing parameter gives an empty string.

Quirks kept, not in the reference: an empty payload reads as ``{}`` (``$input.json('$')`` gives
``{}`` and ``$input.body`` gives ``{}``; observed on AWS and recorded by LocalStack's AWS-validated
tests, localstack/localstack#12413). A payload that is not JSON is one JSON string for the path
functions. A JSONPath with no match gives null from ``path`` and an empty JSON string ``""`` from
``json`` (unverified against AWS; chosen so the output stays valid JSON). A multi-valued query
parameter or header shows its last value, as API Gateway's single-valued maps do. Header names
match case-insensitively in ``params(x)``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vpcgate.gateway.mapping.jsonpath import MISSING, JsonPathError, evaluate
from vpcgate.vtl import VtlObject, VtlRenderError
from vpcgate.vtl.values import NoMatch, from_json, json_text

__all__ = ["Input", "MappingInput"]


@dataclass(frozen=True, slots=True)
class MappingInput:
    """What the gateway hands a template for one request (or one integration response).

    ``query`` and ``headers`` are multi-valued, in arrival order; ``context`` is the ``$context``
    tree (nested mappings, see :func:`vpcgate.gateway.mapping.context.context_map`). ``document``:
    the body already parsed exactly as ``$input`` parses it (a caller that parsed it anyway), else
    ``MISSING`` and ``$input`` parses it when a template asks.
    """

    body: bytes | str = b""
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Sequence[str]] = field(default_factory=dict)
    headers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    document: Any = MISSING


def _last(values: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {name: (vals[-1] if vals else "") for name, vals in values.items()}


class Input(VtlObject):
    """``$input``: built per render; parses the body at most once."""

    __slots__ = ("_document", "_params", "body", "data")

    def __init__(self, data: MappingInput) -> None:
        self.data = data
        raw = data.body
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        self.body = text if text else "{}"
        self._document: Any = data.document
        self._params: dict[str, dict[str, str]] | None = None

    def document(self) -> Any:
        if self._document is MISSING:
            try:
                self._document = from_json(json.loads(self.body))
            except (ValueError, RecursionError):
                self._document = self.body
        return self._document

    def path(self, expression: object) -> Any:
        if type(expression) is not str:
            raise NoMatch
        try:
            result = evaluate(expression, self.document())
        except JsonPathError as exc:
            raise VtlRenderError(f"$input.path: {exc}") from None
        return None if result is MISSING else result

    def json(self, expression: object) -> str:
        if type(expression) is not str:
            raise NoMatch
        try:
            result = evaluate(expression, self.document())
        except JsonPathError as exc:
            raise VtlRenderError(f"$input.json: {exc}") from None
        if result is MISSING:
            return '""'
        return json_text(result)

    def params(self) -> dict[str, dict[str, str]]:
        if self._params is None:
            data = self.data
            self._params = {
                "path": dict(data.path_params),
                "querystring": _last(data.query),
                "header": _last(data.headers),
            }
        return self._params

    def param(self, name: object) -> str:
        if type(name) is not str:
            raise NoMatch
        params = self.params()
        for kind in ("path", "querystring", "header"):
            if name in params[kind]:
                return params[kind][name]
        lowered = name.lower()
        for header, value in params["header"].items():
            if header.lower() == lowered:
                return value
        return ""

    def vtl_get(self, name: str) -> object:
        if name == "body":
            return self.body
        if name == "params":
            return self.params()
        return None

    def vtl_call(self, name: str, args: tuple[object, ...]) -> object:
        if name == "json" and len(args) == 1:
            return self.json(args[0])
        if name == "path" and len(args) == 1:
            return self.path(args[0])
        if name == "params":
            if not args:
                return self.params()
            if len(args) == 1:
                return self.param(args[0])
        if name == "getBody" and not args:
            return self.body
        raise NoMatch

    def vtl_str(self) -> str:
        return "$input"
