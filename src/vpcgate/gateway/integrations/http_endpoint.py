"""HTTP and HTTP_PROXY: the request goes to an HTTP endpoint through the pooled client.

- The URI's ``{name}`` placeholders take ``integration.request.path.name`` (requestParameters),
  else the method's own path parameter of that name (the console maps it for you; AWS refuses a
  deployment without the mapping, vpcgate fills it in, which is what a user expects). Values are
  percent-encoded except ``/`` in a greedy ``{proxy}`` value. ``${stageVariables.x}`` in the URI is
  replaced when the stage is built.
- HTTP: method ``httpMethod`` (``ANY``: the client's), headers and query string from
  requestParameters only, body from the request template (or passed through).
- HTTP_PROXY: the client's method, headers (less ``Host`` and hop-by-hop ones), query string and
  body, with requestParameters added on top.
  https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
- ``timeoutInMillis`` (default 29,000) bounds the whole exchange: past it, 504
  ``{"message": "Endpoint request timed out"}`` (IntegrationTimeoutError).
- An endpoint that cannot be reached: 500 ``{"message": "Internal server error"}`` (AWS's execution
  log says "Execution failed due to configuration error"; the client sees the generic 500).
- connectionType VPC_LINK: the request goes through the link's load balancer to one of its
  targets (:mod:`vpcgate.gateway.integrations.vpc_link`, a subclass overriding :meth:`exchange`).

Errors::

    IntegrationTimeoutError    the endpoint did not answer within timeoutInMillis
    Default5xxError            the endpoint could not be reached
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from vpcgate.gateway.context import IntegrationResult, Invocation
from vpcgate.gateway.errors import Default5xxError, IntegrationTimeoutError
from vpcgate.http.client import ClientError, ClientResponse, ClientTimeout, HttpClient

__all__ = ["HOP_BY_HOP", "HttpEndpoint", "fill_uri"]

log = logging.getLogger("vpcgate.gateway")

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "host",
        "content-length",
        "expect",
    }
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9._-]+)\+?\}")


def fill_uri(uri: str, params: Mapping[str, str], fallback: Mapping[str, str]) -> str:
    """Replace ``{name}`` / ``{name+}`` placeholders by percent-encoded values (empty when none)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = params.get(name, fallback.get(name, ""))
        greedy = match.group(0).endswith("+}") or name == "proxy"
        return quote(value, safe="/" if greedy else "")

    return _PLACEHOLDER.sub(replace, uri)


class HttpEndpoint:
    """One method's HTTP or HTTP_PROXY integration."""

    def __init__(
        self, client: HttpClient, *, uri: str, http_method: str, timeout_ms: int, proxy: bool
    ) -> None:
        self._client = client
        self._uri = uri
        self._method = http_method.upper()
        self._timeout = timeout_ms / 1000
        self._proxy = proxy

    async def __call__(self, inv: Invocation) -> IntegrationResult:
        endpoint = inv.endpoint
        assert endpoint is not None
        url = fill_uri(self._uri, endpoint.path_parameters, inv.path_parameters)
        if endpoint.query:
            url += ("&" if "?" in url else "?") + urlencode(endpoint.query)
        method = inv.request.method if self._proxy or self._method == "ANY" else self._method
        headers = [(k, v) for k, v in endpoint.headers if k.lower() not in HOP_BY_HOP]
        try:
            response = await self.exchange(inv, method, url, headers, endpoint.body)
        except ClientTimeout:
            raise IntegrationTimeoutError() from None
        except ClientError as error:
            log.warning("%s: execution failed: %s", inv.ids.request_id, error)
            raise Default5xxError() from None
        return IntegrationResult(response.status, response.body, tuple(response.headers))

    async def exchange(
        self, inv: Invocation, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> ClientResponse:
        """Send the endpoint request to ``url``; raises ClientError."""
        return await self._client.request(method, url, headers=headers, body=body, timeout=self._timeout)
