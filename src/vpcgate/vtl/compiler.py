"""Syntax tree → Python source → one compiled function per template (and per macro).

Compiling once to Python code, rather than walking the tree, is what makes rendering cheap: a
``$a.b.c`` becomes two inline ``dict.get`` calls guarded by a type check, text becomes a constant,
``#foreach`` becomes a Python ``for``; a variable the template never rebinds (``$context``,
``$input`` in a mapping template) is read once per generated function. The generated code only
calls the helpers in :mod:`vpcgate.vtl.runtime` and :mod:`vpcgate.vtl.values`; it never parses.

Generated functions take ``(v, out, st)``: the variables (Velocity's context, one flat dict), the
output list and the :class:`~vpcgate.vtl.runtime.RenderState`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from typing import Any

from vpcgate.vtl import runtime, values
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
    StopDirective,
    TemplateAst,
    Text,
)

__all__ = ["compile_ast"]

RenderFunction = Callable[[dict[str, Any], list[str], runtime.RenderState], None]

_GLOBALS: dict[str, Any] = {
    "_g": values.get_property,
    "_c": values.call_method,
    "_ix": values.get_index,
    "_sp": values.set_property,
    "_si": values.set_index,
    "_tx": values.to_text,
    "_tr": runtime.truth,
    "_eq": runtime.eq,
    "_lt": runtime.lt,
    "_gt": runtime.gt,
    "_le": runtime.le,
    "_ge": runtime.ge,
    "_add": runtime.add,
    "_sub": runtime.sub,
    "_mul": runtime.mul,
    "_div": runtime.div,
    "_mod": runtime.mod,
    "_range": runtime.make_range,
    "_iter": runtime.iterate,
    "_Scope": runtime.ForeachScope,
    "_Defined": runtime.DefinedBlock,
    "_check": runtime.check,
    "_bounded": runtime.bounded,
    "_enter": runtime.enter_macro,
    "_Stop": runtime.Stop,
    "_Break": runtime.Break,
    "_M": runtime.MISSING,
    "_MAXLOOP": runtime.MAX_FOREACH,
}

_DICT_FAST: dict[tuple[str, int], Callable[[str, list[str]], str]] = {
    ("get", 1): lambda tmp, args: f"{tmp}.get({args[0]})",
    ("keySet", 0): lambda tmp, args: f"list({tmp})",
    ("containsKey", 1): lambda tmp, args: f"({args[0]} in {tmp})",
    ("size", 0): lambda tmp, args: f"len({tmp})",
}
_MAX_INDENT = 12
_COMPARE = {"==": "_eq", "<": "_lt", ">": "_gt", "<=": "_le", ">=": "_ge"}
_MATH = {"-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}


class _Writer:
    """Accumulates Python source lines and hands out unique temporary names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counter = 0
        self.functions: list[list[str]] = []

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


_LOOP_NAMES = ("foreach", "velocityCount", "velocityHasNext", "bodyContent")


def _nodes(node: object) -> Iterator[object]:
    """Every syntax-tree node under ``node`` (expressions and string bodies included)."""
    yield node
    if is_dataclass(node):
        for part in fields(node):
            yield from _nodes(getattr(node, part.name))
    elif isinstance(node, tuple):
        for item in node:
            yield from _nodes(item)


def _assigned(tree: TemplateAst) -> set[str]:
    """The variables the template (re)binds: ``#set($x = ...)``, loop variables, ``#define``d
    blocks, macro parameters, and the names the engine binds itself."""
    names = set(_LOOP_NAMES)
    for root in (tree.body, *tree.macros.values()):
        for node in _nodes(root):
            if isinstance(node, SetDirective) and not node.target.steps:
                names.add(node.target.name)
            elif isinstance(node, ForeachDirective):
                names.add(node.var)
            elif isinstance(node, DefineDirective):
                names.add(node.name)
            elif isinstance(node, Macro):
                names.update(node.params)
    return names


class _Compiler:
    def __init__(self, writer: _Writer, tree: TemplateAst, source: str) -> None:
        self.w = writer
        self.macros = tree.macros
        # Loop variables nobody can read are not maintained (a plain text search: conservative).
        self.count_names = tuple(k for k in ("velocityCount", "velocityHasNext") if k in source)
        self.scoped = "foreach" in source
        self.roots: set[str] = set()  # every variable the template reads ($name of each reference)
        # A variable the template never binds keeps its value for the whole render: each function
        # reads it once into a local (``_h<n>``, and ``_h<n>d``: is it a dict) instead of once per
        # reference.
        self.assigned = _assigned(tree)
        self.hoisted: dict[str, str] = {}  # variable → its local, in the function being written

    # ---- expressions ---------------------------------------------------------------------------

    def expr(self, node: Expr) -> str:
        if isinstance(node, Literal):
            return repr(node.value)
        if isinstance(node, Ref):
            return self.ref(node, len(node.steps))
        if isinstance(node, Interpolated):
            return self.interpolated(node.body)
        if isinstance(node, BinOp):
            return self.binop(node)
        if isinstance(node, Not):
            return f"(not _tr({self.expr(node.operand)}))"
        if isinstance(node, ListLit):
            return "[" + "".join(self.expr(item) + ", " for item in node.items) + "]"
        if isinstance(node, MapLit):
            pairs = ", ".join(f"{self.expr(k)}: {self.expr(v)}" for k, v in node.pairs)
            return "{" + pairs + "}"
        if isinstance(node, RangeLit):
            return f"_range({self.expr(node.low)}, {self.expr(node.high)})"
        raise AssertionError(node)

    def ref(self, node: Ref, upto: int) -> str:
        self.roots.add(node.name)
        code = self.variable(node.name)
        for step in node.steps[:upto]:
            if isinstance(step, Prop):
                name = repr(step.name)
                if code in self.hoisted.values():  # a local: its dict test is made once too
                    code = f"({code}.get({name}) if {code}d else _g({code}, {name}))"
                    continue
                tmp = self.w.fresh("_t")
                code = f"({tmp}.get({name}) if type({tmp} := {code}) is dict else _g({tmp}, {name}))"
            elif isinstance(step, Call):
                code = self.call(code, step)
            else:
                assert isinstance(step, Index)
                code = f"_ix({code}, {self.expr(step.key)})"
        return code

    def variable(self, name: str) -> str:
        if name in self.assigned:
            return f"v.get({name!r})"
        local = self.hoisted.get(name)
        if local is None:
            local = self.hoisted[name] = self.w.fresh("_h")
        return local

    def begin(self, header: str) -> tuple[list[str], dict[str, str]]:
        """Start writing a new function; returns what to restore with :meth:`end`."""
        saved = (self.w.lines, self.hoisted)
        self.w.lines = [header, "    w = out.append"]
        self.hoisted = {}
        return saved

    def end(self, saved: tuple[list[str], dict[str, str]]) -> list[str]:
        """Finish the function being written (its variables read up front); return its lines."""
        lines = self.w.lines
        lines[2:2] = [
            f"    {local} = v.get({name!r}); {local}d = type({local}) is dict"
            for name, local in self.hoisted.items()
        ]
        self.w.lines, self.hoisted = saved
        return lines

    def call(self, target: str, step: Call) -> str:
        """A method call; Map's ``get``/``keySet``/``containsKey``/``size`` are inlined for dicts."""
        args = [self.expr(arg) for arg in step.args]
        packed = "(" + "".join(a + ", " for a in args) + ")"
        fast = _DICT_FAST.get((step.name, len(args)))
        if fast is None:
            return f"_c({target}, {step.name!r}, {packed})"
        if target in self.hoisted.values():
            return f"({fast(target, args)} if {target}d else _c({target}, {step.name!r}, {packed}))"
        tmp = self.w.fresh("_t")
        inline = fast(tmp, args)
        return f"({inline} if type({tmp} := {target}) is dict else _c({tmp}, {step.name!r}, {packed}))"

    def binop(self, node: BinOp) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        op = node.op
        if op == "&&":
            return f"(_tr({left}) and _tr({right}))"
        if op == "||":
            return f"(_tr({left}) or _tr({right}))"
        if op == "!=":
            return f"(not _eq({left}, {right}))"
        if op in _COMPARE:
            return f"{_COMPARE[op]}({left}, {right})"
        if op == "+":
            return f"_add({left}, {right}, {_source(node.left)!r}, {_source(node.right)!r})"
        return f"{_MATH[op]}({left}, {right})"

    def interpolated(self, body: Block) -> str:
        if all(isinstance(n, Text) or (isinstance(n, Output) and not n.escape) for n in body.nodes):
            parts = []
            for n in body.nodes:
                if isinstance(n, Text):
                    parts.append(repr(n.text))
                else:
                    assert isinstance(n, Output)
                    parts.append(f"_tx({self.expr(n.ref)})")
            if not parts:
                return "''"
            if len(parts) == 1:
                return parts[0]
            return "_bounded(''.join((" + ", ".join(parts) + ",)))"
        name = self.function(body, in_loop=False)
        return f"_interp({name}, v, st)"

    # ---- nodes ---------------------------------------------------------------------------------

    def function(self, body: Block, *, in_loop: bool) -> str:
        """Compile ``body`` as a separate function ``(v, out, st)``; return its name."""
        name = self.w.fresh("_f")
        saved = self.begin(f"def {name}(v, out, st):")
        self.block(body, 1, in_loop=in_loop)
        self.w.functions.append(self.end(saved))
        return name

    def emit(self, indent: int, line: str) -> None:
        self.w.lines.append("    " * indent + line)

    def block(self, body: Block, indent: int, *, in_loop: bool) -> None:
        before = len(self.w.lines)
        for node in body.nodes:
            self.node(node, indent, in_loop=in_loop)
        if len(self.w.lines) == before:
            self.emit(indent, "pass")

    def node(self, node: Node, indent: int, *, in_loop: bool) -> None:
        if isinstance(node, Text):
            self.emit(indent, f"w({node.text!r})")
        elif isinstance(node, Output):
            self.output(node, indent)
        elif isinstance(node, SetDirective):
            self.set(node, indent)
        elif isinstance(node, IfDirective):
            self.if_(node, indent, in_loop=in_loop)
        elif isinstance(node, ForeachDirective):
            self.foreach(node, indent)
        elif isinstance(node, BreakDirective):
            self.emit(indent, "break" if in_loop else "raise _Break()")
        elif isinstance(node, StopDirective):
            self.emit(indent, "raise _Stop()")
        elif isinstance(node, DefineDirective):
            name = self.function(node.body, in_loop=False)
            self.emit(indent, f"v[{node.name!r}] = _Defined({name}, v, st)")
        elif isinstance(node, MacroCall):
            self.macro_call(node, indent)
        else:
            raise AssertionError(node)

    def output(self, node: Output, indent: int) -> None:
        tmp = self.w.fresh("_x")
        self.emit(indent, f"{tmp} = {self.expr(node.ref)}")
        if not node.escape:
            self.emit(indent, f"if {tmp} is not None: w({tmp} if type({tmp}) is str else _tx({tmp}))")
            return
        count = node.escape
        odd = count % 2 == 1
        null_text = "\\" * count + (node.literal if odd else "")
        self.emit(indent, f"if {tmp} is None: w({null_text!r})")
        value_text = "\\" * (count // 2)
        if odd:
            self.emit(indent, f"else: w({value_text + node.literal!r})")
        else:
            self.emit(indent, f"else: w({value_text!r} + _tx({tmp}))")

    def set(self, node: SetDirective, indent: int) -> None:
        tmp = self.w.fresh("_v")
        self.emit(indent, f"{tmp} = {self.expr(node.value)}")
        target = node.target
        self.emit(indent, f"if {tmp} is not None:")
        if not target.steps:
            self.emit(indent + 1, f"v[{target.name!r}] = {tmp}")
            return
        owner = self.ref(target, len(target.steps) - 1)
        last = target.steps[-1]
        if isinstance(last, Prop):
            self.emit(indent + 1, f"_sp({owner}, {last.name!r}, {tmp})")
        else:
            assert isinstance(last, Index)
            self.emit(indent + 1, f"_si({owner}, {self.expr(last.key)}, {tmp})")

    def if_(self, node: IfDirective, indent: int, *, in_loop: bool) -> None:
        for i, (condition, body) in enumerate(node.branches):
            keyword = "if" if i == 0 else "elif"
            self.emit(indent, f"{keyword} _tr({self.expr(condition)}):")
            self.block(body, indent + 1, in_loop=in_loop)
        if node.otherwise is not None:
            self.emit(indent, "else:")
            self.block(node.otherwise, indent + 1, in_loop=in_loop)

    def foreach(self, node: ForeachDirective, indent: int) -> None:
        if indent >= _MAX_INDENT:
            # CPython allows 20 statically nested blocks per function: move deep loops out.
            name = self.function(Block((node,)), in_loop=False)
            self.emit(indent, f"{name}(v, out, st)")
            return
        n = self.w.fresh("")
        items, scope, saved, index = f"_it{n}", f"_fe{n}", f"_sv{n}", f"_i{n}"
        emit = self.emit
        emit(indent, f"{items} = _iter({self.expr(node.iterable)})")
        emit(indent, f"if {items}:")
        body = indent + 1
        names = (node.var, *(("foreach",) if self.scoped else ()), *self.count_names)
        emit(body, f"{saved} = ({''.join(f'v.get({k!r}, _M), ' for k in names)})")
        if self.scoped:
            emit(body, f"{scope} = _Scope(v.get('foreach'), len({items}))")
            emit(body, f"v['foreach'] = {scope}")
        emit(body, f"for {index}, _item in enumerate({items}):")
        loop = body + 1
        emit(loop, f"if {index} >= _MAXLOOP: break")
        emit(loop, "st.iterations -= 1")
        emit(loop, "if not st.iterations & 255: _check(st, out)")
        if self.scoped:
            emit(loop, f"{scope}.index = {index}")
        emit(loop, f"v[{node.var!r}] = _item")
        if "velocityCount" in self.count_names:
            emit(loop, f"v['velocityCount'] = {index} + 1")
        if "velocityHasNext" in self.count_names:
            emit(loop, f"v['velocityHasNext'] = {index} + 1 < len({items})")
        self.block(node.body, loop, in_loop=True)
        for position, key in enumerate(names):
            emit(body, f"if {saved}[{position}] is _M: v.pop({key!r}, None)")
            emit(body, f"else: v[{key!r}] = {saved}[{position}]")

    def macro_call(self, node: MacroCall, indent: int) -> None:
        args = "".join(self.expr(arg) + ", " for arg in node.args)
        body = self.function(node.body, in_loop=False) if node.body is not None else "None"
        self.emit(indent, f"_macro_{node.name}(v, out, st, ({args}), {body})")


def _source(node: Expr) -> str:
    """The text Velocity shows for a null operand of string concatenation."""
    return node.literal if isinstance(node, Ref) else ""


def _interp(function: RenderFunction, variables: dict[str, Any], state: runtime.RenderState) -> str:
    out: list[str] = []
    function(variables, out, state)
    return runtime.bounded("".join(out))


def _macro_source(compiler: _Compiler, macro: Macro) -> None:
    saved = compiler.begin(f"def _macro_{macro.name}(v, out, st, args, body):")
    compiler.emit(1, f"_enter(st, {macro.name!r})")
    names = (*macro.params, "bodyContent")
    compiler.emit(1, f"saved = ({''.join(f'v.get({k!r}, _M), ' for k in names)})")
    for i, param in enumerate(macro.params):
        compiler.emit(1, f"if len(args) > {i}: v[{param!r}] = args[{i}]")
    compiler.emit(1, "if body is not None: v['bodyContent'] = _Defined(body, v, st)")
    compiler.emit(1, "try:")
    compiler.block(macro.body, 2, in_loop=False)
    compiler.emit(1, "except _Break:")
    compiler.emit(2, "pass")
    compiler.emit(1, "finally:")
    compiler.emit(2, "st.depth -= 1")
    for i, key in enumerate(names):
        compiler.emit(2, f"if saved[{i}] is _M: v.pop({key!r}, None)")
        compiler.emit(2, f"else: v[{key!r}] = saved[{i}]")
    compiler.w.functions.append(compiler.end(saved))


def generate(tree: TemplateAst, source: str) -> tuple[str, frozenset[str]]:
    """The Python source for a template (``_render(v, out, st)`` plus its helpers), and the names of
    the variables it reads."""
    writer = _Writer()
    compiler = _Compiler(writer, tree, source)
    for macro in tree.macros.values():
        _macro_source(compiler, macro)
    saved = compiler.begin("def _render(v, out, st):")
    compiler.block(tree.body, 1, in_loop=False)
    chunks = ["\n".join(f) for f in writer.functions]
    chunks.append("\n".join(compiler.end(saved)))
    return "\n\n".join(chunks) + "\n", frozenset(compiler.roots)


def compile_ast(tree: TemplateAst, template_source: str) -> tuple[RenderFunction, str, frozenset[str]]:
    """Compile a parsed template into its render function; also return the generated source and
    the variables the template reads (a variable it never names cannot change its output: Velocity
    has no way to look a variable up by a computed name, and ``#evaluate`` is refused)."""
    filename = "<vtl>"
    source, roots = generate(tree, template_source)
    namespace: dict[str, Any] = dict(_GLOBALS)
    namespace["_interp"] = _interp
    exec(compile(source, filename, "exec"), namespace)
    function: RenderFunction = namespace["_render"]
    return function, source, roots
