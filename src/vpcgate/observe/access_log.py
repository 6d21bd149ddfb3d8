"""Access logs: one line per request, a Stage's ``AccessLogSetting.Format`` with its ``$context``
variables filled in (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
and the variables of
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference).

- A stage without a format logs in AWS's CLF preset (``DEFAULT_FORMAT``, the console's "CLF" choice).
- Every ``$context`` variable the request's ``$context`` holds is available, plus those only known
  once the response is: ``status``, ``responseLength``, ``responseLatency``, ``integrationLatency``
  and ``integration.latency``, ``integrationStatus`` and ``integration.status`` (milliseconds,
  whole numbers as AWS writes them), and ``error.message``, ``error.messageString``,
  ``error.responseType``, ``error.validationErrorString`` when API Gateway answered with an error.
- A variable with no value prints ``-``, as AWS writes it.

A format is split once into literal text and variable names (cached per format string), so a line
costs one join. ``vpcgate up --access-log -`` writes to stderr, ``--access-log FILE`` appends to FILE.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from vpcgate.gateway.context import Invocation
from vpcgate.http.message import HttpResponse

__all__ = ["DEFAULT_FORMAT", "AccessLog", "render_line"]

DEFAULT_FORMAT = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "
    '"$context.httpMethod $context.resourcePath $context.protocol" $context.status '
    "$context.responseLength $context.requestId"
)

_VARIABLE = re.compile(r"\$(?:\{context\.([A-Za-z0-9_.]+)\}|context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*))")

FormatFor = Callable[[str, str], str | None]  # (api id, stage name) → the stage's format or None


@lru_cache(maxsize=64)
def _compile(fmt: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(literals, names): literals[i] comes before names[i]; one more literal ends the line."""
    literals: list[str] = []
    names: list[str] = []
    last = 0
    for match in _VARIABLE.finditer(fmt):
        literals.append(fmt[last : match.start()])
        names.append(match.group(1) or match.group(2))
        last = match.end()
    literals.append(fmt[last:])
    return tuple(literals), tuple(names)


def _lookup(tree: Mapping[str, Any], name: str) -> Any:
    node: Any = tree
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _after(inv: Invocation, response: HttpResponse, latency_ms: float) -> dict[str, Any]:
    integration_ms = (inv.timings or {}).get("InvokeStep")
    status = inv.integration.status if inv.integration is not None else None
    error = inv.error
    return {
        "error.message": error.message if error is not None else None,
        "error.messageString": json.dumps(error.message) if error is not None else None,
        "error.responseType": error.response_type if error is not None else None,
        "error.validationErrorString": error.validation_error if error is not None else None,
        "status": response.status,
        "responseLength": len(response.body),
        "responseLatency": round(latency_ms),
        "integrationLatency": None if integration_ms is None else round(integration_ms),
        "integration.latency": None if integration_ms is None else round(integration_ms),
        "integrationStatus": status,
        "integration.status": status,
    }


def render_line(fmt: str, inv: Invocation, response: HttpResponse, latency_ms: float) -> str:
    literals, names = _compile(fmt)
    after = _after(inv, response, latency_ms)
    parts = [literals[0]]
    for name, literal in zip(names, literals[1:], strict=True):
        value = after[name] if name in after else _lookup(inv.context, name)
        parts.append("-" if value is None or value == "" else str(value))
        parts.append(literal)
    return "".join(parts)


class AccessLog:
    """An observer (:class:`vpcgate.gateway.front.Observer`) writing one line per request."""

    def __init__(self, format_for: FormatFor, write: Callable[[str], object]) -> None:
        self._format_for = format_for
        self._write = write

    def __call__(self, inv: Invocation, response: HttpResponse, latency_ms: float) -> None:
        fmt = self._format_for(inv.stage.api_id, inv.stage.name) or DEFAULT_FORMAT
        self._write(render_line(fmt, inv, response, latency_ms) + "\n")
