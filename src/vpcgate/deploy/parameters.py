"""Stack parameters: overrides as SAM writes them, the Parameters section, types and constraints.

AWS: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
and the AWS-specific types (``AWS::EC2::Subnet::Id`` ...):
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html

- Overrides are tokens, each ``Key=Value`` or ``ParameterKey=K,ParameterValue=V`` (what
  ``sam deploy --parameter-overrides`` and ``aws cloudformation deploy`` accept). The value is the rest
  of the token: it may contain ``=`` and ``,``. A key given twice: the last one wins (as in SAM).
- ``Ref`` of a Number gives a string (AWS: "the parameter value becomes a string"); the list types
  give lists of strings. CommaDelimitedList items are kept as written (no trimming); List<Number> and
  List<AWS::...> items are trimmed (they cannot contain spaces).
- AWS checks AWS-specific values against the account; locally only their shape is checked
  (``sg-`` and 8 or 17 hex digits, ...).
- AllowedPattern must match the whole value (each item of a CommaDelimitedList).
- NoEcho values print as ``****`` (:class:`ParameterValue` masks itself in ``str`` and ``repr``);
  constraint errors never echo them.

Errors::

    ParameterError
    ├── a bad override token, or an override naming no parameter of any template
    ├── Parameters: [A, B] must have values          (all missing ones at once)
    ├── a value that breaks its type or a constraint (ConstraintDescription when given)
    └── a malformed Parameters entry (unknown Type, bad MinLength, ...)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vpcgate.deploy.pointer import child
from vpcgate.errors import ParameterError

MASK = "****"

# Shape checks for the id-like AWS-specific types; the others only need to be non-empty.
_ID_PREFIX = {
    "AWS::EC2::SecurityGroup::Id": "sg",
    "AWS::EC2::Subnet::Id": "subnet",
    "AWS::EC2::VPC::Id": "vpc",
    "AWS::EC2::Instance::Id": "i",
    "AWS::EC2::Image::Id": "ami",
    "AWS::EC2::Volume::Id": "vol",
}
_NAME_TYPES = frozenset(
    {
        "AWS::EC2::AvailabilityZone::Name",
        "AWS::EC2::KeyPair::KeyName",
        "AWS::EC2::SecurityGroup::GroupName",
        "AWS::Route53::HostedZone::Id",
        "AWS::SSM::Parameter::Name",
    }
)
AWS_TYPES = frozenset(_ID_PREFIX) | _NAME_TYPES
BASIC_TYPES = frozenset({"String", "Number", "List<Number>", "CommaDelimitedList"})
_SPEC_KEYS = frozenset(
    {
        "Type",
        "Default",
        "AllowedValues",
        "AllowedPattern",
        "MinLength",
        "MaxLength",
        "MinValue",
        "MaxValue",
        "NoEcho",
        "ConstraintDescription",
        "Description",
    }
)


@dataclass(frozen=True, repr=False)
class ParameterValue:
    """A resolved parameter. ``value`` is a string, or a tuple of strings for the list types."""

    value: str | tuple[str, ...]
    no_echo: bool = False

    def display(self) -> str:
        """What a person may see: ``****`` for NoEcho, lists comma-joined."""
        if self.no_echo:
            return MASK
        return self.value if isinstance(self.value, str) else ",".join(self.value)

    def ref(self) -> str | list[str]:
        """What ``Ref`` gives."""
        return self.value if isinstance(self.value, str) else list(self.value)

    def __str__(self) -> str:
        return self.display()

    def __repr__(self) -> str:
        return f"ParameterValue({self.display()!r}, no_echo={self.no_echo})"


@dataclass(frozen=True)
class ParameterSpec:
    """One entry of the Parameters section, checked."""

    name: str
    type: str
    default: str | None = None
    allowed_values: tuple[str, ...] | None = None
    allowed_pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    no_echo: bool = False
    constraint_description: str | None = None

    @property
    def is_list(self) -> bool:
        return self.type == "CommaDelimitedList" or self.type.startswith("List<")

    @property
    def item_type(self) -> str:
        """``String`` for CommaDelimitedList, the inner type for ``List<...>``, else the type."""
        if self.type == "CommaDelimitedList":
            return "String"
        if self.type.startswith("List<"):
            return self.type[5:-1]
        return self.type


# ---------------------------------------------------------------------------------------------- overrides

_PARAMETER_KEY_FORM = re.compile(r"ParameterKey=([^,]*),ParameterValue=(.*)", re.DOTALL)


def parse_overrides(tokens: Sequence[str]) -> dict[str, str]:
    """``["A=1", "ParameterKey=B,ParameterValue=x,y"]`` → ``{"A": "1", "B": "x,y"}``."""
    result: dict[str, str] = {}
    for token in tokens:
        if token.startswith("ParameterKey="):
            match = _PARAMETER_KEY_FORM.fullmatch(token)
            if match is None:
                raise ParameterError(
                    f"bad parameter override {token!r}: expected ParameterKey=Name,ParameterValue=Value"
                )
            key, value = match.group(1), match.group(2)
        else:
            key, sep, value = token.partition("=")
            if not sep:
                raise ParameterError(f"bad parameter override {token!r}: expected Key=Value")
        if not key:
            raise ParameterError(f"bad parameter override {token!r}: the parameter name is empty")
        result[key] = value
    return result


# ---------------------------------------------------------------------------------------- the section


def parse_specs(section: Mapping[str, Any]) -> dict[str, ParameterSpec]:
    """The Parameters section → specs (raises ParameterError at ``/Parameters/<name>/...``)."""
    specs: dict[str, ParameterSpec] = {}
    for name, raw in section.items():
        specs[str(name)] = _parse_spec(str(name), raw)
    return specs


def _spec_error(name: str, message: str, *parts: str) -> ParameterError:
    return ParameterError(message, logical_id=name, pointer=child("/Parameters", name, *parts))


def _parse_spec(name: str, raw: Any) -> ParameterSpec:
    if not re.fullmatch(r"[A-Za-z0-9]+", name):
        raise _spec_error(name, "parameter names must be alphanumeric")
    if not isinstance(raw, dict):
        raise _spec_error(name, "a parameter must be an object with a Type")
    for key in raw:
        if key not in _SPEC_KEYS:
            raise _spec_error(name, f"Invalid template parameter property {key!r}", str(key))
    ptype = raw.get("Type")
    if not isinstance(ptype, str):
        raise _spec_error(name, "the parameter has no Type", "Type")
    _check_type(name, ptype)
    return ParameterSpec(
        name=name,
        type=ptype,
        default=_default(name, raw.get("Default")),
        allowed_values=_allowed_values(name, raw.get("AllowedValues")),
        allowed_pattern=_pattern(name, raw.get("AllowedPattern")),
        min_length=_number(name, raw, "MinLength", integer=True),
        max_length=_number(name, raw, "MaxLength", integer=True),
        min_value=_number(name, raw, "MinValue"),
        max_value=_number(name, raw, "MaxValue"),
        no_echo=str(raw.get("NoEcho", "false")).lower() == "true",
        constraint_description=_optional_str(raw.get("ConstraintDescription")),
    )


def _check_type(name: str, ptype: str) -> None:
    inner = ptype[5:-1] if ptype.startswith("List<") and ptype.endswith(">") else None
    if ptype in BASIC_TYPES or ptype in AWS_TYPES or (inner is not None and inner in AWS_TYPES):
        return
    if ptype.startswith(("AWS::SSM::Parameter::Value", "List<AWS::SSM::Parameter::Value")):
        raise _spec_error(
            name, f"parameter type {ptype} reads AWS Systems Manager: not supported locally", "Type"
        )
    supported = sorted(BASIC_TYPES) + sorted(AWS_TYPES) + [f"List<{t}>" for t in sorted(AWS_TYPES)]
    raise _spec_error(name, f"unknown parameter type {ptype!r}; supported: {', '.join(supported)}", "Type")


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _default(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(_scalar_text(v) for v in value)
    if isinstance(value, dict):
        raise _spec_error(
            name, "Default must be a plain value (intrinsic functions are not allowed)", "Default"
        )
    return _scalar_text(value)


def _allowed_values(name: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or any(isinstance(v, dict | list) for v in value):
        raise _spec_error(name, "AllowedValues must be a list of plain values", "AllowedValues")
    return tuple(_scalar_text(v) for v in value)


def _pattern(name: str, value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    try:
        re.compile(text)
    except re.error as exc:
        message = f"AllowedPattern is not a valid regular expression: {exc}"
        raise _spec_error(name, message, "AllowedPattern") from None
    return text


def _number(name: str, raw: Mapping[str, Any], key: str, *, integer: bool = False) -> Any:
    value = raw.get(key)
    if value is None:
        return None
    try:
        number = int(str(value)) if integer else float(str(value))
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise _spec_error(name, f"{key} must be {kind}", key) from None
    return number


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------------------------------- resolving


def resolve_parameters(
    specs: Mapping[str, ParameterSpec], given: Mapping[str, str]
) -> dict[str, ParameterValue]:
    """Given values (else defaults) checked against their specs. All missing ones are named at once."""
    missing = [name for name, spec in specs.items() if name not in given and spec.default is None]
    if missing:
        raise ParameterError(f"Parameters: [{', '.join(missing)}] must have values", pointer="/Parameters")
    values: dict[str, ParameterValue] = {}
    for name, spec in specs.items():
        text = given.get(name, spec.default)
        assert text is not None  # missing ones were reported above
        values[name] = ParameterValue(value=check_value(spec, text), no_echo=spec.no_echo)
    return values


def check_value(spec: ParameterSpec, text: str) -> str | tuple[str, ...]:
    """``text`` converted to the spec's type and checked against its constraints."""
    if not spec.is_list:
        _check_item(spec, text)
        _check_length(spec, text)
        return text
    items = text.split(",")
    if spec.type != "CommaDelimitedList":
        items = [item.strip() for item in items]
    for item in items:
        _check_item(spec, item)
    return tuple(items)


def _violation(spec: ParameterSpec, problem: str) -> ParameterError:
    if spec.constraint_description:
        message = f"Parameter '{spec.name}' failed to satisfy constraint: {spec.constraint_description}"
    else:
        message = f"Parameter '{spec.name}' {problem}"
    return ParameterError(message, logical_id=spec.name, pointer=child("/Parameters", spec.name))


def _shown(spec: ParameterSpec, text: str) -> str:
    return MASK if spec.no_echo else repr(text)


def _check_item(spec: ParameterSpec, text: str) -> None:
    item_type = spec.item_type
    if item_type == "Number":
        _check_number(spec, text)
    elif item_type in _ID_PREFIX:
        prefix = _ID_PREFIX[item_type]
        if not re.fullmatch(rf"{prefix}-(?:[0-9a-f]{{8}}|[0-9a-f]{{17}})", text):
            raise _violation(
                spec, f"must be a {item_type} ({prefix}- and 8 or 17 hex digits), not {_shown(spec, text)}"
            )
    elif item_type in _NAME_TYPES and not text:
        raise _violation(spec, f"must be a non-empty {item_type}")
    if spec.allowed_values is not None and text not in spec.allowed_values:
        raise _violation(spec, f"must be one of {list(spec.allowed_values)}, not {_shown(spec, text)}")
    pattern = spec.allowed_pattern
    if pattern is not None and item_type == "String" and re.fullmatch(pattern, text) is None:
        raise _violation(spec, f"must match pattern {spec.allowed_pattern}")


def _check_number(spec: ParameterSpec, text: str) -> None:
    try:
        number = float(text.strip())
    except ValueError:
        raise _violation(spec, f"must be a number, not {_shown(spec, text)}") from None
    if math.isnan(number) or math.isinf(number):
        raise _violation(spec, f"must be a finite number, not {_shown(spec, text)}")
    if spec.min_value is not None and number < spec.min_value:
        raise _violation(spec, f"must be a number not less than {_scalar_text(spec.min_value)}")
    if spec.max_value is not None and number > spec.max_value:
        raise _violation(spec, f"must be a number not greater than {_scalar_text(spec.max_value)}")


def _check_length(spec: ParameterSpec, text: str) -> None:
    if spec.type == "Number":
        return
    if spec.min_length is not None and len(text) < spec.min_length:
        raise _violation(spec, f"must contain at least {spec.min_length} characters")
    if spec.max_length is not None and len(text) > spec.max_length:
        raise _violation(spec, f"must contain at most {spec.max_length} characters")
