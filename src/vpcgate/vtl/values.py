"""Java semantics for the values a template handles: printing, properties, methods.

Templates see Python values standing for Java ones: ``str`` (String; a ``charAt`` result is a
one-character str), ``bool`` (Boolean), ``int`` (Integer/Long/BigInteger), ``float`` (Double),
``list`` (ArrayList, also String[] from ``split`` and ``keySet()``), ``dict`` (LinkedHashMap),
``None`` (null), and :class:`VtlObject` for everything with its own methods (``$input``, ``$util``,
``$foreach``, map entries, ``#define`` blocks).

Printing follows ``String.valueOf``: ``[1, 2]`` for a List, ``{a=1, b=2}`` for a Map, ``true``,
``1.0`` and ``1.0E10`` for doubles (``Double.toString``), ``null`` inside collections. At the top
level a null prints as nothing: API Gateway's dialect (stock Velocity prints the reference's text).

Properties follow Velocity's bean rules: on a Map ``.foo`` is ``get("foo")``; on other objects
``getFoo()`` then ``isFoo()``. Methods not found (or with arguments of the wrong types) give null,
as Velocity's non-strict mode does; a Java exception inside a method (index out of bounds, a bad
regex, null where Java throws NullPointerException) raises :class:`VtlRenderError`, which is
Velocity's ``MethodInvocationException``.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring as _json_string  # json.dumps(str, ensure_ascii=False)
from typing import Any

from vpcgate.javaregex import JavaRegexError, compile_java, java_replacement, java_split
from vpcgate.vtl.errors import VtlRenderError

__all__ = [
    "VtlObject",
    "call_method",
    "get_index",
    "get_property",
    "java_equals",
    "java_str",
    "set_index",
    "set_property",
    "to_text",
]


class NoMatch(Exception):
    """No Java overload takes these arguments: Velocity returns null."""


class VtlObject:
    """A value with its own Velocity-visible properties and methods."""

    __slots__ = ()

    def vtl_get(self, name: str) -> object:
        return None

    def vtl_call(self, name: str, args: tuple[object, ...]) -> object:
        raise NoMatch

    def vtl_set(self, name: str, value: object) -> bool:
        return False

    def vtl_str(self) -> str:
        return f"{type(self).__name__}@{id(self):x}"

    def vtl_iter(self) -> list[object] | None:
        return None


class JsonList(list[object]):
    """A JSON array from a parsed payload (``$input.path``, ``$util.parseJson``).

    API Gateway's JSON library (JSONPath for Java over json-smart) gives arrays whose
    ``toString()`` is compact JSON, unlike a Java List: ``$input.path('$')`` of
    ``{"a":1,"b":[{"c":5}]}`` prints ``{a=1, b=[{"c":5}]}`` (recorded against AWS by LocalStack's
    API Gateway tests). Objects stay Maps and print as ``{k=v}``.
    """

    __slots__ = ()


def json_text(value: object) -> str:
    """Compact JSON as a Java JSON writer gives it: non-ASCII kept, doubles by ``Double.toString``
    (``1.0E7``, where Python would write ``10000000.0``)."""
    kind = type(value)
    if kind is str:
        return _json_string(value)  # type: ignore[arg-type]
    if kind is dict:
        items = value.items()  # type: ignore[attr-defined]
        return "{" + ",".join([_json_string(java_str(k)) + ":" + json_text(v) for k, v in items]) + "}"
    if kind is list or kind is JsonList or kind is tuple:
        return "[" + ",".join([json_text(item) for item in value]) + "]"  # type: ignore[attr-defined]
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        return java_double(value)  # type: ignore[arg-type]
    if kind is int:
        return str(value)
    return _json_string(java_str(value))


def from_json(value: object) -> object:
    """Mark every JSON array in a parsed document as a :class:`JsonList` (in place for objects)."""
    if type(value) is list:
        return JsonList(from_json(item) for item in value)
    if type(value) is dict:
        for key, item in value.items():
            if type(item) is list or type(item) is dict:
                value[key] = from_json(item)
    return value


class Entry(VtlObject):
    """A ``Map.Entry`` from ``entrySet()``: ``.key``, ``.value``, prints ``k=v``."""

    __slots__ = ("key", "value")

    def __init__(self, key: object, value: object) -> None:
        self.key = key
        self.value = value

    def vtl_get(self, name: str) -> object:
        if name == "key":
            return self.key
        if name == "value":
            return self.value
        return None

    def vtl_call(self, name: str, args: tuple[object, ...]) -> object:
        if not args and name in ("getKey", "getValue"):
            return self.key if name == "getKey" else self.value
        if name == "toString" and not args:
            return self.vtl_str()
        raise NoMatch

    def vtl_str(self) -> str:
        return f"{java_str(self.key)}={java_str(self.value)}"


# ---- printing ----------------------------------------------------------------------------------


def java_double(value: float) -> str:
    """``Double.toString``: ``1.0``, ``0.001``, ``1.0E7``, ``1.0E-4``, ``NaN``, ``Infinity``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(value)
        if "e" in text:  # repr never does this in range, but be safe
            text = format(decimal.Decimal(text), "f")
        return text if "." in text else text + ".0"
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    power = exponent + len(text) - 1
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{power}"


def java_str(value: object) -> str:
    """``String.valueOf(value)``: what Java prints, ``null`` for null."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return java_double(value)  # type: ignore[arg-type]
    if kind is list or kind is tuple:
        return "[" + ", ".join([java_str(item) for item in value]) + "]"  # type: ignore[attr-defined]
    if kind is JsonList:
        return json_text(value)
    if kind is dict:
        return (
            "{"
            + ", ".join([f"{java_str(k)}={java_str(v)}" for k, v in value.items()])  # type: ignore[attr-defined]
            + "}"
        )
    if isinstance(value, VtlObject):
        return value.vtl_str()
    return str(value)


def to_text(value: object) -> str:
    """How a reference renders in the output: like ``java_str``, but null is empty (API Gateway)."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    return java_str(value)


def java_equals(left: object, right: object) -> bool:
    """Velocity's ``==``: numbers by value, same kinds by ``equals``, otherwise by ``toString``."""
    if left is None or right is None:
        return left is right
    lkind, rkind = type(left), type(right)
    lnum = lkind is int or lkind is float
    rnum = rkind is int or rkind is float
    if lnum and rnum:
        return left == right
    if lkind is rkind or (isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))):
        return _deep_equals(left, right)
    return java_str(left) == java_str(right)


def _deep_equals(left: object, right: object) -> bool:
    if type(left) is bool or type(right) is bool:
        return type(left) is type(right) and left == right
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(_deep_equals(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_deep_equals(v, right[k]) for k, v in left.items())
    if type(left) is not type(right):
        return False
    return left == right


# ---- UTF-16: Java strings count UTF-16 code units ----------------------------------------------


def _astral(text: str) -> bool:
    return bool(text) and max(text) > "\uffff"


def _to_utf16(text: str) -> str:
    """Spell astral characters as surrogate pairs so indexes count as Java's do."""
    if not _astral(text):
        return text
    return "".join(c if ord(c) <= 0xFFFF else _pair(ord(c) - 0x10000) for c in text)


def _pair(offset: int) -> str:
    return chr(0xD800 + (offset >> 10)) + chr(0xDC00 + (offset & 0x3FF))


def _from_utf16(text: str) -> str:
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


# ---- argument checks ---------------------------------------------------------------------------


def _int(value: object) -> int:
    if type(value) is not int:
        raise NoMatch
    return value


def _string(value: object) -> str:
    """A String (or char) argument; null is accepted by overload resolution and NPEs in Java."""
    if value is None:
        raise VtlRenderError("java.lang.NullPointerException")
    if type(value) is not str:
        raise NoMatch
    return value


def _arity(args: tuple[object, ...], *counts: int) -> None:
    if len(args) not in counts:
        raise NoMatch


def _regex(pattern: object) -> Any:
    try:
        return compile_java(_string(pattern))
    except JavaRegexError as exc:
        raise VtlRenderError(f"java.util.regex.PatternSyntaxException: {exc}") from None


def _out_of_bounds(kind: str, detail: str) -> VtlRenderError:
    return VtlRenderError(f"java.lang.{kind}IndexOutOfBoundsException: {detail}")


# ---- String ------------------------------------------------------------------------------------


def _s_length(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 0)
    return len(_to_utf16(s)) if _astral(s) else len(s)


def _s_substring(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 1, 2)
    units = _to_utf16(s) if _astral(s) else s
    begin = _int(args[0])
    end = _int(args[1]) if len(args) == 2 else len(units)
    if begin < 0 or end > len(units) or begin > end:
        raise _out_of_bounds("String", f"begin {begin}, end {end}, length {len(units)}")
    return _from_utf16(units[begin:end]) if units is not s else s[begin:end]


def _s_index_of(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 1, 2)
    units = _to_utf16(s) if _astral(s) else s
    needle = args[0]
    target = chr(needle) if type(needle) is int and 0 <= needle <= 0xFFFF else _string(needle)
    start = max(0, _int(args[1])) if len(args) == 2 else 0
    return units.find(target, start)


def _s_last_index_of(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 1, 2)
    units = _to_utf16(s) if _astral(s) else s
    needle = args[0]
    target = chr(needle) if type(needle) is int and 0 <= needle <= 0xFFFF else _string(needle)
    if len(args) == 2:
        start = _int(args[1])
        if start < 0:
            return -1
        return units.rfind(target, 0, start + len(target))
    return units.rfind(target)


def _s_char_at(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 1)
    units = _to_utf16(s) if _astral(s) else s
    index = _int(args[0])
    if not 0 <= index < len(units):
        raise _out_of_bounds("String", f"index {index}, length {len(units)}")
    return units[index]


def _s_replace(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 2)
    return s.replace(_string(args[0]), _string(args[1]))


def _s_replace_all(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 2)
    pattern = _regex(args[0])
    try:
        return pattern.sub(java_replacement(_string(args[1])), s)
    except JavaRegexError as exc:
        raise VtlRenderError(f"java.lang.IllegalArgumentException: {exc}") from None


def _s_replace_first(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 2)
    pattern = _regex(args[0])
    try:
        return pattern.sub(java_replacement(_string(args[1])), s, count=1)
    except JavaRegexError as exc:
        raise VtlRenderError(f"java.lang.IllegalArgumentException: {exc}") from None


def _s_matches(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 1)
    return _regex(args[0]).fullmatch(s) is not None


def _s_split(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 1, 2)
    limit = _int(args[1]) if len(args) == 2 else 0
    return java_split(_regex(args[0]), s, limit)


_JAVA_SPACE = "".join(chr(c) for c in range(33))


def _s_trim(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 0)
    return s.strip(_JAVA_SPACE)


def _s_starts_with(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 1, 2)
    offset = _int(args[1]) if len(args) == 2 else 0
    return offset >= 0 and s.startswith(_string(args[0]), offset)


def _s_compare_to(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 1)
    other = _string(args[0])
    a, b = _to_utf16(s), _to_utf16(other)
    for x, y in zip(a, b, strict=False):
        if x != y:
            return ord(x) - ord(y)
    return len(a) - len(b)


def _s_hash_code(s: str, args: tuple[object, ...]) -> object:
    _arity(args, 0)
    value = 0
    for unit in _to_utf16(s):
        value = (31 * value + ord(unit)) & 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _simple(fn: Callable[..., object], count: int = 0) -> Callable[[Any, tuple[object, ...]], object]:
    def method(obj: Any, args: tuple[object, ...]) -> object:
        _arity(args, count)
        return fn(obj, *args)

    return method


def _s_equals_ignore_case(s: str, other: object) -> object:
    return type(other) is str and s.lower() == other.lower()


STRING_METHODS: dict[str, Callable[[Any, tuple[object, ...]], object]] = {
    "length": _s_length,
    "substring": _s_substring,
    "indexOf": _s_index_of,
    "lastIndexOf": _s_last_index_of,
    "charAt": _s_char_at,
    "replace": _s_replace,
    "replaceAll": _s_replace_all,
    "replaceFirst": _s_replace_first,
    "matches": _s_matches,
    "split": _s_split,
    "trim": _s_trim,
    "startsWith": _s_starts_with,
    "compareTo": _s_compare_to,
    "hashCode": _s_hash_code,
    "toLowerCase": _simple(str.lower),
    "toUpperCase": _simple(str.upper),
    "endsWith": _simple(lambda s, x: s.endswith(_string(x)), 1),
    "contains": _simple(lambda s, x: _string(x) in s, 1),
    "equals": _simple(lambda s, x: type(x) is str and s == x, 1),
    "equalsIgnoreCase": _simple(_s_equals_ignore_case, 1),
    "isEmpty": _simple(lambda s: not s),
    "concat": _simple(lambda s, x: s + _string(x), 1),
    "toString": _simple(lambda s: s),
    "compareToIgnoreCase": _simple(lambda s, x: _s_compare_to(s.lower(), (_string(x).lower(),)), 1),
}


# ---- List --------------------------------------------------------------------------------------


def _list_index(items: list[object], index: object, *, inclusive: bool = False) -> int:
    i = _int(index)
    if not 0 <= i < len(items) + (1 if inclusive else 0):
        raise _out_of_bounds("", f"Index: {i}, Size: {len(items)}")
    return i


def _l_get(items: list[object], args: tuple[object, ...]) -> object:
    _arity(args, 1)
    return items[_list_index(items, args[0])]


def _l_add(items: list[object], args: tuple[object, ...]) -> object:
    _arity(args, 1, 2)
    if len(args) == 1:
        items.append(args[0])
        return True
    items.insert(_list_index(items, args[0], inclusive=True), args[1])
    return None


def _l_set(items: list[object], args: tuple[object, ...]) -> object:
    _arity(args, 2)
    i = _list_index(items, args[0])
    previous = items[i]
    items[i] = args[1]
    return previous


def _l_remove(items: list[object], args: tuple[object, ...]) -> object:
    _arity(args, 1)
    if type(args[0]) is int:
        return items.pop(_list_index(items, args[0]))
    for i, item in enumerate(items):
        if java_equals(item, args[0]) and type(item) is type(args[0]):
            del items[i]
            return True
    return False


def _l_index_of(items: list[object], target: object) -> int:
    for i, item in enumerate(items):
        if _deep_equals(item, target):
            return i
    return -1


def _l_sublist(items: list[object], args: tuple[object, ...]) -> object:
    _arity(args, 2)
    begin, end = _int(args[0]), _int(args[1])
    if begin < 0 or end > len(items) or begin > end:
        raise _out_of_bounds("", f"fromIndex: {begin}, toIndex: {end}, size: {len(items)}")
    return items[begin:end]


def _l_add_all(items: list[object], other: object) -> object:
    if not isinstance(other, list):
        raise NoMatch
    items.extend(other)
    return bool(other)


LIST_METHODS: dict[str, Callable[[Any, tuple[object, ...]], object]] = {
    "get": _l_get,
    "add": _l_add,
    "set": _l_set,
    "remove": _l_remove,
    "subList": _l_sublist,
    "size": _simple(len),
    "isEmpty": _simple(lambda items: not items),
    "contains": _simple(lambda items, x: _l_index_of(items, x) >= 0, 1),
    "indexOf": _simple(_l_index_of, 1),
    "addAll": _simple(_l_add_all, 1),
    "clear": _simple(lambda items: items.clear()),
    "toString": _simple(java_str),
    "equals": _simple(_deep_equals, 1),
    "containsAll": _simple(lambda items, x: all(_l_index_of(items, i) >= 0 for i in _iterable(x)), 1),
}


def _iterable(value: object) -> Iterable[object]:
    if isinstance(value, list):
        return value
    raise NoMatch


# ---- Map ---------------------------------------------------------------------------------------


def _m_put(mapping: dict[object, object], key: object, value: object) -> object:
    previous = mapping.get(key)
    mapping[key] = value
    return previous


def _m_put_all(mapping: dict[object, object], other: object) -> object:
    if not isinstance(other, dict):
        raise NoMatch
    mapping.update(other)
    return None


def _m_put_if_absent(mapping: dict[object, object], key: object, value: object) -> object:
    previous = mapping.get(key)
    if previous is None:
        mapping[key] = value
    return previous


MAP_METHODS: dict[str, Callable[[Any, tuple[object, ...]], object]] = {
    "get": _simple(lambda m, k: m.get(k), 1),
    "put": _simple(_m_put, 2),
    "putAll": _simple(_m_put_all, 1),
    "putIfAbsent": _simple(_m_put_if_absent, 2),
    "remove": _simple(lambda m, k: m.pop(k, None), 1),
    "size": _simple(len),
    "isEmpty": _simple(lambda m: not m),
    "containsKey": _simple(lambda m, k: k in m, 1),
    "containsValue": _simple(lambda m, v: any(_deep_equals(x, v) for x in m.values()), 1),
    "keySet": _simple(list),
    "values": _simple(lambda m: list(m.values())),
    "entrySet": _simple(lambda m: [Entry(k, v) for k, v in m.items()]),
    "getOrDefault": _simple(lambda m, k, d: m.get(k, d), 2),
    "clear": _simple(lambda m: m.clear()),
    "toString": _simple(java_str),
    "equals": _simple(_deep_equals, 1),
}


# ---- numbers and booleans ----------------------------------------------------------------------


def _n_compare_to(number: Any, other: object) -> object:
    if type(other) not in (int, float):
        raise NoMatch
    return (number > other) - (number < other)


NUMBER_METHODS: dict[str, Callable[[Any, tuple[object, ...]], object]] = {
    "toString": _simple(java_str),
    "intValue": _simple(lambda n: _wrap_int(int(n))),
    "longValue": _simple(int),
    "doubleValue": _simple(float),
    "floatValue": _simple(float),
    "compareTo": _simple(_n_compare_to, 1),
    "equals": _simple(lambda n, x: type(x) is type(n) and x == n, 1),
    "isNaN": _simple(lambda n: isinstance(n, float) and math.isnan(n)),
    "isInfinite": _simple(lambda n: isinstance(n, float) and math.isinf(n)),
}

BOOLEAN_METHODS: dict[str, Callable[[Any, tuple[object, ...]], object]] = {
    "toString": _simple(java_str),
    "booleanValue": _simple(lambda b: b),
    "equals": _simple(lambda b, x: type(x) is bool and x == b, 1),
}


def _wrap_int(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


_METHODS: dict[type, dict[str, Callable[[Any, tuple[object, ...]], object]]] = {
    str: STRING_METHODS,
    list: LIST_METHODS,
    JsonList: LIST_METHODS,
    dict: MAP_METHODS,
    int: NUMBER_METHODS,
    float: NUMBER_METHODS,
    bool: BOOLEAN_METHODS,
}


def call_method(obj: object, name: str, args: tuple[object, ...]) -> object:
    """``obj.name(args)`` with Velocity's rules: null on a null target or a missing method."""
    if obj is None:
        return None
    table = _METHODS.get(type(obj))
    try:
        if table is None:
            if isinstance(obj, VtlObject):
                return obj.vtl_call(name, args)
            return None
        method = table.get(name)
        if method is None:
            return None
        return method(obj, args)
    except NoMatch:
        return None


def get_property(obj: object, name: str) -> object:
    """``obj.name``: ``get("name")`` on a Map, ``getName()``/``isName()`` elsewhere."""
    kind = type(obj)
    if kind is dict:
        return obj.get(name)  # type: ignore[attr-defined]
    if obj is None:
        return None
    if isinstance(obj, VtlObject):
        return obj.vtl_get(name)
    if name == "empty" and kind in (str, list, JsonList):
        return not obj
    return None


def get_index(obj: object, key: object) -> object:
    """``obj[key]``: a List index (negative counts from the end, as in Velocity 1.7) or a Map key."""
    kind = type(obj)
    if kind is dict:
        return obj.get(key)  # type: ignore[attr-defined]
    if kind is list or kind is JsonList:
        if type(key) is not int:
            return None
        items: list[object] = obj  # type: ignore[assignment]
        index = key + len(items) if key < 0 else key
        if not 0 <= index < len(items):
            raise _out_of_bounds("", f"Index: {key}, Size: {len(items)}")
        return items[index]
    if isinstance(obj, VtlObject):
        try:
            return obj.vtl_call("get", (key,))
        except NoMatch:
            return None
    return None


def set_property(obj: object, name: str, value: object) -> None:
    """``#set($obj.name = value)``: ``put`` on a Map, a setter on objects that have one."""
    if type(obj) is dict:
        obj[name] = value
    elif isinstance(obj, VtlObject):
        obj.vtl_set(name, value)


def set_index(obj: object, key: object, value: object) -> None:
    """``#set($obj[key] = value)``: ``set`` on a List, ``put`` on a Map."""
    if type(obj) is dict:
        obj[key] = value
    elif isinstance(obj, VtlObject):
        obj.vtl_set(java_str(key), value)
    elif isinstance(obj, list) and type(key) is int:
        items: list[object] = obj
        index = key + len(items) if key < 0 else key
        if not 0 <= index < len(items):
            raise _out_of_bounds("", f"Index: {key}, Size: {len(items)}")
        items[index] = value
