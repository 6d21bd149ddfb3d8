"""Our own HTTP message types: what every server, handler and client in vpcgate passes around.

Headers are multi-valued and keep their order and the case they were written in (API Gateway's
``multiValueHeaders`` and Lambda's ``X-Amz-*`` headers both need that); lookups ignore case.
The types are deliberately small: parsing lives in ``vpcgate.http.server``, never here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


class Headers:
    """An ordered, case-insensitive, multi-valued header list."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, else ``default``."""
        lower = name.lower()
        for key, value in self._items:
            if key.lower() == lower:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        lower = name.lower()
        return [value for key, value in self._items if key.lower() == lower]

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every value of ``name`` by one value (keeps the first one's position)."""
        self.remove(name)
        self._items.append((name, value))

    def remove(self, name: str) -> None:
        lower = name.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != lower]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass
class HttpRequest:
    """One request as received: ``path`` is the raw (still percent-encoded) path, ``query`` the raw query."""

    method: str
    path: str
    query: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    http_version: str = "1.1"
    client: tuple[str, int] | None = None

    def query_params(self) -> list[tuple[str, str]]:
        """The query string decoded into (name, value) pairs, blanks kept, in order."""
        return parse_qsl(self.query, keep_blank_values=True)


@dataclass
class HttpResponse:
    """One response to send. ``Content-Length`` is added by the server when absent."""

    status: int = 200
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    @classmethod
    def of(cls, status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
        return cls(status=status, headers=Headers(headers), body=body)
