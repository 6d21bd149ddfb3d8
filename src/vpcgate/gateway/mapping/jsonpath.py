"""JSONPath as API Gateway evaluates it for ``$input.path(x)`` and ``$input.json(x)``.

API Gateway uses "JSONPath for Java" (Jayway), see
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
Supported here: ``$``, ``$.a.b``, ``$['a']`` / ``$["a"]`` / ``$['a','b']``, ``[0]``, ``[-1]``,
``[0,2]``, ``[1:3]``, ``[*]`` / ``.*``, deep scan ``..name`` / ``..*``, filters
``[?(@.price < 10 && @.type == 'dog')]`` (``== != < <= > >=``, ``&&``, ``||``, existence
``[?(@.isbn)]``), and the ``length()`` function.

Jayway's rule kept: a *definite* path (names and single indexes only) yields one value or
nothing; any other path yields a list of all matches (possibly empty).

Errors::

    ValueError
    └── JsonPathError    the expression does not parse (raised when the path is compiled)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["MISSING", "JsonPathError", "compile_path", "evaluate"]

MISSING: Any = object()


class JsonPathError(ValueError):
    """A JSONPath expression that does not parse."""


Node = Callable[[list[Any]], list[Any]]


@dataclass(frozen=True, slots=True)
class CompiledPath:
    steps: tuple[Node, ...]
    definite: bool
    length: bool
    # Names only (``$``, ``$.a.b``, ``$['a']``): the steps as one walk down the document, the
    # shape almost every template and parameter uses (same result as running the steps).
    names: tuple[str, ...] | None = None


class _Child:
    """``.name`` / ``['name']``: a map's member."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, nodes: list[Any]) -> list[Any]:
        name = self.name
        return [n[name] for n in nodes if isinstance(n, dict) and name in n]


def _child(name: str) -> Node:
    return _Child(name)


def _children(names: tuple[str, ...]) -> Node:
    def step(nodes: list[Any]) -> list[Any]:
        return [n[k] for n in nodes if isinstance(n, dict) for k in names if k in n]

    return step


def _indexes(indexes: tuple[int, ...]) -> Node:
    def step(nodes: list[Any]) -> list[Any]:
        out = []
        for n in nodes:
            if isinstance(n, list):
                for i in indexes:
                    if -len(n) <= i < len(n):
                        out.append(n[i])
        return out

    return step


def _slice(start: int | None, end: int | None) -> Node:
    def step(nodes: list[Any]) -> list[Any]:
        return [item for n in nodes if isinstance(n, list) for item in n[start:end]]

    return step


def _wildcard(nodes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for n in nodes:
        if isinstance(n, dict):
            out.extend(n.values())
        elif isinstance(n, list):
            out.extend(n)
    return out


def _descendants(value: Any) -> list[Any]:
    out = [value]
    if isinstance(value, dict):
        for child in value.values():
            out.extend(_descendants(child))
    elif isinstance(value, list):
        for child in value:
            out.extend(_descendants(child))
    return out


def _deep(inner: Node) -> Node:
    def step(nodes: list[Any]) -> list[Any]:
        everything = [d for n in nodes for d in _descendants(n)]
        return inner(everything)

    return step


_FILTER_TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|<=|>=|<|>|&&|\|\|)|(?P<at>@(?:\.[A-Za-z_$][\w$-]*|\['[^']*'\])*)"
    r"|(?P<num>-?\d+(?:\.\d+)?)|'(?P<s1>[^']*)'|\"(?P<s2>[^\"]*)\"|(?P<word>true|false|null)"
    r"|(?P<lp>\()|(?P<rp>\)))"
)


def _at_path(text: str) -> Callable[[Any], Any]:
    names = re.findall(r"\.([A-Za-z_$][\w$-]*)|\['([^']*)'\]", text[1:])
    keys = [a or b for a, b in names]

    def get(item: Any) -> Any:
        for key in keys:
            if not isinstance(item, dict) or key not in item:
                return MISSING
            item = item[key]
        return item

    return get


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is MISSING or right is MISSING:
        return False
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (left, right))
    if not numeric and not (isinstance(left, str) and isinstance(right, str)):
        return False
    return bool({"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op])


Predicate = Callable[[Any], bool]


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda x: a(x) or b(x)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda x: a(x) and b(x)


class _FilterParser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, Any]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _FILTER_TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise JsonPathError(f"cannot parse filter expression {text!r}")
            kind = match.lastgroup or ""
            value = match.group(kind)
            if kind in ("s1", "s2"):
                kind = "str"
            self.tokens.append((kind, value))
            pos = match.end()
        self.i = 0

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", None)

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        self.i += 1
        return token

    def parse_or(self) -> Callable[[Any], bool]:
        left = self.parse_and()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.parse_and()
            left = _either(left, right)
        return left

    def parse_and(self) -> Callable[[Any], bool]:
        left = self.parse_cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.parse_cmp()
            left = _both(left, right)
        return left

    def parse_cmp(self) -> Callable[[Any], bool]:
        if self.peek()[0] == "lp":
            self.take()
            inner = self.parse_or()
            if self.take()[0] != "rp":
                raise JsonPathError("unbalanced parentheses in a filter")
            return inner
        left = self.operand()
        kind, op = self.peek()
        if kind == "op" and op not in ("&&", "||"):
            self.take()
            right = self.operand()
            return lambda x: _compare(op, left(x), right(x))
        return lambda x: left(x) not in (MISSING, None, False)

    def operand(self) -> Callable[[Any], Any]:
        kind, value = self.take()
        if kind == "at":
            return _at_path(value)
        if kind == "num":
            number = float(value) if "." in value else int(value)
            return lambda _x: number
        if kind == "str":
            return lambda _x: value
        if kind == "word":
            constant = {"true": True, "false": False, "null": None}[value]
            return lambda _x: constant
        raise JsonPathError(f"unexpected {value!r} in a filter")


def _filter(text: str) -> Node:
    parser = _FilterParser(text)
    predicate = parser.parse_or()
    if parser.peek()[0] != "end":
        raise JsonPathError(f"cannot parse filter expression {text!r}")

    def step(nodes: list[Any]) -> list[Any]:
        out: list[Any] = []
        for n in nodes:
            items = n if isinstance(n, list) else list(n.values()) if isinstance(n, dict) else []
            out.extend(item for item in items if predicate(item))
        return out

    return step


_NAME = re.compile(r"[^.\[\]()\s]+")


def _bracket(path: str, pos: int) -> tuple[Node, bool, int]:
    """Parse ``[...]`` at ``pos``; return the step, whether it is definite, and the end."""
    if path.startswith("[?(", pos):
        end = path.find(")]", pos)
        if end < 0:
            raise JsonPathError(f"unclosed filter in {path!r}")
        return _filter(path[pos + 3 : end]), False, end + 2
    end = path.find("]", pos)
    if end < 0:
        raise JsonPathError(f"unclosed '[' in {path!r}")
    inner = path[pos + 1 : end].strip()
    if inner == "*":
        return _wildcard, False, end + 1
    if inner.startswith(("'", '"')):
        names = tuple(part.strip()[1:-1] for part in inner.split(","))
        if len(names) == 1:
            return _child(names[0]), True, end + 1
        return _children(names), False, end + 1
    if ":" in inner:
        first, _, second = inner.partition(":")
        try:
            start = int(first) if first.strip() else None
            stop = int(second) if second.strip() else None
        except ValueError:
            raise JsonPathError(f"bad slice [{inner}] in {path!r}") from None
        return _slice(start, stop), False, end + 1
    try:
        indexes = tuple(int(part) for part in inner.split(","))
    except ValueError:
        raise JsonPathError(f"bad index [{inner}] in {path!r}") from None
    return _indexes(indexes), len(indexes) == 1, end + 1


@lru_cache(maxsize=1024)
def compile_path(path: str) -> CompiledPath:
    """Compile a JSONPath once (cached: templates use a handful of constant paths)."""
    path = path.strip()
    if not path.startswith("$"):
        # Jayway treats a path without the root as relative to it.
        path = "$." + path if path and not path.startswith("[") else "$" + path
    steps: list[Node] = []
    definite = True
    length = False
    pos = 1
    while pos < len(path):
        if path.startswith("..", pos):
            pos += 2
            if path.startswith("[", pos):
                step, _definite, pos = _bracket(path, pos)
            elif path.startswith("*", pos):
                step, pos = _wildcard, pos + 1
            else:
                match = _NAME.match(path, pos)
                if not match:
                    raise JsonPathError(f"expected a name after '..' in {path!r}")
                step, pos = _child(match.group()), match.end()
            steps.append(_deep(step))
            definite = False
        elif path.startswith(".", pos):
            if path.startswith(".length()", pos) and pos + 9 == len(path):
                length = True
                pos += 9
                continue
            if path.startswith(".*", pos):
                steps.append(_wildcard)
                definite = False
                pos += 2
                continue
            match = _NAME.match(path, pos + 1)
            if not match:
                raise JsonPathError(f"expected a name after '.' in {path!r}")
            steps.append(_child(match.group()))
            pos = match.end()
        elif path.startswith("[", pos):
            step, is_definite, pos = _bracket(path, pos)
            steps.append(step)
            definite = definite and is_definite
        else:
            raise JsonPathError(f"unexpected {path[pos]!r} at {pos} in JSONPath {path!r}")
    names = None if length else _names(steps)
    return CompiledPath(tuple(steps), definite, length, names)


def _names(steps: list[Node]) -> tuple[str, ...] | None:
    if all(type(step) is _Child for step in steps):
        return tuple(step.name for step in steps)  # type: ignore[attr-defined]
    return None


def evaluate(path: str, document: Any) -> Any:
    """The value at ``path`` in ``document``: one value (definite path), a list, or MISSING."""
    compiled = compile_path(path)
    names = compiled.names
    if names is not None:
        node = document
        for name in names:
            if not isinstance(node, dict) or name not in node:
                return MISSING
            node = node[name]
        return node
    nodes = [document]
    for step in compiled.steps:
        nodes = step(nodes)
    if compiled.definite:
        if not nodes:
            return MISSING
        result = nodes[0]
    else:
        result = nodes
    if compiled.length:
        return len(result) if isinstance(result, (list, dict, str)) else MISSING
    return result
