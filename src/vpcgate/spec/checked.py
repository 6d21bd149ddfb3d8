"""Reads of selection patterns and mapping templates that check them where they are written.

Shared by the OpenAPI importer and the explicit AWS::ApiGateway::Method form, so that a bad regex
or template is reported with the JSON pointer of the value itself, e.g.
``.../x-amazon-apigateway-integration/responses/4\\d{2/statusCode``.
"""

from __future__ import annotations

from vpcgate.spec.checks import CheckError, check_template, compile_selection_pattern
from vpcgate.spec.model import SelectionPattern
from vpcgate.spec.props import Path, Props, SpecError


def selection_pattern(source: str, path: Path, where: str) -> SelectionPattern:
    """``source`` compiled as a Java regex; ``where`` names the method for the message."""
    try:
        return SelectionPattern(source, compile_selection_pattern(source))
    except CheckError as exc:
        raise SpecError(f"{where}: selection pattern {source!r}: {exc}", path) from None


def templates(props: Props, key: str, where: str) -> dict[str, str]:
    """The mapping templates at ``key`` ({content type: template}), each checked to parse."""
    out = props.text_map(key)
    for content_type, source in out.items():
        try:
            check_template(source)
        except CheckError as exc:
            message = f"{where}: mapping template for {content_type!r} does not parse: {exc}"
            raise props.fail(message, key, content_type) from None
    return out
