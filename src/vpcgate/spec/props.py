"""Typed reads from a JSON object, each failure located by the path to the bad value.

The Swagger/OpenAPI importers and the AWS::ApiGateway::* providers read nested JSON; every read
here either returns a checked Python value or raises :class:`SpecError` carrying the path from the
object the reader started at. The provider boundary turns the path into a template JSON pointer.

CloudFormation passes numbers and booleans through templates as strings as often as not ("300",
"true"), and accepts them: so do these readers.

::

    TemplateError (vpcgate.errors)
    └── SpecError        a value in an API definition is wrong; ``path`` locates it
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from vpcgate.errors import TemplateError

Path = tuple[str | int, ...]
E = TypeVar("E", bound=StrEnum)


def pointer(path: Path) -> str:
    """The RFC 6901 JSON pointer for ``path``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


class SpecError(TemplateError):
    """A value in an API definition is wrong; ``path`` is where, relative to the reader's root."""

    def __init__(self, message: str, path: Path = ()) -> None:
        self.path = path
        super().__init__(message, pointer=pointer(path))


@dataclass(frozen=True)
class Props:
    """A JSON object and the path to it."""

    data: Mapping[str, Any]
    path: Path = ()

    @staticmethod
    def of(value: Any, path: Path = (), what: str = "an object") -> Props:
        if not isinstance(value, Mapping):
            raise SpecError(f"expected {what}, got {_kind(value)}", path)
        return Props(value, path)

    def fail(self, message: str, *more: str | int) -> SpecError:
        return SpecError(message, self.path + more)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f"{key} must be a string, got {_kind(value)}", key)
        return str(value)

    def required_text(self, key: str) -> str:
        value = self.text(key)
        if value is None or value == "":
            raise self.fail(f"{key} is required", key)
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.fail(f"{key} must be true or false, got {value!r}", key)

    def number(self, key: str, low: float | None = None, high: float | None = None) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        try:
            number = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None:
            raise self.fail(f"{key} must be a number, got {value!r}", key)
        _check_range(self, key, number, low, high)
        return number

    def integer(self, key: str, low: int | None = None, high: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit())
        ):
            raise self.fail(f"{key} must be an integer, got {value!r}", key)
        number = int(value)
        _check_range(self, key, number, low, high)
        return number

    def choice(self, key: str, enum: type[E], default: E | None = None) -> E | None:
        """A value of ``enum``, whatever its case (AWS accepts "aws" for "AWS" in imports)."""
        value = self.text(key)
        if value is None:
            return default
        for member in enum:
            if member.value.lower() == value.lower():
                return member
        allowed = ", ".join(m.value for m in enum)
        raise self.fail(f"{key} must be one of {allowed}, got {value!r}", key)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list | tuple):
            raise self.fail(f"{key} must be a list of strings, got {_kind(value)}", key)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(f"{key} must contain strings, got {_kind(item)}", key, i)
        return tuple(value)

    def text_map(self, key: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in self.entries(key):
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise self.fail(f"{key}.{name} must be a string, got {_kind(value)}", key, name)
            out[name] = str(value)
        return out

    def flag_map(self, key: str) -> dict[str, bool]:
        inner = self.child(key)
        return {} if inner is None else {name: inner.flag(name) for name in inner.data}

    def entries(self, key: str) -> Iterator[tuple[str, Any]]:
        inner = self.child(key)
        if inner is not None:
            yield from ((str(k), v) for k, v in inner.data.items())

    def child(self, key: str) -> Props | None:
        value = self.data.get(key)
        return None if value is None else Props.of(value, (*self.path, key), f"{key} to be an object")

    def children(self, key: str) -> Iterator[Props]:
        """The objects of the list at ``key``."""
        value = self.data.get(key)
        if value is None:
            return
        if not isinstance(value, list | tuple):
            raise self.fail(f"{key} must be a list, got {_kind(value)}", key)
        for i, item in enumerate(value):
            yield Props.of(item, (*self.path, key, i))

    def named(self) -> Iterator[tuple[str, Props]]:
        """This object's own entries, each an object."""
        for name, value in self.data.items():
            yield str(name), Props.of(value, (*self.path, str(name)))

    def objects(self, key: str) -> Iterator[tuple[str, Props]]:
        """The named objects of the object at ``key``."""
        for name, value in self.entries(key):
            yield name, Props.of(value, (*self.path, key, name))


def _check_range(props: Props, key: str, value: float, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if low is not None and high is not None else ""
        bounds = bounds or (f"at least {low:g}" if low is not None else f"at most {high:g}")
        raise props.fail(f"{key} must be {bounds}, got {value:g}", key)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__
