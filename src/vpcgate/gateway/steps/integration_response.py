"""Integration response: the integration's answer → the method response (``inv.reply``).

Non-proxy integrations (AWS Lambda custom, HTTP, MOCK):

1. selection (:mod:`vpcgate.gateway.selection`): a Lambda error's ``errorMessage``, or the HTTP/MOCK
   status code, against each selectionPattern; else the default response; none → 500
   ``{"message": "Internal server error"}`` (API_CONFIGURATION_ERROR: "No match for output mapping
   and no default output mapping configured");
2. responseParameters → headers (:mod:`vpcgate.gateway.parameters`);
3. the response template chosen by the request's Accept header (the first accepted media type that
   has a template, else ``application/json``, else the first template); no template: the
   integration's body goes through unchanged. The chosen template's media type is the
   Content-Type unless a mapped header sets one; ``application/json`` otherwise.
   https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
4. ``$context.responseOverride.status`` and ``.header.NAME`` set by the template win
   (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html).
5. contentHandling and binaryMediaTypes (:mod:`vpcgate.gateway.steps.content_handling`): a binary
   integration payload skips the templates; the payload is base64-encoded or decoded as the
   request's first Accept type and contentHandling require.

Proxy integrations (HTTP_PROXY, AWS_PROXY): the endpoint's or function's status, headers and body
go to the client as they are (hop-by-hop headers dropped; AWS_PROXY ``isBase64Encoded`` bodies are
decoded when the API's binaryMediaTypes match the request's Accept).

Either way, headers AWS reserves for itself are renamed ``x-amzn-Remapped-<name>`` (see
``RESERVED``), as the REST API notes of https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
list them.

Errors::

    ApiConfigurationError    no integration response applies
    Default5xxError          the response template failed to render
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from vpcgate.gateway.context import IntegrationResult, Invocation, Reply
from vpcgate.gateway.errors import ApiConfigurationError, Default5xxError
from vpcgate.gateway.integrations.http_endpoint import HOP_BY_HOP
from vpcgate.gateway.mapping import render_response
from vpcgate.gateway.mapping.jsonpath import MISSING
from vpcgate.gateway.parameters import Target
from vpcgate.gateway.selection import default_response, select_for_lambda, select_for_status
from vpcgate.gateway.steps.content_handling import convert, first_media_type, is_binary_type, wants_binary
from vpcgate.gateway.steps.integration_request import mapping_input
from vpcgate.spec.model import IntegrationResponse
from vpcgate.vtl import Template, VtlError
from vpcgate.vtl.values import from_json

__all__ = ["RESERVED", "CompiledResponse", "IntegrationResponseStep", "ProxyResponseStep", "remap"]

log = logging.getLogger("vpcgate.gateway")

JSON = "application/json"

# Response headers API Gateway keeps for itself: an integration's value goes out renamed. Authorization,
# Connection, Content-Length, Date, Server, WWW-Authenticate and AWS's own ids are the ones the REST
# notes list and users report as x-amzn-Remapped-*; Content-MD5, Max-Forwards, Trailer,
# Transfer-Encoding, Upgrade and User-Agent are recalled from the same table, not re-verified here.
RESERVED = frozenset(
    {
        "authorization",
        "connection",
        "content-length",
        "content-md5",
        "date",
        "max-forwards",
        "server",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "www-authenticate",
        "x-amzn-requestid",
        "x-amz-apigw-id",
        "x-amzn-trace-id",
    }
)


def remap(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(f"x-amzn-Remapped-{k}" if k.lower() in RESERVED else k, v) for k, v in headers]


@dataclass(frozen=True)
class CompiledResponse:
    spec: IntegrationResponse
    status: int
    headers: tuple[Target, ...]
    templates: Mapping[str, Template]  # media type as written: template

    @cached_property
    def by_lower(self) -> dict[str, str]:
        """Each template's media type in lower case → as written (built once)."""
        return {key.lower(): key for key in self.templates}


def choose_template(templates: Mapping[str, Template], accept: str | None) -> tuple[str, Template] | None:
    return _choose(templates, {key.lower(): key for key in templates}, accept)


def _choose(
    templates: Mapping[str, Template], by_lower: Mapping[str, str], accept: str | None
) -> tuple[str, Template] | None:
    if not templates:
        return None
    for part in (accept or "").split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in by_lower:
            return by_lower[media], templates[by_lower[media]]
    key = by_lower.get(JSON) or next(iter(templates))
    return key, templates[key]


class IntegrationResponseStep:
    def __init__(
        self,
        responses: tuple[CompiledResponse, ...],
        *,
        by_error_message: bool,
        binary_types: tuple[str, ...] = (),
    ) -> None:
        self._binary_types = binary_types
        self._specs = tuple(r.spec for r in responses)
        self._compiled = {id(r.spec): r for r in responses}
        self._lambda = by_error_message
        default = default_response(self._specs)  # what every successful Lambda invocation selects
        self._default = self._compiled[id(default)] if default is not None else None

    def _select(self, result: IntegrationResult) -> CompiledResponse:
        if self._lambda and not result.failed and self._default is not None:
            return self._default
        if self._lambda:
            chosen = select_for_lambda(self._specs, result.error_message, failed=result.failed)
        else:
            chosen = select_for_status(self._specs, result.status)
        if chosen is None:
            raise ApiConfigurationError()
        return self._compiled[id(chosen)]

    async def __call__(self, inv: Invocation) -> None:
        result = inv.integration
        assert result is not None
        response = self._select(result)
        body = _Body(result.body)
        headers = _mapped_headers(inv, response, body)
        status = response.status
        binary = bool(self._binary_types) and is_binary_type(_content_type(result), self._binary_types)
        accept = inv.header("accept")
        chosen = None if binary else _choose(response.templates, response.by_lower, accept)
        payload = result.body
        if chosen is not None:
            media, template = chosen
            try:
                rendered = render_response(template, mapping_input(inv, payload, body.shared))
            except VtlError as error:
                log.warning("%s: response template failed: %s", inv.ids.request_id, error)
                raise Default5xxError() from None
            payload = rendered.body.encode()
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers.append(("Content-Type", media))
            override = rendered.response_override
            for name, value in override.header.items():
                headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
                headers.append((name, value))
            if override.status is not None:
                status = override.status
        handling = response.spec.content_handling
        if self._binary_types or handling is not None:  # else the payload stays text: no conversion
            accept_binary = is_binary_type(first_media_type(accept), self._binary_types)
            to_binary = wants_binary(handling, accept_binary, self._binary_types)
            payload = convert(payload, binary=binary, to_binary=to_binary)
        if binary and not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", _content_type(result)))
        inv.reply = Reply(status, remap(headers), payload)


def _content_type(result: IntegrationResult) -> str:
    for name, value in result.headers:
        if name.lower() == "content-type":
            return first_media_type(value)
    return ""


class _Body:
    """The integration response body as JSON, parsed at most once for the responseParameters and,
    when both read it alike, reused by the template's ``$input`` (``shared``).

    The two readers differ only on odd payloads: responseParameters parse the bytes as ``json``
    does (UTF-16/32 detected, a UTF-8 BOM skipped, surrogates passed), ``$input`` parses the text
    decoded as UTF-8 with replacement characters. For strict UTF-8 without a BOM or NUL bytes up
    front both read the same document; anything else is parsed by each reader its own way.
    """

    __slots__ = ("_plain", "raw", "shared")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.shared: Any = MISSING  # the document as $input would read it, once parsed here
        self._plain: Any = MISSING

    def document(self) -> Any:
        """What responseParameters read: the JSON document, or the text when it is not JSON."""
        if self._plain is MISSING:
            shared = _shared_document(self.raw)
            if shared is not MISSING:
                self.shared = self._plain = shared
            else:
                self._plain = _plain_document(self.raw)
        return self._plain


def _shared_document(raw: bytes) -> Any:
    if not raw or raw.startswith(codecs.BOM_UTF8) or b"\0" in raw[:4]:
        return MISSING
    try:
        return from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, too deep: each reader decides
        return MISSING


def _plain_document(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")


def _mapped_headers(inv: Invocation, response: CompiledResponse, body: _Body) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    if not response.headers:
        return headers
    document = body.document
    for target in response.headers:
        values = target.source(inv, document)
        if values:
            headers.append((target.name, ",".join(values)))
    return headers


class ProxyResponseStep:
    def __init__(self, binary_types: tuple[str, ...]) -> None:
        self._binary_types = binary_types

    async def __call__(self, inv: Invocation) -> None:
        result = inv.integration
        assert result is not None
        headers = [(k, v) for k, v in result.headers if k.lower() not in HOP_BY_HOP]
        body = result.body
        if result.base64 and is_binary_type(first_media_type(inv.header("accept")), self._binary_types):
            body = convert(body, binary=False, to_binary=True)
        inv.reply = Reply(result.status, remap(headers), body)
