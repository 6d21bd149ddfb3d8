"""Resource paths: their parts, the rules AWS puts on them, and the tree they make.

A path part is a literal (``pets``), a parameter (``{id}``) or, as the last part only, a greedy
parameter (``{proxy+}``). Siblings may hold at most one parameter part: API Gateway refuses
``/pets/{id}`` next to ``/pets/{name}``. Import creates every intermediate resource a path needs
(``/a/b/c`` brings ``/a`` and ``/a/b``), and the root ``/`` always exists.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateResource.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_LITERAL = re.compile(r"^[A-Za-z0-9._\-:~@!$&'()*,;=]+$")
_PARAMETER = re.compile(r"^\{([A-Za-z0-9._\-]+)(\+?)\}$")


def path_part_problem(part: str, *, last: bool) -> str | None:
    """Why ``part`` is not a valid path part (None if it is)."""
    if not part:
        return "empty path part (a doubled or trailing '/')"
    param = _PARAMETER.match(part)
    if param:
        if param.group(2) and not last:
            return f"greedy path parameter {part} must be the last path part"
        return None
    if _LITERAL.match(part):
        return None
    return f"invalid path part {part!r} (letters, digits, ._-:~ and the like, or {{name}} / {{name+}})"


def is_parameter(part: str) -> bool:
    return _PARAMETER.match(part) is not None


def split_path(path: str) -> tuple[str, ...]:
    """``/a/b`` → ``("a", "b")``; ``/`` → ``()``."""
    stripped = path.strip("/")
    return tuple(stripped.split("/")) if stripped else ()


def join_path(parent: str, part: str) -> str:
    return f"/{part}" if parent == "/" else f"{parent}/{part}"


def parent_of(path: str) -> str:
    parts = split_path(path)
    return "/" + "/".join(parts[:-1])


def with_ancestors(paths: Iterable[str]) -> list[str]:
    """Every path and all its ancestors, root first, each once, parents before children."""
    seen = {"/"}
    for path in paths:
        parts = split_path(path)
        for i in range(1, len(parts) + 1):
            seen.add("/" + "/".join(parts[:i]))
    return sorted(seen, key=lambda p: (len(split_path(p)), p))


def sibling_conflict(paths: Iterable[str]) -> tuple[str, str] | None:
    """Two paths with different parameter parts under the same parent, if any."""
    by_parent: dict[str, str] = {}
    for path in paths:
        parts = split_path(path)
        if not parts or not is_parameter(parts[-1]):
            continue
        parent = parent_of(path)
        other = by_parent.setdefault(parent, path)
        if other != path:
            return other, path
    return None
