"""API Gateway's template variables (``$input``, ``$util``, ``$context``, ``$stageVariables``).

The gateway compiles each template once when a stage deploys, then renders per request::

    template = compile_template(source, http_method="GET", resource_path="/", content_type="application/json")
    data = MappingInput(body=b"...", path_params={...}, query={"a": ["1"]}, headers={"Accept": ["*/*"]},
                        context=context_map({"httpMethod": "GET", "identity.sourceIp": "..."}),
                        stage_variables={...})
    result = render_request(template, data)   # .body, .request_override.{header,path,querystring}
    result = render_response(template, data)  # $input: the integration response; .response_override

Errors::

    TemplateError (vpcgate.errors)   compile_template: the template does not parse (location + line/column)
    VtlRenderError (vpcgate.vtl)     render_*: the template failed at run time → API Gateway's 500
    JsonPathError(ValueError)        jsonpath.compile_path: a JSONPath that does not parse

Modules: ``inputs`` ($input, MappingInput), ``util`` ($util), ``context`` ($context, overrides),
``jsonpath``, ``render``, ``compile``.
"""

from vpcgate.gateway.mapping.compile import compile_template
from vpcgate.gateway.mapping.context import (
    CONTEXT_VARIABLES,
    ContextBase,
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
    "ContextBase",
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
