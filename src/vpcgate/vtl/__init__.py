"""Velocity Template Language, in API Gateway's dialect: parsed once, compiled to Python, rendered fast.

Public API::

    from vpcgate.vtl import parse_template, VtlSyntaxError, VtlRenderError
    template = parse_template(source)        # VtlSyntaxError(.line, .column) if it does not parse
    text = template.render({"name": value})  # VtlRenderError (→ API Gateway's 500) if rendering fails

Modules: ``parser`` (text → tree, Velocity 1.7's lexical rules), ``compiler`` (tree → Python),
``runtime`` (operators, loops, bounds), ``values`` (Java semantics of values), ``template``.
API Gateway's own variables (``$input``, ``$util``, ``$context``) live in
``vpcgate.gateway.mapping``.
"""

from vpcgate.vtl.errors import VtlError, VtlLimitError, VtlRenderError, VtlSyntaxError
from vpcgate.vtl.template import Template, parse_template
from vpcgate.vtl.values import VtlObject

__all__ = [
    "Template",
    "VtlError",
    "VtlLimitError",
    "VtlObject",
    "VtlRenderError",
    "VtlSyntaxError",
    "parse_template",
]
