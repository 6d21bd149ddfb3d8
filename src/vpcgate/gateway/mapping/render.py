"""Render a request or response mapping template for one request: the gateway's entry points.

::

    result = render_request(template, MappingInput(...))    # integration request
    result.body, result.request_override.header, ...
    result = render_response(template, MappingInput(...))   # integration response ($input = its body)
    result.body, result.response_override.status, ...

Both raise :class:`vpcgate.vtl.VtlRenderError` when the template fails; API Gateway then answers
500 ``{"message": "Internal server error"}`` (the gateway's error boundary does that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vpcgate.gateway.mapping.context import (
    RequestOverride,
    ResponseOverride,
    context_map,
    fresh_overrides,
    request_override,
    response_override,
)
from vpcgate.gateway.mapping.inputs import Input, MappingInput
from vpcgate.gateway.mapping.util import UTIL
from vpcgate.vtl import Template

__all__ = ["RenderResult", "render_request", "render_response", "template_variables"]


@dataclass(frozen=True, slots=True)
class RenderResult:
    body: str
    request_override: RequestOverride = field(default_factory=RequestOverride)
    response_override: ResponseOverride = field(default_factory=ResponseOverride)


def _context(data: MappingInput) -> dict[str, Any]:
    """The ``$context`` tree of one render, with fresh override maps.

    A tree from :func:`context_map` is used as is below the top level (it is built per request);
    the override maps are new for every render, so each render reports only its own overrides.
    """
    context = data.context
    if "requestOverride" not in context:
        return context_map(dict(context))
    tree = dict(context)
    tree["requestOverride"], tree["responseOverride"] = fresh_overrides()
    return tree


def template_variables(data: MappingInput) -> dict[str, Any]:
    """The Velocity context for one render: ``$input``, ``$util``, ``$context``, ``$stageVariables``."""
    return {
        "input": Input(data),
        "util": UTIL,
        "context": _context(data),
        "stageVariables": dict(data.stage_variables),
    }


def _read_variables(template: Template, data: MappingInput) -> dict[str, Any]:
    """What :func:`template_variables` gives, limited to the variables ``template`` reads: a
    template that never names ``$context`` (the seed's ``$input.json('$.bodyJson')``) gets no
    ``$context`` tree copied and can set no override; one that never names ``$stageVariables``
    gets no copy of them. The output is the same: a template cannot reach a variable it does not
    name (:attr:`vpcgate.vtl.Template.references`)."""
    names = template.references
    variables: dict[str, Any] = {}
    if "input" in names:
        variables["input"] = Input(data)
    if "util" in names:
        variables["util"] = UTIL
    if "context" in names:
        variables["context"] = _context(data)
    if "stageVariables" in names:
        variables["stageVariables"] = dict(data.stage_variables)
    return variables


def render_request(template: Template, data: MappingInput) -> RenderResult:
    variables = _read_variables(template, data)
    body = template.render(variables)
    context = variables.get("context")
    if context is None:
        return RenderResult(body)
    return RenderResult(body, request_override=request_override(context))


def render_response(template: Template, data: MappingInput) -> RenderResult:
    variables = _read_variables(template, data)
    body = template.render(variables)
    context = variables.get("context")
    if context is None:
        return RenderResult(body)
    return RenderResult(body, response_override=response_override(context))
