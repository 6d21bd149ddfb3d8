"""Parse: the request's query string, headers and ``$context`` as templates and parameters see them.

- query: names and values percent-decoded (``+`` is a space), in arrival order, repeated names kept;
- headers: grouped by name case-insensitively, the first spelling naming the group (as the proxy
  event's ``multiValueHeaders`` do);
- ``$context``: the variables of the mapping template reference that are known before routing
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference);
  the route step adds ``resourceId`` and ``resourcePath``. ``domainName`` is the Host header
  without its port, ``domainPrefix`` its first label; ``path`` is the stage and the path
  (``/prod/pets``); ``requestTime`` is CLF, ``requestTimeEpoch`` milliseconds.

A payload over 10 MB is refused with 413 (REQUEST_TOO_LARGE): "Payload size: 10 MB", the REST API
quota at https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html.

Errors::

    RequestTooLargeError    the body is over 10 MB
"""

from __future__ import annotations

from typing import Any

from vpcgate.gateway.context import Invocation
from vpcgate.gateway.errors import RequestTooLargeError
from vpcgate.gateway.proxy_event import clf_time

__all__ = ["MAX_PAYLOAD", "ParseStep"]

MAX_PAYLOAD = 10 * 1024 * 1024


class ParseStep:
    async def __call__(self, inv: Invocation) -> None:
        request = inv.request
        if len(request.body) > MAX_PAYLOAD:
            raise RequestTooLargeError()
        query: dict[str, list[str]] = {}
        if request.query:
            for name, value in request.query_params():
                query.setdefault(name, []).append(value)
        inv.query = query
        headers: dict[str, list[str]] = {}
        spelling: dict[str, str] = {}
        for name, value in request.headers:
            key = spelling.setdefault(name.lower(), name)
            headers.setdefault(key, []).append(value)
        inv.headers = headers
        inv.folded = {lower: headers[key] for lower, key in spelling.items()}
        inv.context = _context(inv)


def _context(inv: Invocation) -> dict[str, Any]:
    """The stage's ``$context`` base (:class:`~vpcgate.gateway.mapping.ContextBase`) with what this
    request knows written in; the same tree as ``context_map`` of these values would build."""
    stage = inv.stage
    ids = inv.ids
    request = inv.request
    host = (inv.header("host") or "").rsplit(":", 1)[0]
    client = request.client
    tree = stage.context_base.new()
    tree["domainName"] = host
    tree["domainPrefix"] = host.split(".", 1)[0] if host else ""
    tree["extendedRequestId"] = ids.extended_request_id
    tree["httpMethod"] = request.method
    identity = tree["identity"]
    identity["sourceIp"] = client[0] if client else "127.0.0.1"
    identity["userAgent"] = inv.header("user-agent")
    tree["path"] = f"/{stage.name}{inv.path}"
    tree["protocol"] = _PROTOCOLS.get(request.http_version) or f"HTTP/{request.http_version}"
    tree["requestId"] = ids.request_id
    tree["requestTime"] = clf_time(ids.epoch_ms)
    tree["requestTimeEpoch"] = ids.epoch_ms
    return tree


_PROTOCOLS = {"1.1": "HTTP/1.1", "1.0": "HTTP/1.0"}
