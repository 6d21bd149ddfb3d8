"""The root of every error vpcgate raises on purpose.

::

    VpcgateError                 anything vpcgate reports to a person (exit status 1, no traceback)
    ├── ConfigError              bad flags, settings or environment
    ├── TemplateError            a template is wrong: file, logical id, JSON pointer
    │   └── ParameterError       a parameter is missing or breaks its constraints
    └── DeployError              a resource could not be brought up (names its logical id)

Anything else that escapes is a bug: the CLI prints it as one, with the traceback, and exits 2.
"""

from __future__ import annotations

from pathlib import Path


class VpcgateError(Exception):
    """An error meant for a person: its ``str`` is the whole message."""


class ConfigError(VpcgateError):
    """Bad command-line flags, settings or environment."""


class TemplateError(VpcgateError):
    """A template is wrong. Names the file, the logical id (if any) and the JSON pointer.

    ``pointer`` is an RFC 6901 JSON pointer into the template as written, e.g.
    ``/Resources/ProxyFunction/Properties/Runtime``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        logical_id: str | None = None,
        pointer: str = "",
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.logical_id = logical_id
        self.pointer = pointer
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.logical_id:
            where.append(self.logical_id)
        if self.pointer:
            where.append(f"at {self.pointer}")
        prefix = ": ".join(where[:2]) + (f" {where[2]}" if len(where) > 2 else "")
        return f"{prefix}: {self.message}" if prefix else self.message

    def located(
        self, *, file: Path | str | None = None, logical_id: str | None = None, pointer: str | None = None
    ) -> TemplateError:
        """Return a copy with the missing location parts filled in (never overwrites given ones)."""
        clone = type(self).__new__(type(self))
        TemplateError.__init__(
            clone,
            self.message,
            file=self.file or (str(file) if file is not None else None),
            logical_id=self.logical_id or logical_id,
            pointer=self.pointer or (pointer or ""),
        )
        return clone


class ParameterError(TemplateError):
    """A stack parameter is missing, unknown or breaks one of its constraints."""


class DeployError(VpcgateError):
    """A resource could not be brought up; names its logical id."""

    def __init__(self, logical_id: str, message: str) -> None:
        self.logical_id = logical_id
        self.message = message
        super().__init__(f"{logical_id}: {message}")
