"""A compiled template: parse and compile once, render many times.

``parse_template(source)`` parses and compiles; it raises :class:`VtlSyntaxError` (line, column)
for a template that does not parse. ``Template.render(variables)`` runs the compiled function on a
fresh Velocity context (a shallow copy of ``variables``: ``#set`` on a top-level name stays inside
the render, while ``#set($context.x.y = ...)`` writes into the mapping passed in, which is how
API Gateway templates set ``requestOverride``/``responseOverride``).

``Template.references`` names the variables the template reads (``$context``, ``$input``...): the
gateway builds only those for a render.

A render either returns the text or raises :class:`VtlRenderError`; no other exception leaves it
(anything unexpected inside is wrapped, so the gateway can answer its 500 and log the cause).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vpcgate.vtl.compiler import compile_ast
from vpcgate.vtl.errors import VtlLimitError, VtlRenderError, VtlSyntaxError
from vpcgate.vtl.parser import parse
from vpcgate.vtl.runtime import MAX_OUTPUT, Break, RenderState, Stop

__all__ = ["Template", "parse_template"]


class Template:
    """A template compiled to Python; immutable and safe to share between concurrent renders."""

    __slots__ = ("_function", "python_source", "references", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            tree = parse(source)
            self._function, self.python_source, references = compile_ast(tree, source)
            self.references: frozenset[str] = references  # the variables the template reads
        except RecursionError:
            raise VtlSyntaxError("the template nests too deeply", 1, 1) from None
        except (SyntaxError, MemoryError) as exc:  # generated code Python cannot compile
            raise VtlSyntaxError(f"the template is too complex to compile ({exc})", 1, 1) from None

    def render(self, variables: Mapping[str, object]) -> str:
        """Render with ``variables`` as the Velocity context; raise :class:`VtlRenderError` on failure."""
        context: dict[str, Any] = dict(variables)
        out: list[str] = []
        try:
            self._function(context, out, RenderState())
        except (Stop, Break):
            pass
        except VtlRenderError:
            raise
        except RecursionError:
            raise VtlLimitError("the template recursed too deeply") from None
        except Exception as exc:  # the 500 boundary of the engine: never a traceback to a client
            raise VtlRenderError(f"{type(exc).__name__}: {exc}") from exc
        text = "".join(out)
        if len(text) > MAX_OUTPUT:
            raise VtlLimitError(f"the template's output is larger than {MAX_OUTPUT} characters")
        return text

    def __repr__(self) -> str:
        head = self.source[:40].replace("\n", "\\n")
        return f"Template({head!r}{'...' if len(self.source) > 40 else ''})"


def parse_template(source: str) -> Template:
    """Parse and compile ``source``; raise :class:`VtlSyntaxError` with line and column."""
    return Template(source)
