"""Load-time checks of what an API runs later: selection patterns and mapping templates.

API Gateway rejects an API whose integration response ``selectionPattern`` is not a valid Java
regular expression, or whose mapping template does not parse, when it is created; so does vpcgate,
at deploy time rather than on the first request.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html

::

    ValueError
    └── CheckError      a pattern or template is invalid; ``line``/``column`` when known
"""

from __future__ import annotations

import re


class CheckError(ValueError):
    """A selection pattern or a mapping template is invalid."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None and column is not None else ""
        super().__init__(message + where)


def compile_selection_pattern(source: str) -> re.Pattern[str]:
    """Compile a Java regex as the gateway will match it (whole-string, see ``fullmatch``)."""
    return _compile_with_python_re(source)


def check_template(source: str) -> None:
    """Raise :class:`CheckError` if ``source`` is not a well-formed VTL mapping template."""
    _check_directive_balance(source)


def _compile_with_python_re(source: str) -> re.Pattern[str]:
    # Python's re reads the Java constructs API Gateway users write (escapes, classes, groups,
    # quantifiers); vpcgate.javaregex, when present, covers the rest.
    try:
        return re.compile(source, re.DOTALL)
    except re.error as exc:
        raise CheckError(f"not a valid regular expression: {exc.msg}") from None


_BLOCK = re.compile(r"#\{?(if|foreach|macro|define|end|else|elseif)\b\}?")
_COMMENTS = re.compile(r"#\*.*?\*#|##[^\n]*", re.DOTALL)


def _check_directive_balance(source: str) -> None:
    """Directive nesting only (#if/#foreach/#macro/#define ... #end): what vpcgate.vtl's full
    parser checks once present."""
    text = _COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    stack: list[tuple[str, int, int]] = []
    for match in _BLOCK.finditer(text):
        word = match.group(1)
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start())
        if word in ("if", "foreach", "macro", "define"):
            stack.append((word, line, column))
        elif word == "end":
            if not stack:
                raise CheckError("#end without an open #if/#foreach", line, column)
            stack.pop()
        elif not stack or stack[-1][0] != "if":
            raise CheckError(f"#{word} outside an #if", line, column)
    if stack:
        word, line, column = stack[-1]
        raise CheckError(f"#{word} is never closed with #end", line, column)
