"""Reading resolved properties the way CloudFormation does, with errors at the property's pointer.

CloudFormation is lenient about scalar types in templates: ``"Timeout": "10"`` and ``Timeout: 10``
are the same, and booleans may be written ``"true"``. Providers read through :class:`Props` so every
type is coerced the same way and every error names ``/Resources/<id>/Properties/<name>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vpcgate.deploy.providers.base import ResourceInput
from vpcgate.errors import TemplateError


def scalar_text(value: Any) -> str | None:
    """Strings, numbers and booleans as text (``true``/``false``); None for lists and objects."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return None


class Props:
    """Typed access to one resource's resolved properties."""

    def __init__(self, res: ResourceInput) -> None:
        self.res = res
        self.values: Mapping[str, Any] = res.properties

    def error(self, message: str, *path: str | int) -> TemplateError:
        return self.res.error(message, *path)

    def has(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def required(self, name: str) -> Any:
        if name not in self.values:
            raise self.error(f"Property {name} is required for {self.res.resource_type}", name)
        return self.values[name]

    def text(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        if name not in self.values:
            if required:
                raise self.error(f"Property {name} is required for {self.res.resource_type}", name)
            return default
        text = scalar_text(self.values[name])
        if text is None:
            raise self.error(f"Property {name} must be a string", name)
        return text

    def required_text(self, name: str) -> str:
        text = self.text(name, required=True)
        assert text is not None  # required=True raised otherwise
        return text

    def integer(self, name: str, *, low: int | None = None, high: int | None = None) -> int | None:
        if name not in self.values:
            return None
        value = self.values[name]
        try:
            if isinstance(value, bool | dict | list):
                raise ValueError
            number = int(str(value))
        except ValueError:
            raise self.error(f"Property {name} must be an integer, not {value!r}", name) from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise self.error(f"Property {name} must be between {low} and {high}, not {number}", name)
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        if name not in self.values:
            return default
        value = self.values[name]
        text = scalar_text(value)
        if text is None or text.lower() not in ("true", "false"):
            raise self.error(f"Property {name} must be true or false, not {value!r}", name)
        return text.lower() == "true"

    def text_list(self, name: str) -> tuple[str, ...]:
        if name not in self.values:
            return ()
        value = self.values[name]
        if not isinstance(value, list):
            raise self.error(f"Property {name} must be a list of strings", name)
        items = []
        for i, item in enumerate(value):
            text = scalar_text(item)
            if text is None:
                raise self.error(f"Property {name} must be a list of strings", name, i)
            items.append(text)
        return tuple(items)

    def mapping(self, name: str) -> Mapping[str, Any]:
        if name not in self.values:
            return {}
        value = self.values[name]
        if not isinstance(value, dict):
            raise self.error(f"Property {name} must be an object", name)
        return value
