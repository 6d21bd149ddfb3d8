"""Load-time checks of what an API runs later: selection patterns and mapping templates.

API Gateway rejects an API whose integration response ``selectionPattern`` is not a valid Java
regular expression, or whose mapping template does not parse, when it is created; so does vpcgate,
at deploy time rather than on the first request. The regex dialect is :mod:`vpcgate.javaregex`'s,
the template grammar :mod:`vpcgate.vtl`'s.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html

::

    ValueError
    └── CheckError      a pattern or template is invalid; ``line``/``column`` when known
"""

from __future__ import annotations

import re

from vpcgate.javaregex import JavaRegexError, compile_java
from vpcgate.vtl import VtlSyntaxError, parse_template


class CheckError(ValueError):
    """A selection pattern or a mapping template is invalid."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None and column is not None else ""
        super().__init__(message + where)


def compile_selection_pattern(source: str) -> re.Pattern[str]:
    """Compile a Java regex as the gateway will match it (whole-string: use ``fullmatch``)."""
    try:
        return compile_java(source)
    except JavaRegexError as exc:
        raise CheckError(f"not a valid Java regular expression: {exc}") from None


def check_template(source: str) -> None:
    """Raise :class:`CheckError` if ``source`` is not a well-formed VTL mapping template."""
    try:
        parse_template(source)
    except VtlSyntaxError as exc:
        raise CheckError(f"{exc.message}", exc.line, exc.column) from None
