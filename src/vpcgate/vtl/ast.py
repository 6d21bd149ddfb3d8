"""The syntax tree of a Velocity template, as the parser builds it and the compiler reads it.

Nodes are frozen dataclasses. ``Node`` is what a template body holds (text, references, directives);
``Expr`` is what directive arguments and method arguments hold. Positions are 1-based (line, column)
so that render-time messages can point at the source.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---- expressions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """An integer, decimal, boolean or single-quoted (or plain double-quoted) string literal."""

    value: int | float | bool | str


@dataclass(frozen=True, slots=True)
class Interpolated:
    """A double-quoted string with ``$`` or ``#`` inside: a small template rendered to a string."""

    body: Block


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class MapLit:
    pairs: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True, slots=True)
class RangeLit:
    low: Expr
    high: Expr


@dataclass(frozen=True, slots=True)
class Prop:
    """``.name``: Java bean property (getter, ``get("name")`` on a Map, ``isName``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Call:
    """``.name(args)``: a method call."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Index:
    """``[expr]``: list index or map key (Velocity 1.7 index notation)."""

    key: Expr


Step = Prop | Call | Index


@dataclass(frozen=True, slots=True)
class Ref:
    """``$name.a.b(c)[d]``: a variable followed by property, method and index steps."""

    name: str
    steps: tuple[Step, ...]
    line: int
    column: int
    literal: str  # the source text, which Velocity uses where a null meets string concatenation


@dataclass(frozen=True, slots=True)
class BinOp:
    """A binary operator, normalised: ``+ - * / % == != < > <= >= && ||``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


Expr = Literal | Interpolated | ListLit | MapLit | RangeLit | Ref | BinOp | Not

# ---- template nodes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Output:
    """A reference in the text. ``literal`` is its source text; ``escape`` the number of
    backslashes written before it (Velocity's escaping rules depend on it and on nullness)."""

    ref: Ref
    quiet: bool
    literal: str
    escape: int = 0


@dataclass(frozen=True, slots=True)
class SetDirective:
    target: Ref
    value: Expr


@dataclass(frozen=True, slots=True)
class IfDirective:
    branches: tuple[tuple[Expr, Block], ...]
    otherwise: Block | None


@dataclass(frozen=True, slots=True)
class ForeachDirective:
    var: str
    iterable: Expr
    body: Block


@dataclass(frozen=True, slots=True)
class BreakDirective:
    pass


@dataclass(frozen=True, slots=True)
class StopDirective:
    pass


@dataclass(frozen=True, slots=True)
class DefineDirective:
    name: str
    body: Block


@dataclass(frozen=True, slots=True)
class MacroCall:
    name: str
    args: tuple[Expr, ...]
    body: Block | None  # ``#@name(...) body #end`` block calls give ``$bodyContent``
    line: int
    column: int


Node = (
    Text
    | Output
    | SetDirective
    | IfDirective
    | ForeachDirective
    | BreakDirective
    | StopDirective
    | DefineDirective
    | MacroCall
)


@dataclass(frozen=True, slots=True)
class Block:
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Macro:
    name: str
    params: tuple[str, ...]
    body: Block


@dataclass(frozen=True, slots=True)
class TemplateAst:
    body: Block
    macros: dict[str, Macro]
