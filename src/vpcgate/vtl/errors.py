"""The errors of the Velocity engine.

::

    VpcgateError
    └── VtlError                 anything the template engine reports
        ├── VtlSyntaxError       the template does not parse: message, line, column (1-based)
        └── VtlRenderError       rendering failed (a Java exception in a method, a bad JSONPath,
            │                    parseJson on bad JSON...): API Gateway answers its generic 500
            └── VtlLimitError    a bound was exceeded (output size, total loop work, macro depth)

A syntax error is found when a stage is deployed: the gateway's build step wraps it with the
template's location (resource, method, content type). A render error never reaches a client as
text: the gateway turns it into API Gateway's ``{"message": "Internal server error"}`` 500.
"""

from __future__ import annotations

from vpcgate.errors import VpcgateError


class VtlError(VpcgateError):
    """Anything the template engine reports."""


class VtlSyntaxError(VtlError):
    """The template does not parse. ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"line {line}, column {column}: {message}")


class VtlRenderError(VtlError):
    """Rendering failed the way a Velocity ``MethodInvocationException`` fails a merge."""


class VtlLimitError(VtlRenderError):
    """A render went past one of the engine's bounds."""
