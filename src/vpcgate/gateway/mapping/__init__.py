"""API Gateway's template variables (``$input``, ``$util``, ``$context``, ``$stageVariables``).

The gateway builds a :class:`MappingInput` per request and calls :func:`render_request` or
:func:`render_response` with a template compiled at deploy time by
:func:`vpcgate.vtl.parse_template`.
"""

from vpcgate.gateway.mapping.compile import compile_template
from vpcgate.gateway.mapping.context import (
    CONTEXT_VARIABLES,
    RequestOverride,
    ResponseOverride,
    context_map,
)
from vpcgate.gateway.mapping.inputs import MappingInput
from vpcgate.gateway.mapping.jsonpath import JsonPathError
from vpcgate.gateway.mapping.render import RenderResult, render_request, render_response, template_variables
from vpcgate.gateway.mapping.util import escape_javascript

__all__ = [
    "CONTEXT_VARIABLES",
    "JsonPathError",
    "MappingInput",
    "RenderResult",
    "RequestOverride",
    "ResponseOverride",
    "compile_template",
    "context_map",
    "escape_javascript",
    "render_request",
    "render_response",
    "template_variables",
]
