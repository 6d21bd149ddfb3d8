"""Source text → syntax tree, with Velocity 1.7's lexical rules.

A hand-written, scannerless recursive-descent parser: text mode (text, ``$references``,
``#directives``, comments, escapes) and expression mode (directive and method arguments).

Velocity 1.7 rules kept here because they decide bytes of output:

- Identifiers are ``[a-zA-Z_][a-zA-Z0-9_-]*``: 1.7 allows ``-`` inside a name, so ``$a-b`` is
  one variable (Velocity 2.0 made this optional as ``parser.allow_hyphen_in_identifiers``, for
  1.7 compatibility).
- Whitespace: a ``#set`` line swallows the spaces and tabs before it (when only whitespace
  precedes it on its line) and the newline after it; every other directive (``#if(..)``,
  ``#elseif(..)``, ``#else``, ``#end``, ``#foreach(..)``, ``#break``, ``#stop``, ``#macro``,
  ``#define``, macro calls) swallows ``[ \\t]*`` plus one newline right after it, and leaves the
  indentation before it in the output. ``##`` comments swallow their newline.
- String literals: ``"..."`` is interpolated (parsed as a template) when it holds ``$`` or ``#``;
  ``'...'`` is literal. A doubled quote stands for one quote; a backslash-escaped quote does not
  end the literal; backslashes stay as written except ``\\uXXXX``.
- ``#macro`` registers when parsed: a call written before the definition is plain text, as in
  Velocity. A ``#word`` that is neither a directive nor a known macro is plain text.
- ``#include``, ``#parse`` and ``#evaluate`` are refused: API Gateway has no resource loader and
  rejects them.

Method arguments accept any expression (Velocity 1.7 only takes literals and references there):
an accepted superset, noted in tests/conformance/vtl/DISAGREEMENTS.md.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import TypeVar

from vpcgate.vtl.ast import (
    BinOp,
    Block,
    BreakDirective,
    Call,
    DefineDirective,
    Expr,
    ForeachDirective,
    IfDirective,
    Index,
    Interpolated,
    ListLit,
    Literal,
    Macro,
    MacroCall,
    MapLit,
    Node,
    Not,
    Output,
    Prop,
    RangeLit,
    Ref,
    SetDirective,
    Step,
    StopDirective,
    TemplateAst,
    Text,
)
from vpcgate.vtl.errors import VtlSyntaxError

T = TypeVar("T")

__all__ = ["parse"]

_IDENT = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_WORD = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_TEXT = re.compile(r"[^$#\\]+")
_WS = re.compile(r"[ \t\r\n]*")
_EOL = re.compile(r"[ \t]*(?:\r\n|\n|\r)")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_WORD_OPS = {
    "and": "&&",
    "or": "||",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
}
_DIRECTIVES = {"set", "if", "elseif", "else", "end", "foreach", "break", "stop", "macro", "define"}
_REFUSED = {"include", "parse", "evaluate"}
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


class _Parser:
    def __init__(self, src: str, macros: dict[str, Macro], origin: tuple[int, int] = (1, 1)) -> None:
        self.src = src
        self.pos = 0
        self.macros = macros
        self.origin = origin
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", src)]
        self.if_prefix = ""

    # ---- positions and errors ------------------------------------------------------------------

    def where(self, pos: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.line_starts, pos) - 1
        line = index + self.origin[0]
        column = pos - self.line_starts[index] + 1
        if index == 0:
            column += self.origin[1] - 1
        return line, column

    def error(self, message: str, pos: int | None = None) -> VtlSyntaxError:
        line, column = self.where(self.pos if pos is None else pos)
        return VtlSyntaxError(message, line, column)

    # ---- text mode -----------------------------------------------------------------------------

    def template(self) -> Block:
        block, term, _data, term_pos = self.block()
        if term is not None:
            raise self.error(f"#{term} without a matching directive to close", term_pos)
        return block

    def block_to_end(self, directive: str, start: int) -> Block:
        """The body of ``#directive`` up to its ``#end``."""
        body, term, _data, _term_pos = self.block()
        self.expect_end(term, directive, start)
        return body

    def expect_end(self, term: str | None, directive: str, start: int) -> None:
        """Refuse a ``#directive`` block that ended on anything but ``#end`` (the source, an #else)."""
        if term != "end":
            raise self.error(
                f"#{directive} without a matching #end" if term is None else f"#{term} here", start
            )

    def block(self) -> tuple[Block, str | None, Expr | None, int]:
        """Parse nodes up to ``#end``/``#else``/``#elseif`` (returned) or the end of the source."""
        nodes: list[Node] = []
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "$":
                self.reference_or_text(nodes, escape=0)
            elif ch == "#":
                start = self.pos
                term = self.directive(nodes)
                if term is not None:
                    return Block(_merge(nodes)), term[0], term[1], start
            elif ch == "\\":
                self.backslashes(nodes)
            else:
                match = _TEXT.match(src, self.pos)
                assert match is not None
                nodes.append(Text(match.group()))
                self.pos = match.end()
        return Block(_merge(nodes)), None, None, self.pos

    def backslashes(self, nodes: list[Node]) -> None:
        src = self.src
        start = self.pos
        while self.pos < len(src) and src[self.pos] == "\\":
            self.pos += 1
        count = self.pos - start
        if self.pos < len(src) and src[self.pos] == "$" and self.reference_or_text(nodes, escape=count):
            return
        if self.pos < len(src) and src[self.pos] == "#":
            name = self.directive_name(self.pos)
            if name is not None and (name[0] in _DIRECTIVES or name[0] in self.macros):
                if name[0] == "if" and not count % 2:
                    # User Guide, "Escaping VTL Directives": with \\#if the backslash belongs to
                    # the #if: "if $jazz is false, there is no output".
                    self.if_prefix = "\\" * (count // 2)
                    return
                nodes.append(Text("\\" * (count // 2)))
                if count % 2:
                    nodes.append(Text(src[self.pos : name[1]]))
                    self.pos = name[1]
                return
        nodes.append(Text("\\" * count))

    def reference_or_text(self, nodes: list[Node], escape: int) -> bool:
        start = self.pos
        output = self.text_reference()
        if output is None:
            if escape:
                return False
            nodes.append(Text("$"))
            self.pos = start + 1
            return True
        nodes.append(
            Output(output[0], output[1], self.src[start : self.pos], escape) if escape else output[2]
        )
        return True

    def text_reference(self) -> tuple[Ref, bool, Output] | None:
        """``$a``, ``$!a``, ``${a}``, ``$!{a.b(c)}``... in text; None (position kept) if not one."""
        found = self.reference(in_text=True)
        if found is None:
            return None
        ref, quiet = found
        return ref, quiet, Output(ref, quiet, ref.literal)

    def reference(self, *, in_text: bool) -> tuple[Ref, bool] | None:
        """The reference at ``$`` and whether it is quiet (``$!``). What is not one is plain text in
        text (None, position kept) and an error in an expression."""
        src = self.src
        start = self.pos
        p = start + 1
        quiet = src.startswith("!", p)
        if quiet:
            p += 1
        formal = src.startswith("{", p)
        if formal:
            p += 1
        match = _IDENT.match(src, p)
        if match is None:
            if in_text:
                return None
            raise self.error("expected a name after '$'", start)
        self.pos = match.end()
        steps = self.steps(in_text=in_text)
        if formal:
            if not src.startswith("}", self.pos):
                if in_text:
                    self.pos = start
                    return None
                raise self.error("expected '}' to close '${'", start)
            self.pos += 1
        line, column = self.where(start)
        return Ref(match.group(), tuple(steps), line, column, src[start : self.pos]), quiet

    def steps(self, *, in_text: bool) -> list[Step]:
        src = self.src
        steps: list[Step] = []
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "." and (match := _IDENT.match(src, self.pos + 1)):
                self.pos = match.end()
                if src.startswith("(", self.pos):
                    steps.append(Call(match.group(), self.arguments()))
                else:
                    steps.append(Prop(match.group()))
            elif ch == "[":
                index = self.index_step(in_text)
                if index is None:
                    break
                steps.append(index)
            else:
                break
        return steps

    def index_step(self, in_text: bool) -> Index | None:
        start = self.pos
        self.pos += 1
        try:
            self.skip_ws()
            key = self.expression()
            self.skip_ws()
            if not self.src.startswith("]", self.pos):
                raise self.error("expected ']' to close the index")
        except VtlSyntaxError:
            if in_text:
                self.pos = start
                return None
            raise
        self.pos += 1
        return Index(key)

    def arguments(self) -> tuple[Expr, ...]:
        open_pos = self.pos
        self.pos += 1
        args: list[Expr] = []
        self.skip_ws()
        if self.src.startswith(")", self.pos):
            self.pos += 1
            return ()
        while True:
            self.skip_ws()
            if self.pos >= len(self.src):
                raise self.error("unclosed '(' of a method call", open_pos)
            args.append(self.expression())
            self.skip_ws()
            if self.src.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.src.startswith(")", self.pos):
                self.pos += 1
                return tuple(args)
            if self.pos >= len(self.src):
                raise self.error("unclosed '(' of a method call", open_pos)
            raise self.error("expected ',' or ')' in the arguments of a method call")

    # ---- directives ----------------------------------------------------------------------------

    def directive_name(self, pos: int) -> tuple[str, int] | None:
        """The directive or macro name after ``#`` at ``pos`` (``#name`` or ``#{name}``) and its end."""
        src = self.src
        p = pos + 1
        if src.startswith("{", p):
            match = _WORD.match(src, p + 1)
            if match is None or not src.startswith("}", match.end()):
                return None
            return match.group(), match.end() + 1
        match = _WORD.match(src, p)
        if match is None:
            return None
        return match.group(), match.end()

    def directive(self, nodes: list[Node]) -> tuple[str, Expr | None] | None:
        """Handle ``#...`` at ``self.pos``; return a block terminator (name, elseif condition)."""
        src = self.src
        start = self.pos
        if src.startswith("##", start):
            newline = src.find("\n", start)
            self.pos = len(src) if newline < 0 else newline + 1
            return None
        if src.startswith("#*", start):
            end = src.find("*#", start + 2)
            if end < 0:
                raise self.error("unclosed comment '#*': missing '*#'", start)
            self.pos = end + 2
            return None
        if src.startswith("#[[", start):
            end = src.find("]]#", start + 3)
            if end < 0:
                raise self.error("unclosed unparsed block '#[[': missing ']]#'", start)
            nodes.append(Text(src[start + 3 : end]))
            self.pos = end + 3
            return None
        if src.startswith("#@", start):
            self.block_macro_call(nodes, start)
            return None
        named = self.directive_name(start)
        if named is None:
            nodes.append(Text("#"))
            self.pos = start + 1
            return None
        name, after = named
        if name in _REFUSED:
            raise self.error(f"#{name} is not supported in API Gateway mapping templates", start)
        if name not in _DIRECTIVES:
            if name in self.macros and re.compile(r"[ \t]*\(").match(src, after):
                self.pos = after
                nodes.append(self.macro_call(name, start, None))
                return None
            nodes.append(Text(src[start:after]))
            self.pos = after
            return None
        self.pos = after
        handler = getattr(self, f"d_{name}")
        result: tuple[str, Expr | None] | None = handler(nodes, start)
        return result

    def eat_newline(self) -> None:
        match = _EOL.match(self.src, self.pos)
        if match:
            self.pos = match.end()

    def open_paren(self, name: str, start: int) -> None:
        self.skip_spaces()
        if not self.src.startswith("(", self.pos):
            raise self.error(f"#{name} must be followed by '('", start)
        self.pos += 1
        self.skip_ws()

    def close_paren(self, name: str) -> None:
        self.skip_ws()
        if not self.src.startswith(")", self.pos):
            raise self.error(f"expected ')' to close #{name}")
        self.pos += 1

    def d_set(self, nodes: list[Node], start: int) -> None:
        _strip_indent(nodes)
        self.open_paren("set", start)
        if not self.src.startswith("$", self.pos):
            raise self.error("#set must assign to a reference, e.g. #set($a = 1)")
        target = self.expr_reference()
        if target.steps and isinstance(target.steps[-1], Call):
            raise self.error("the left side of #set cannot end with a method call", start)
        self.skip_ws()
        if not self.src.startswith("=", self.pos) or self.src.startswith("==", self.pos):
            raise self.error("expected '=' in #set")
        self.pos += 1
        self.skip_ws()
        value = self.expression()
        self.close_paren("set")
        self.eat_newline()
        nodes.append(SetDirective(target, value))

    def d_if(self, nodes: list[Node], start: int) -> None:
        prefix, self.if_prefix = self.if_prefix, ""
        self.open_paren("if", start)
        condition = self.expression()
        self.close_paren("if")
        self.eat_newline()
        branches: list[tuple[Expr, Block]] = []
        otherwise: Block | None = None
        while True:
            body, term, data, _pos = self.block()
            branches.append((condition, body))
            if term == "elseif":
                assert data is not None
                condition = data
                continue
            if term == "else":
                otherwise, term, _data, _term_pos = self.block()
            self.expect_end(term, "if", start)
            break
        if prefix:
            branches = [(c, Block((Text(prefix), *b.nodes))) for c, b in branches]
            if otherwise is not None:
                otherwise = Block((Text(prefix), *otherwise.nodes))
        nodes.append(IfDirective(tuple(branches), otherwise))

    def d_elseif(self, nodes: list[Node], start: int) -> tuple[str, Expr | None]:
        self.open_paren("elseif", start)
        condition = self.expression()
        self.close_paren("elseif")
        self.eat_newline()
        return "elseif", condition

    def d_else(self, nodes: list[Node], start: int) -> tuple[str, Expr | None]:
        self.eat_newline()
        return "else", None

    def d_end(self, nodes: list[Node], start: int) -> tuple[str, Expr | None]:
        self.eat_newline()
        return "end", None

    def d_foreach(self, nodes: list[Node], start: int) -> None:
        self.open_paren("foreach", start)
        var = self.plain_reference(
            "#foreach needs a loop variable, e.g. #foreach($item in $list)",
            "the #foreach loop variable must be a plain name",
        )
        self.skip_ws()
        if not (self.src.startswith("in", self.pos) and not _WORD.match(self.src, self.pos + 2)):
            raise self.error("expected 'in' in #foreach")
        self.pos += 2
        self.skip_ws()
        iterable = self.expression()
        self.close_paren("foreach")
        self.eat_newline()
        body = self.block_to_end("foreach", start)
        nodes.append(ForeachDirective(var.name, iterable, body))

    def d_break(self, nodes: list[Node], start: int) -> None:
        self.optional_scope_argument()
        self.eat_newline()
        nodes.append(BreakDirective())

    def d_stop(self, nodes: list[Node], start: int) -> None:
        self.optional_scope_argument()
        self.eat_newline()
        nodes.append(StopDirective())

    def optional_scope_argument(self) -> None:
        """``#break($foreach)`` names the scope to leave; the innermost one is the one we leave."""
        match = re.compile(r"[ \t]*\(\s*\$!?\{?[a-zA-Z_][a-zA-Z0-9_.]*\}?\s*\)").match(self.src, self.pos)
        if match:
            self.pos = match.end()

    def d_macro(self, nodes: list[Node], start: int) -> None:
        self.open_paren("macro", start)
        match = _WORD.match(self.src, self.pos)
        if match is None:
            raise self.error("#macro needs a name, e.g. #macro(greet $name)")
        name = match.group()
        self.pos = match.end()
        params = self.paren_items(self.macro_param, f"unclosed '(' in #macro {name}", start)
        self.eat_newline()
        placeholder = Macro(name, tuple(params), Block(()))
        self.macros[name] = placeholder
        body = self.block_to_end("macro", start)
        self.macros[name] = Macro(name, tuple(params), body)

    def macro_param(self) -> str:
        return self.plain_reference(
            "expected a $parameter or ')' in #macro", "a macro parameter must be a plain name"
        ).name

    def plain_reference(self, missing: str, not_plain: str) -> Ref:
        """A ``$name`` with no property, index or call after it (loop variables, macro parameters,
        #define targets); ``missing`` and ``not_plain`` are the errors for no reference and for more."""
        if not self.src.startswith("$", self.pos):
            raise self.error(missing)
        ref = self.expr_reference()
        if ref.steps:
            raise self.error(not_plain)
        return ref

    def paren_items(self, read: Callable[[], T], unclosed: str, start: int) -> list[T]:
        """Items up to the closing ``)`` (just after the opening one), separated by spaces or
        commas, as Velocity 1.7 takes macro parameters and macro-call arguments."""
        items: list[T] = []
        while True:
            self.skip_ws()
            if self.src.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.src.startswith(")", self.pos):
                self.pos += 1
                return items
            if self.pos >= len(self.src):
                raise self.error(unclosed, start)
            items.append(read())

    def d_define(self, nodes: list[Node], start: int) -> None:
        self.open_paren("define", start)
        target = self.plain_reference(
            "#define needs a reference, e.g. #define($block)", "#define needs a plain name"
        )
        self.close_paren("define")
        self.eat_newline()
        body = self.block_to_end("define", start)
        nodes.append(DefineDirective(target.name, body))

    def macro_call(self, name: str, start: int, body: Block | None) -> MacroCall:
        args: list[Expr] = []
        self.skip_spaces()
        if self.src.startswith("(", self.pos):
            self.pos += 1
            args = self.paren_items(self.primary, f"unclosed '(' in the call of #{name}", start)
            self.eat_newline()
        line, column = self.where(start)
        return MacroCall(name, tuple(args), body, line, column)

    def block_macro_call(self, nodes: list[Node], start: int) -> None:
        named = self.directive_name(start + 1)
        if named is None or named[0] not in self.macros:
            nodes.append(Text("#@"))
            self.pos = start + 2
            return
        self.pos = named[1]
        call = self.macro_call(named[0], start, None)
        body, term, _data, _term_pos = self.block()
        if term != "end":
            raise self.error(f"#@{named[0]} without a matching #end", start)
        nodes.append(MacroCall(call.name, call.args, body, call.line, call.column))

    # ---- expression mode -----------------------------------------------------------------------

    def skip_ws(self) -> None:
        match = _WS.match(self.src, self.pos)
        assert match is not None
        self.pos = match.end()

    def skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos] in " \t":
            self.pos += 1

    def operator(self, choices: tuple[str, ...]) -> str | None:
        self.skip_ws()
        src = self.src
        for op in choices:
            if op.isalpha():
                if src.startswith(op, self.pos) and not _IDENT.match(src, self.pos + len(op)):
                    self.pos += len(op)
                    return _WORD_OPS[op]
            elif src.startswith(op, self.pos):
                if op in ("<", ">", "!") and src.startswith("=", self.pos + 1):
                    continue
                self.pos += len(op)
                return op
        return None

    def expression(self) -> Expr:
        return self.binary(0)

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||", "or"),
        ("&&", "and"),
        ("==", "!=", "eq", "ne"),
        ("<=", ">=", "<", ">", "le", "ge", "lt", "gt"),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Expr:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (op := self.operator(self._LEVELS[level])) is not None:
            self.skip_ws()
            right = self.binary(level + 1)
            left = BinOp(op, left, right)
        return left

    def unary(self) -> Expr:
        self.skip_ws()
        if self.src.startswith("!", self.pos) and not self.src.startswith("!=", self.pos):
            self.pos += 1
            return Not(self.unary())
        if self.src.startswith("not", self.pos) and not _IDENT.match(self.src, self.pos + 3):
            self.pos += 3
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Expr:
        self.skip_ws()
        src, pos = self.src, self.pos
        if pos >= len(src):
            raise self.error("unexpected end of template in an expression")
        ch = src[pos]
        if ch == "$":
            return self.expr_reference()
        if ch in {'"', "'"}:
            return self.string_literal()
        if ch == "(":
            self.pos += 1
            inner = self.expression()
            self.skip_ws()
            if not src.startswith(")", self.pos):
                raise self.error("expected ')'")
            self.pos += 1
            return inner
        if ch == "[":
            return self.list_or_range()
        if ch == "{":
            return self.map_literal()
        number = _NUMBER.match(src, pos)
        if number:
            self.pos = number.end()
            text = number.group()
            if number.group(1) or number.group(2):
                return Literal(float(text))
            return Literal(int(text))
        word = _WORD.match(src, pos)
        if word and word.group() in ("true", "false"):
            self.pos = word.end()
            return Literal(word.group() == "true")
        raise self.error(f"unexpected {src[pos]!r} in an expression")

    def expr_reference(self) -> Ref:
        found = self.reference(in_text=False)
        assert found is not None  # in an expression a non-reference raised
        return found[0]

    def string_literal(self) -> Expr:
        src = self.src
        quote = src[self.pos]
        start = self.pos
        p = start + 1
        while True:
            end = src.find(quote, p)
            if end < 0:
                raise self.error("unterminated string literal", start)
            backslashes = 0
            while src[end - 1 - backslashes] == "\\" and end - 1 - backslashes > start:
                backslashes += 1
            if backslashes % 2:  # Velocity 1.7's string token: \" (or \') does not end it
                p = end + 1
                continue
            if src.startswith(quote, end + 1):
                p = end + 2
                continue
            break
        raw = src[start + 1 : end]
        self.pos = end + 1
        text = raw.replace(quote * 2, quote)
        if quote == "'":
            return Literal(text)
        if "$" in text or "#" in text:
            origin = self.where(start + 1)
            sub = _Parser(text, self.macros, origin)
            return Interpolated(sub.template())
        return Literal(_UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))

    def list_or_range(self) -> Expr:
        start = self.pos
        self.pos += 1
        self.skip_ws()
        if self.src.startswith("]", self.pos):
            self.pos += 1
            return ListLit(())
        first = self.expression()
        self.skip_ws()
        if self.src.startswith("..", self.pos):
            self.pos += 2
            self.skip_ws()
            last = self.expression()
            self.skip_ws()
            if not self.src.startswith("]", self.pos):
                raise self.error("expected ']' to close the range", start)
            self.pos += 1
            return RangeLit(first, last)
        items = [first]
        while True:
            self.skip_ws()
            if self.src.startswith("]", self.pos):
                self.pos += 1
                return ListLit(tuple(items))
            if not self.src.startswith(",", self.pos):
                raise self.error("expected ',' or ']' in a list", self.pos)
            self.pos += 1
            items.append(self.expression())

    def map_literal(self) -> Expr:
        start = self.pos
        self.pos += 1
        pairs: list[tuple[Expr, Expr]] = []
        self.skip_ws()
        if self.src.startswith("}", self.pos):
            self.pos += 1
            return MapLit(())
        while True:
            key = self.expression()
            self.skip_ws()
            if not self.src.startswith(":", self.pos):
                raise self.error("expected ':' in a map literal", self.pos)
            self.pos += 1
            value = self.expression()
            pairs.append((key, value))
            self.skip_ws()
            if self.src.startswith("}", self.pos):
                self.pos += 1
                return MapLit(tuple(pairs))
            if not self.src.startswith(",", self.pos):
                raise self.error("expected ',' or '}' in a map literal", start)
            self.pos += 1
            self.skip_ws()


def _merge(nodes: list[Node]) -> tuple[Node, ...]:
    """Join adjacent text nodes and drop empty ones."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Text):
            if not node.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + node.text)
                continue
        out.append(node)
    return tuple(out)


def _strip_indent(nodes: list[Node]) -> None:
    """Velocity 1.7 drops the spaces and tabs before ``#set`` when nothing else precedes it on the line."""
    while len(nodes) > 1 and isinstance(nodes[-1], Text) and isinstance(nodes[-2], Text):
        last = nodes.pop()
        assert isinstance(last, Text)
        nodes[-1] = Text(nodes[-1].text + last.text)
    if not nodes or not isinstance(nodes[-1], Text):
        return
    text = nodes[-1].text
    stripped = text.rstrip(" \t")
    if stripped == text:
        return
    if stripped.endswith(("\n", "\r")) or (
        not stripped and (len(nodes) == 1 or not isinstance(nodes[-2], Text))
    ):
        nodes[-1] = Text(stripped)


def parse(source: str) -> TemplateAst:
    """Parse a whole template; raise :class:`VtlSyntaxError` with line and column."""
    macros: dict[str, Macro] = {}
    parser = _Parser(source, macros)
    body = parser.template()
    return TemplateAst(body, macros)
