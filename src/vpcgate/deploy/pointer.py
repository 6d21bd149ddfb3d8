"""RFC 6901 JSON pointers into a template as written, so every error can say where it happened.

https://datatracker.ietf.org/doc/html/rfc6901 (``~`` is written ``~0`` and ``/`` is written ``~1``).
"""

from __future__ import annotations


def escape(part: str | int) -> str:
    """One reference token of a pointer."""
    return str(part).replace("~", "~0").replace("/", "~1")


def child(pointer: str, *parts: str | int) -> str:
    """``pointer`` extended by ``parts``: ``child("/Resources", "Fn", 0)`` → ``/Resources/Fn/0``."""
    return pointer + "".join("/" + escape(part) for part in parts)
