"""Identity sources: where an authorizer's identity comes from, parsed once, read per request.

An authorizer's ``identitySource`` is a comma-separated list of mapping expressions
(https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html):

- TOKEN and COGNITO_USER_POOLS: one ``method.request.header.NAME``, the header holding the token;
- REQUEST: any of ``method.request.header.NAME``, ``method.request.multivalueheader.NAME``,
  ``method.request.querystring.NAME``, ``method.request.multivaluequerystring.NAME``,
  ``stageVariables.NAME`` and ``context.NAME`` (a ``$context`` variable, dotted for nested ones:
  ``context.identity.sourceIp``). Path parameters cannot be identity sources.

"These parameters will be used to derive the authorization caching key and to perform runtime
validation of the REQUEST authorizer by verifying all of the identity-related request parameters are
present, not null and non-empty. Only when this is true does the authorizer invoke the authorizer
Lambda function, otherwise, it returns a 401 Unauthorized response without calling the Lambda
function." (same page, ``identitySource``). A TOKEN authorizer's missing or empty token is the same 401.

Header names match case-insensitively; a header or query parameter sent several times gives its last
value (the single-value maps' rule, :mod:`vpcgate.gateway.proxy_event`), the multi-value forms all
of them joined with ``,``.

Errors::

    ValueError
    └── IdentitySourceError     an expression vpcgate does not know (raised when the API is built)
    UnauthorizedError           401 at request time: a source is missing or empty
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from vpcgate.gateway.errors import UnauthorizedError

__all__ = [
    "IdentityInput",
    "IdentitySource",
    "IdentitySourceError",
    "SourceKind",
    "parse_identity_sources",
    "read_all",
]


class IdentitySourceError(ValueError):
    """An identity source expression vpcgate cannot read."""


class SourceKind(Enum):
    HEADER = "method.request.header."
    MULTI_HEADER = "method.request.multivalueheader."
    QUERY = "method.request.querystring."
    MULTI_QUERY = "method.request.multivaluequerystring."
    STAGE_VARIABLE = "stageVariables."
    CONTEXT = "context."


@dataclass(frozen=True, slots=True)
class IdentityInput:
    """The parts of a request identity sources read."""

    headers: Sequence[tuple[str, str]] = ()
    query: Sequence[tuple[str, str]] = ()  # decoded (name, value) pairs, in order
    stage_variables: Mapping[str, str] | None = None
    context: Mapping[str, Any] | None = None  # the $context tree


@dataclass(frozen=True, slots=True)
class IdentitySource:
    kind: SourceKind
    name: str
    expression: str

    def read(self, request: IdentityInput) -> str | None:
        """The value, or ``None`` when it is absent or empty."""
        value = _READERS[self.kind](self.name, request)
        return value if value else None


def parse_identity_sources(text: str | None, *, header_only: bool = False) -> tuple[IdentitySource, ...]:
    """Parse ``identitySource``. ``header_only`` for TOKEN and COGNITO_USER_POOLS authorizers."""
    if text is None or not text.strip():
        return ()
    sources = tuple(_parse_one(part.strip()) for part in text.split(","))
    if header_only and (len(sources) != 1 or sources[0].kind is not SourceKind.HEADER):
        raise IdentitySourceError(f"expected one method.request.header.NAME, not {text!r}")
    return sources


def _parse_one(expression: str) -> IdentitySource:
    for kind in SourceKind:
        if expression.startswith(kind.value) and len(expression) > len(kind.value):
            return IdentitySource(kind, expression[len(kind.value) :], expression)
    raise IdentitySourceError(f"unsupported identity source {expression!r}")


def read_all(sources: Sequence[IdentitySource], request: IdentityInput) -> tuple[str, ...]:
    """Every source's value, in order; 401 Unauthorized when one is missing or empty."""
    values: list[str] = []
    for source in sources:
        value = source.read(request)
        if value is None:
            raise UnauthorizedError()
        values.append(value)
    return tuple(values)


def _header_values(name: str, request: IdentityInput) -> list[str]:
    lower = name.lower()
    return [v for k, v in request.headers if k.lower() == lower]


def _query_values(name: str, request: IdentityInput) -> list[str]:
    return [v for k, v in request.query if k == name]


def _last(values: list[str]) -> str | None:
    return values[-1] if values else None


def _context(name: str, request: IdentityInput) -> str | None:
    node: Any = request.context or {}
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    if node is None or isinstance(node, Mapping | list):
        return None
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


_READERS = {
    SourceKind.HEADER: lambda n, r: _last(_header_values(n, r)),
    SourceKind.MULTI_HEADER: lambda n, r: ",".join(_header_values(n, r)),
    SourceKind.QUERY: lambda n, r: _last(_query_values(n, r)),
    SourceKind.MULTI_QUERY: lambda n, r: ",".join(_query_values(n, r)),
    SourceKind.STAGE_VARIABLE: lambda n, r: (r.stage_variables or {}).get(n),
    SourceKind.CONTEXT: _context,
}
