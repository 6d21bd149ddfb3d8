"""The events a Lambda authorizer function receives: TOKEN and REQUEST, keys in AWS's order.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html

- TOKEN: ``{"type": "TOKEN", "authorizationToken": "...", "methodArn": "..."}``; the token is the
  identity source header's value as sent (``Bearer`` prefixes and all).
- REQUEST: ``type``, ``methodArn``, then the request as a proxy integration sees it (``resource``,
  ``path``, ``httpMethod``, ``headers``, ``multiValueHeaders``, ``queryStringParameters``,
  ``multiValueQueryStringParameters``, ``pathParameters``, ``stageVariables``, ``requestContext``) but no
  ``body`` nor ``isBase64Encoded``: the authorizer does not see the payload. The documented example
  shows ``"pathParameters": {}`` for a resource without parameters, so an empty map is written as
  ``{}`` there (the other maps follow the proxy event: ``null`` when empty). ``requestContext`` is the
  proxy event's, built by :mod:`vpcgate.gateway.proxy_event` (no ``authorizer`` key: none has run yet).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vpcgate.gateway.authorizers.arn import MethodArn
from vpcgate.gateway.proxy_event import ProxyRequest, build_proxy_event

__all__ = ["request_event", "token_event"]

_REQUEST_KEYS = (
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
)


def token_event(token: str, arn: MethodArn) -> dict[str, Any]:
    """The TOKEN authorizer's event."""
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": str(arn)}


def request_event(request: ProxyRequest, arn: MethodArn) -> dict[str, Any]:
    """The REQUEST authorizer's event for ``request`` (its body is never sent)."""
    proxy = build_proxy_event(replace(request, body=b"", authorizer=None))
    event: dict[str, Any] = {"type": "REQUEST", "methodArn": str(arn)}
    event.update((key, proxy[key]) for key in _REQUEST_KEYS)
    if event["pathParameters"] is None:
        event["pathParameters"] = {}
    return event
