"""Integration request: requestParameters, then the request template (or passthrough), then
``$context.requestOverride``; the result is ``inv.endpoint``.

- The template is chosen by the request's Content-Type (media type only, case-insensitive); a
  request without one counts as ``application/json``.
- No template for that type: passthroughBehavior decides
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html):
  WHEN_NO_MATCH passes the body through unchanged; WHEN_NO_TEMPLATES passes it through only when the
  integration has no template at all, else 415; NEVER always answers 415
  ``{"message":"Unsupported Media Type"}``.
- ``$context.requestOverride.header|querystring|path.NAME`` set by the template win over
  requestParameters (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html).
- HTTP_PROXY (``forward``): the client's headers and query string go on, requestParameters added on
  top; no template applies.
- A template that fails to render: 500 ``{"message": "Internal server error"}`` (logged).
- Binary payloads and contentHandling: :mod:`vpcgate.gateway.steps.content_handling` (a payload
  that stays binary skips the template).

Errors::

    UnsupportedMediaTypeError    415, by passthroughBehavior
    Default5xxError              the template failed to render
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from vpcgate.gateway.context import EndpointRequest, Invocation
from vpcgate.gateway.errors import Default5xxError, UnsupportedMediaTypeError
from vpcgate.gateway.mapping import MappingInput, render_request
from vpcgate.gateway.mapping.jsonpath import MISSING
from vpcgate.gateway.parameters import Target
from vpcgate.gateway.steps.content_handling import (
    convert,
    first_media_type,
    is_binary_type,
    request_to_binary,
)
from vpcgate.spec.model import ContentHandling, PassthroughBehavior
from vpcgate.vtl import Template, VtlError

__all__ = ["IntegrationRequestStep", "mapping_input", "request_media_type"]

log = logging.getLogger("vpcgate.gateway")

JSON = "application/json"


def request_media_type(inv: Invocation) -> str:
    return _media_type(inv.header("content-type"))


def _media_type(content_type: str | None) -> str:
    media = content_type.split(";", 1)[0].strip().lower() if content_type else ""
    return media or JSON


def mapping_input(inv: Invocation, body: bytes, document: Any = MISSING) -> MappingInput:
    return MappingInput(
        body=body,
        path_params=inv.path_parameters,
        query=inv.query,
        headers=inv.headers,
        context=inv.context,
        stage_variables=inv.stage.variables,
        document=document,
    )


def _replace(pairs: list[tuple[str, str]], name: str, values: list[str], *, fold: bool) -> None:
    key = name.lower() if fold else name
    pairs[:] = [(k, v) for k, v in pairs if (k.lower() if fold else k) != key]
    pairs.extend((name, value) for value in values)


class IntegrationRequestStep:
    def __init__(
        self,
        targets: tuple[Target, ...],
        templates: Mapping[str, Template],
        passthrough: PassthroughBehavior,
        *,
        forward: bool,
        binary_types: tuple[str, ...] = (),
        content_handling: ContentHandling | None = None,
    ) -> None:
        self._binary_types = binary_types
        self._content_handling = content_handling
        self._targets = targets
        self._templates = {key.lower(): template for key, template in templates.items()}
        self._passthrough = passthrough
        self._forward = forward

    async def __call__(self, inv: Invocation) -> None:
        body = inv.request.body
        endpoint = EndpointRequest(body)
        if self._forward:
            endpoint.headers = inv.request.headers.items()
            endpoint.query = inv.request.query_params()
        self._apply_parameters(inv, endpoint)
        if not self._forward:
            self._transform(inv, endpoint)
        inv.endpoint = endpoint

    def _apply_parameters(self, inv: Invocation, endpoint: EndpointRequest) -> None:
        if not self._targets:
            return
        cache: list[Any] = []

        def document() -> Any:
            if not cache:
                try:
                    cache.append(json.loads(inv.request.body or b"{}"))
                except (ValueError, UnicodeDecodeError):
                    cache.append(inv.request.body.decode("utf-8", "replace"))
            return cache[0]

        for target in self._targets:
            values = target.source(inv, document)
            if not values:
                continue
            if target.where == "header":
                _replace(endpoint.headers, target.name, values, fold=True)
            elif target.where == "querystring":
                _replace(endpoint.query, target.name, values, fold=False)
            else:
                endpoint.path_parameters[target.name] = values[-1]

    def _transform(self, inv: Invocation, endpoint: EndpointRequest) -> None:
        content_type = inv.header("content-type")
        if self._binary_types or self._content_handling is not None:  # else: text, as it came
            binary = is_binary_type(first_media_type(content_type), self._binary_types)
            to_binary = request_to_binary(self._content_handling, binary)
            endpoint.body = convert(endpoint.body, binary=binary, to_binary=to_binary)
            if to_binary:
                return  # templates see text only: a binary payload goes through
        template = self._templates.get(_media_type(content_type))
        if template is None:
            self._check_passthrough()
            return
        try:
            result = render_request(template, mapping_input(inv, endpoint.body))
        except VtlError as error:
            log.warning("%s: request template failed: %s", inv.ids.request_id, error)
            raise Default5xxError() from None
        endpoint.body = result.body.encode()
        override = result.request_override
        for name, value in override.header.items():
            _replace(endpoint.headers, name, [value], fold=True)
        for name, value in override.querystring.items():
            _replace(endpoint.query, name, [value], fold=False)
        endpoint.path_parameters.update(override.path)

    def _check_passthrough(self) -> None:
        behavior = self._passthrough
        if behavior is PassthroughBehavior.WHEN_NO_MATCH:
            return
        if behavior is PassthroughBehavior.WHEN_NO_TEMPLATES and not self._templates:
            return
        raise UnsupportedMediaTypeError()
