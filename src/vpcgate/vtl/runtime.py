"""What compiled templates call at render time: operators, loops, scopes and bounds.

Operators follow Velocity 1.7 (``org.apache.velocity.runtime.parser.node`` and ``MathUtils``):

- ``+ - * / %`` on two integers stay integers (Java integer division truncates toward zero and
  ``%`` takes the dividend's sign); a decimal on either side makes a double; a division or modulo
  by zero, a null or a non-number operand gives null (Velocity logs it and the value is null).
- ``+`` with a String on either side concatenates (a null side contributes its reference's source
  text, as Velocity 1.7's ``ASTAddNode`` does).
- ``==``/``!=``: numbers by value, same kinds with ``equals``, different kinds by ``toString``.
- ``< > <= >=``: numbers only; anything else is false.
- Truth: ``false`` and null are false; anything else (an empty string too) is true.
- ``[a..b]`` counts up or down by one, both ends included.

Bounds (so a template cannot hang or exhaust the gateway):

- ``#foreach`` stops after 1000 iterations, API Gateway's quota "Iterations in a #foreach ... #end
  loop in mapping templates" (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html);
  Velocity's ``directive.foreach.maxloops`` ends the loop the same quiet way.
- All loops of one render together: 100,000 iterations; output and strings: 10 MiB (API Gateway's
  payload quota); macro nesting: 20 (Velocity's ``velocimacro.max.depth``). Past these the render
  fails with :class:`VtlLimitError` (AWS has no equivalent; these are ours, chosen far above
  anything a working template needs).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from vpcgate.vtl.errors import VtlLimitError
from vpcgate.vtl.values import JsonList, VtlObject, java_equals, java_str

MAX_FOREACH = 1000
MAX_ITERATIONS = 100_000
MAX_OUTPUT = 10 * 1024 * 1024
MAX_MACRO_DEPTH = 20

MISSING: Any = object()


class Stop(Exception):
    """``#stop``: rendering ends here; what was written stays."""


class Break(Exception):
    """``#break`` outside a loop: leaves the macro, or ends the template."""


class RenderState:
    """Per-render counters for the bounds."""

    __slots__ = ("depth", "iterations")

    def __init__(self) -> None:
        self.iterations = MAX_ITERATIONS
        self.depth = 0


def check(state: RenderState, out: list[str]) -> None:
    """Called every 256 loop iterations: enforce the iteration and output bounds."""
    if state.iterations < 0:
        raise VtlLimitError(f"the template ran more than {MAX_ITERATIONS} loop iterations")
    if sum(map(len, out)) > MAX_OUTPUT:
        raise VtlLimitError(f"the template's output is larger than {MAX_OUTPUT} characters")


def bounded(text: str) -> str:
    if len(text) > MAX_OUTPUT:
        raise VtlLimitError(f"a string in the template is larger than {MAX_OUTPUT} characters")
    return text


def truth(value: object) -> bool:
    if value is True:
        return True
    return not (value is None or value is False)


def iterate(value: object) -> list[Any] | None:
    """What ``#foreach`` walks: a List, a Map's values, an object's own items; else nothing."""
    kind = type(value)
    if kind is list or kind is JsonList:
        return value  # type: ignore[return-value]
    if kind is dict:
        return list(value.values())  # type: ignore[attr-defined]
    if isinstance(value, VtlObject):
        return value.vtl_iter()
    return None


class ForeachScope(VtlObject):
    """``$foreach``: ``index`` (from 0), ``count`` (from 1), ``hasNext``, ``first``, ``last``, ``parent``."""

    __slots__ = ("index", "parent", "size")

    def __init__(self, parent: object, size: int) -> None:
        self.parent = parent
        self.size = size
        self.index = 0

    def vtl_get(self, name: str) -> object:
        index = self.index
        if name == "hasNext":
            return index + 1 < self.size
        if name == "index":
            return index
        if name == "count":
            return index + 1
        if name == "first":
            return index == 0
        if name == "last":
            return index + 1 >= self.size
        if name == "parent":
            return self.parent
        if name == "topmost":
            top: object = self
            while isinstance(top, ForeachScope) and isinstance(top.parent, ForeachScope):
                top = top.parent
            return top
        return None

    def vtl_call(self, name: str, args: tuple[object, ...]) -> object:
        if args:
            return None
        getter = {"hasNext": "hasNext", "getIndex": "index", "getCount": "count", "getHasNext": "hasNext"}
        getter |= {"isFirst": "first", "isLast": "last", "getParent": "parent", "getTopmost": "topmost"}
        return self.vtl_get(getter[name]) if name in getter else None


class DefinedBlock(VtlObject):
    """``#define($name) ... #end``: renders its body, in the current context, each time it is used."""

    __slots__ = ("function", "state", "variables")

    def __init__(self, function: Callable[..., None], variables: dict[str, Any], state: RenderState) -> None:
        self.function = function
        self.variables = variables
        self.state = state

    def vtl_str(self) -> str:
        self.state.depth += 1
        if self.state.depth > MAX_MACRO_DEPTH:
            raise VtlLimitError("#define blocks nest deeper than 20 (a block that renders itself?)")
        out: list[str] = []
        try:
            self.function(self.variables, out, self.state)
        finally:
            self.state.depth -= 1
        return "".join(out)

    def vtl_call(self, name: str, args: tuple[object, ...]) -> object:
        return self.vtl_str() if name == "toString" and not args else None


def enter_macro(state: RenderState, name: str) -> None:
    state.depth += 1
    if state.depth > MAX_MACRO_DEPTH:
        raise VtlLimitError(f"macro #{name} nests deeper than {MAX_MACRO_DEPTH} calls")


# ---- arithmetic --------------------------------------------------------------------------------


def _numbers(left: object, right: object) -> bool:
    lkind, rkind = type(left), type(right)
    return (lkind is int or lkind is float) and (rkind is int or rkind is float)


def add(left: Any, right: Any, left_text: str, right_text: str) -> object:
    if type(left) is str or type(right) is str:
        a = left_text if left is None else java_str(left)
        b = right_text if right is None else java_str(right)
        return bounded(a + b)
    if not _numbers(left, right):
        return None
    return left + right


def sub(left: Any, right: Any) -> object:
    return left - right if _numbers(left, right) else None


def mul(left: Any, right: Any) -> object:
    return left * right if _numbers(left, right) else None


def div(left: Any, right: Any) -> object:
    if not _numbers(left, right) or right == 0:
        return None
    if type(left) is int and type(right) is int:
        quotient = abs(left) // abs(right)
        return quotient if (left < 0) == (right < 0) else -quotient
    return left / right


def mod(left: Any, right: Any) -> object:
    if not _numbers(left, right) or right == 0:
        return None
    if type(left) is int and type(right) is int:
        remainder = abs(left) % abs(right)
        return -remainder if left < 0 else remainder
    return math.fmod(left, right)


def eq(left: object, right: object) -> bool:
    if left is right:
        return True
    if type(left) is str and type(right) is str:
        return left == right
    return java_equals(left, right)


def lt(left: Any, right: Any) -> bool:
    return _numbers(left, right) and left < right


def gt(left: Any, right: Any) -> bool:
    return _numbers(left, right) and left > right


def le(left: Any, right: Any) -> bool:
    return _numbers(left, right) and left <= right


def ge(left: Any, right: Any) -> bool:
    return _numbers(left, right) and left >= right


def make_range(low: object, high: object) -> list[int] | None:
    if type(low) is not int or type(high) is not int:
        return None
    if high - low > MAX_ITERATIONS or low - high > MAX_ITERATIONS:
        raise VtlLimitError(f"the range [{low}..{high}] is longer than {MAX_ITERATIONS}")
    return list(range(low, high + 1)) if low <= high else list(range(low, high - 1, -1))
