"""Compile a mapping template at deploy time, naming where it lives when it does not parse.

API Gateway keys templates by content type under an integration request or an integration response
of one method; a template that does not parse fails the deploy (here) with that location and the
line and column: ``request template for GET /pets (application/json): line 3, column 5: ...``.
"""

from __future__ import annotations

from vpcgate.errors import TemplateError
from vpcgate.vtl import Template, VtlSyntaxError, parse_template

__all__ = ["compile_template"]


def compile_template(
    source: str,
    *,
    http_method: str,
    resource_path: str,
    content_type: str,
    kind: str = "request",
    logical_id: str | None = None,
    pointer: str = "",
) -> Template:
    """Parse and compile; raise :class:`TemplateError` (with the location) for a bad template.

    ``kind`` is ``"request"`` or ``"response <status pattern>"``; ``logical_id`` and ``pointer``
    name the CloudFormation resource and the JSON pointer when the gateway knows them.
    """
    try:
        return parse_template(source)
    except VtlSyntaxError as exc:
        where = f"{kind} template for {http_method} {resource_path} ({content_type})"
        raise TemplateError(f"{where}: {exc}", logical_id=logical_id, pointer=pointer) from None
