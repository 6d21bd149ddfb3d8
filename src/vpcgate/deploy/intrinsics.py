"""Intrinsic functions, evaluated on JSON-shaped data exactly as CloudFormation documents them.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
(one page per function: ``intrinsic-function-reference-{ref,getatt,join,sub,select,split,
conditions,findinmap,base64,getavailabilityzones,cidr,importvalue}.html``).

Rules kept from those pages, and the local choices where AWS is silent:

- ``Fn::If`` evaluates only the branch its condition picks, so a ``Ref`` to a resource whose
  Condition is false is fine inside the branch not taken, and an error anywhere else.
- ``AWS::NoValue`` (:data:`NO_VALUE`) removes the key or list item holding it; a function that needs
  a value (Join's delimiter, Sub's variables, ...) rejects it.
- ``Fn::Sub``: ``${Name}`` is a variable of the map, else a parameter / pseudo parameter / resource
  (as Ref), ``${Res.Attr}`` is Fn::GetAtt; ``${!Literal}`` is written ``${Literal}``. The string
  itself must be written literally (no function), as the Sub page requires.
- ``Fn::Select``: the index must be 0..len-1 ("out of bounds ... will result in a stack error"); a
  negative index is an error too.
- ``Fn::Equals`` compares scalars as text (``1`` equals ``"1"``: parameters are strings anyway).
- ``Fn::And`` / ``Fn::Or`` take 2..10 conditions; ``Fn::Not`` exactly one; an operand is a condition
  function or ``{"Condition": name}``.
- ``Fn::GetAZs`` with ``""`` means the stack's region (see :mod:`vpcgate.deploy.pseudo` for the list).
- Numbers and booleans join and substitute as text (``true``/``false``).
- ``Fn::Transform`` and any other ``Fn::`` name are refused (no transforms or macros locally).

Errors (TemplateError with the JSON pointer of the function; the deployer adds file and logical id)::

    TemplateError
    ├── wrong argument shape for a function ("Fn::Join requires [delimiter, [values]]", ...)
    ├── unknown Ref / GetAtt target, skipped (Condition false) resource, unknown attribute
    ├── missing mapping key, missing export, unknown condition, index out of range
    └── unsupported function (Fn::Transform, Fn::Length, ...)
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from vpcgate.deploy.cidr import cidr
from vpcgate.deploy.pointer import child
from vpcgate.deploy.providers.base import Deployed
from vpcgate.deploy.pseudo import availability_zones
from vpcgate.errors import TemplateError


class _NoValue:
    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()

SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Scope:
    """What an expression may see. ``resource`` is None where resources are not allowed (Conditions)."""

    region: str
    names: Mapping[str, Any]  # parameters and pseudo parameters: their Ref values
    mappings: Mapping[str, Any]
    exports: Mapping[str, str]
    condition: Callable[[str, str], bool]  # (name, pointer) → value
    resource: Callable[[str, str], Deployed] | None  # (logical id, pointer) → deployed, or raise


def text_of(value: Any) -> str | None:
    """A scalar as CloudFormation writes it into strings; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


class Evaluator:
    """Resolves intrinsic functions in a value; one per scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._functions: dict[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Sub": self._sub,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Not": self._not,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::GetAZs": self._get_azs,
            "Fn::Cidr": self._cidr,
            "Fn::ImportValue": self._import_value,
        }

    # ------------------------------------------------------------------------------------- walking

    def resolve(self, node: Any, pointer: str) -> Any:
        """``node`` with every intrinsic evaluated; may return :data:`NO_VALUE`."""
        if isinstance(node, dict):
            if len(node) == 1:
                key = next(iter(node))
                function = self._functions.get(key)
                if function is not None:
                    return function(node[key], child(pointer, key))
                if isinstance(key, str) and key.startswith("Fn::"):
                    raise TemplateError(
                        f"{key} is not supported (no transforms or macros run locally)",
                        pointer=child(pointer, key),
                    )
            out: dict[str, Any] = {}
            for key, value in node.items():
                resolved = self.resolve(value, child(pointer, key))
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(node, list):
            items = (self.resolve(item, child(pointer, i)) for i, item in enumerate(node))
            return [item for item in items if item is not NO_VALUE]
        return node

    def _value(self, node: Any, pointer: str, what: str) -> Any:
        value = self.resolve(node, pointer)
        if value is NO_VALUE:
            raise TemplateError(f"{what} cannot be AWS::NoValue", pointer=pointer)
        return value

    def _text(self, node: Any, pointer: str, what: str) -> str:
        text = text_of(self._value(node, pointer, what))
        if text is None:
            raise TemplateError(f"{what} must be a string", pointer=pointer)
        return text

    def _int(self, node: Any, pointer: str, what: str) -> int:
        value = self._value(node, pointer, what)
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TemplateError(f"{what} must be an integer", pointer=pointer)
        try:
            return int(value)
        except ValueError:
            raise TemplateError(f"{what} must be an integer, not {value!r}", pointer=pointer) from None

    def _list(self, node: Any, pointer: str, what: str) -> list[Any]:
        value = self._value(node, pointer, what)
        if not isinstance(value, list):
            raise TemplateError(f"{what} must be a list", pointer=pointer)
        return value

    @staticmethod
    def _args(args: Any, pointer: str, name: str, count: int, shape: str) -> list[Any]:
        if not isinstance(args, list) or len(args) != count:
            raise TemplateError(f"{name} requires {shape}", pointer=pointer)
        return args

    # ----------------------------------------------------------------------------- Ref and GetAtt

    def _ref(self, args: Any, pointer: str) -> Any:
        if not isinstance(args, str):
            raise TemplateError("Ref requires the name of a parameter or resource", pointer=pointer)
        return self.ref(args, pointer)

    def ref(self, name: str, pointer: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.scope.names:
            value = self.scope.names[name]
            return list(value) if isinstance(value, list | tuple) else value
        return self._resource(name, pointer).physical_id

    def _resource(self, logical_id: str, pointer: str) -> Deployed:
        if self.scope.resource is None:
            raise TemplateError(
                f"{logical_id!r} is not a parameter: only parameters and pseudo parameters can be used here",
                pointer=pointer,
            )
        return self.scope.resource(logical_id, pointer)

    def _get_att(self, args: Any, pointer: str) -> Any:
        if isinstance(args, str) and "." in args:
            args = args.split(".", 1)
        if not isinstance(args, list) or len(args) != 2 or not isinstance(args[0], str):
            raise TemplateError("Fn::GetAtt requires [LogicalId, AttributeName]", pointer=pointer)
        attribute = self._text(args[1], child(pointer, 1), "Fn::GetAtt's attribute name")
        return self.get_att(args[0], attribute, pointer)

    def get_att(self, logical_id: str, attribute: str, pointer: str) -> Any:
        deployed = self._resource(logical_id, pointer)
        if attribute not in deployed.attributes:
            known = ", ".join(sorted(deployed.attributes)) or "none"
            raise TemplateError(
                f"Template error: resource {logical_id} ({deployed.resource_type}) does not support "
                f"attribute {attribute!r}; it has: {known}",
                pointer=pointer,
            )
        value = deployed.attributes[attribute]
        return list(value) if isinstance(value, list | tuple) else value

    # ------------------------------------------------------------------------------ string functions

    def _join(self, args: Any, pointer: str) -> str:
        shape = "[delimiter, [values]]"
        delimiter_node, values_node = self._args(args, pointer, "Fn::Join", 2, shape)
        delimiter = self._text(delimiter_node, child(pointer, 0), "Fn::Join's delimiter")
        values = self._list(values_node, child(pointer, 1), "Fn::Join's values")
        parts = []
        for i, value in enumerate(values):
            text = text_of(value)
            if text is None:
                raise TemplateError("Fn::Join can only join strings", pointer=child(pointer, 1, i))
            parts.append(text)
        return delimiter.join(parts)

    def _sub(self, args: Any, pointer: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(args, list):
            if len(args) != 2 or not isinstance(args[1], dict):
                raise TemplateError("Fn::Sub requires a string or [string, {variables}]", pointer=pointer)
            source = args[0]
            for name, node in args[1].items():
                variables[str(name)] = self._value(node, child(pointer, 1, name), f"Sub variable {name}")
            source_pointer = child(pointer, 0)
        else:
            source, source_pointer = args, pointer
        if not isinstance(source, str):
            raise TemplateError("Fn::Sub's string must be written literally (no functions)", pointer=pointer)
        try:
            return substitute(source, lambda name: self._sub_variable(name, variables, source_pointer))
        except TemplateError as exc:
            raise exc.located(pointer=source_pointer) from None

    def _sub_variable(self, name: str, variables: Mapping[str, Any], pointer: str) -> str:
        if name in variables:
            value = variables[name]
        elif name in self.scope.names or "." not in name:
            value = self.ref(name, pointer)
        else:
            logical_id, attribute = name.split(".", 1)
            value = self.get_att(logical_id, attribute, pointer)
        text = text_of(value)
        if text is None:
            raise TemplateError(
                f"Fn::Sub variable ${{{name}}} must be a string, not {value!r}", pointer=pointer
            )
        return text

    def _select(self, args: Any, pointer: str) -> Any:
        index_node, list_node = self._args(args, pointer, "Fn::Select", 2, "[index, [values]]")
        index = self._int(index_node, child(pointer, 0), "Fn::Select's index")
        values = self._list(list_node, child(pointer, 1), "Fn::Select's list")
        return select(index, values, pointer)

    def _split(self, args: Any, pointer: str) -> list[str]:
        delimiter_node, source_node = self._args(args, pointer, "Fn::Split", 2, "[delimiter, string]")
        delimiter = self._text(delimiter_node, child(pointer, 0), "Fn::Split's delimiter")
        source = self._text(source_node, child(pointer, 1), "Fn::Split's string")
        if not delimiter:
            raise TemplateError("Fn::Split's delimiter cannot be empty", pointer=child(pointer, 0))
        return source.split(delimiter)

    def _base64(self, args: Any, pointer: str) -> str:
        text = self._text(args, pointer, "Fn::Base64's value")
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    # ------------------------------------------------------------------------------ condition functions

    def condition_value(self, node: Any, pointer: str) -> bool:
        """An operand of And/Or/Not: ``{"Condition": name}`` or something evaluating to a boolean."""
        if isinstance(node, dict) and len(node) == 1 and "Condition" in node:
            name = node["Condition"]
            if not isinstance(name, str):
                raise TemplateError(
                    "Condition requires a condition name", pointer=child(pointer, "Condition")
                )
            return bool(self.scope.condition(name, child(pointer, "Condition")))
        value = self._value(node, pointer, "a condition")
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise TemplateError(
                "a condition must be a condition function or {Condition: name}", pointer=pointer
            )
        return value

    def _if(self, args: Any, pointer: str) -> Any:
        shape = "[condition name, value if true, value if false]"
        name, when_true, when_false = self._args(args, pointer, "Fn::If", 3, shape)
        if not isinstance(name, str):
            raise TemplateError("Fn::If's first item must be a condition name", pointer=child(pointer, 0))
        if self.scope.condition(name, child(pointer, 0)):
            return self.resolve(when_true, child(pointer, 1))
        return self.resolve(when_false, child(pointer, 2))

    def _equals(self, args: Any, pointer: str) -> bool:
        left, right = self._args(args, pointer, "Fn::Equals", 2, "[value, value]")
        left_value = _comparable(self.resolve(left, child(pointer, 0)))
        right_value = _comparable(self.resolve(right, child(pointer, 1)))
        return bool(left_value == right_value)

    def _conditions(self, args: Any, pointer: str, name: str) -> list[bool]:
        if not isinstance(args, list) or not 2 <= len(args) <= 10:
            raise TemplateError(f"{name} requires a list of 2 to 10 conditions", pointer=pointer)
        return [self.condition_value(node, child(pointer, i)) for i, node in enumerate(args)]

    def _and(self, args: Any, pointer: str) -> bool:
        return all(self._conditions(args, pointer, "Fn::And"))

    def _or(self, args: Any, pointer: str) -> bool:
        return any(self._conditions(args, pointer, "Fn::Or"))

    def _not(self, args: Any, pointer: str) -> bool:
        (node,) = self._args(args, pointer, "Fn::Not", 1, "a list of exactly one condition")
        return not self.condition_value(node, child(pointer, 0))

    # ------------------------------------------------------------------------------ lookups

    def _find_in_map(self, args: Any, pointer: str) -> Any:
        shape = "[MapName, TopLevelKey, SecondLevelKey]"
        nodes = self._args(args, pointer, "Fn::FindInMap", 3, shape)
        keys = [self._text(node, child(pointer, i), "a Fn::FindInMap key") for i, node in enumerate(nodes)]
        mapping = self.scope.mappings.get(keys[0])
        if not isinstance(mapping, dict):
            raise TemplateError(
                f"Mapping named {keys[0]!r} is not present in the 'Mappings' section of template",
                pointer=child(pointer, 0),
            )
        top = _lookup(mapping, keys[1])
        if not isinstance(top, dict):
            raise TemplateError(f"Mapping {keys[0]!r} has no key {keys[1]!r}", pointer=child(pointer, 1))
        value = _lookup(top, keys[2])
        if value is None:
            raise TemplateError(
                f"Mapping {keys[0]!r} key {keys[1]!r} has no key {keys[2]!r}", pointer=child(pointer, 2)
            )
        return list(value) if isinstance(value, list) else value

    def _get_azs(self, args: Any, pointer: str) -> list[str]:
        region = self._text(args, pointer, "Fn::GetAZs's region")
        return availability_zones(region or self.scope.region)

    def _cidr(self, args: Any, pointer: str) -> list[str]:
        block_node, count_node, bits_node = self._args(
            args, pointer, "Fn::Cidr", 3, "[ipBlock, count, cidrBits]"
        )
        block = self._text(block_node, child(pointer, 0), "Fn::Cidr's ipBlock")
        count = self._int(count_node, child(pointer, 1), "Fn::Cidr's count")
        bits = self._int(bits_node, child(pointer, 2), "Fn::Cidr's cidrBits")
        try:
            return cidr(block, count, bits)
        except ValueError as exc:
            raise TemplateError(f"Fn::Cidr: {exc}", pointer=pointer) from None

    def _import_value(self, args: Any, pointer: str) -> str:
        name = self._text(args, pointer, "Fn::ImportValue's export name")
        if name not in self.scope.exports:
            raise TemplateError(
                f"No export named {name} found (exports come from the Outputs of earlier templates "
                "in the same run)",
                pointer=pointer,
            )
        return self.scope.exports[name]


def substitute(source: str, lookup: Callable[[str], str]) -> str:
    """Fn::Sub's text rules: ``${!X}`` → ``${X}``, ``${name}`` → ``lookup(name)``."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("!"):
            return "${" + inner[1:] + "}"
        name = inner.strip()
        if not name:
            raise TemplateError("Fn::Sub has an empty variable ${}")
        return lookup(name)

    return SUB_VARIABLE.sub(replace, source)


def sub_names(source: str) -> list[str]:
    """The variable names ``source`` refers to (``${!X}`` excluded): for the dependency graph."""
    names = []
    for match in SUB_VARIABLE.finditer(source):
        inner = match.group(1)
        if not inner.startswith("!") and inner.strip():
            names.append(inner.strip())
    return names


def select(index: int, values: list[Any], pointer: str = "") -> Any:
    if not 0 <= index < len(values):
        raise TemplateError(
            f"Fn::Select index {index} is out of bounds for a list of {len(values)}", pointer=pointer
        )
    return values[index]


def _lookup(mapping: Mapping[Any, Any], key: str) -> Any:
    if key in mapping:
        return mapping[key]
    for candidate, value in mapping.items():
        if text_of(candidate) == key:
            return value
    return None


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    text = text_of(value)
    return text if text is not None else value
