"""Resource routing: a request's method and path → the resource and method it runs, and path parameters.

Pure and compiled once per deployed stage: a tree with one ``dict`` of literal children per level and
at most one variable child, ``{param}`` or ``{proxy+}`` (AWS refuses a second variable sibling, "only
one is allowed", and a greedy variable anywhere but last:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html#api-gateway-proxy-resource;
the docs' own example ``/parent/{proxy+}`` beside ``/parent/{child}/...`` is refused by AWS, as
recorded in localstack/localstack#7746).

Rules, as API Gateway REST APIs apply them:

- **Precedence** at each level: a literal segment, then ``{param}`` (one non-empty segment), then
  ``{proxy+}`` (greedy: one or more segments, the rest of the path, never zero segments — so
  ``/{proxy+}`` does not answer ``/``; the root needs its own method, logandk/serverless-wsgi#20).
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
- **Methods**: the request's method, else ``ANY``
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-any-method.html).
- **Resource and method resolve together** (backtracking): a depth-first search in precedence order;
  a branch that does not end on a resource with the request's method (or ANY) is abandoned for the
  next alternative. Measured on real API Gateway and recorded in ministackorg/ministack#1423
  (``/jobs`` without methods, ``POST /jobs/reboot`` against ``GET /jobs/{operation_type}``: both
  served by ``/{proxy+}`` ANY) and floci-io/floci#3399, #3547, #1547 (``GET /users/me`` with only
  ``PATCH /users/me`` and ``GET /users/{userId}``: served by ``/users/{userId}``; ``POST /users/me``:
  403). AWS documents no backtracking across literal segments (``/a/{x}/c`` vs ``/{y}/b/d`` for
  ``/a/b/d``); the same search applies there, which is what a user expects.
- **Trailing slashes** are ignored (``/pets/`` is ``/pets``); an empty segment inside the path
  (``/a//b``) matches no literal and no ``{param}``, only a ``{proxy+}`` that swallows it (AWS is
  silent). Literal segments compare case-sensitively.
- **Unknown path or method** → :class:`~vpcgate.gateway.errors.MissingAuthenticationTokenError`,
  AWS's ``403 {"message":"Missing Authentication Token"}`` (there is no 404 or 405:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
- **Decoding**: matching runs on the raw, percent-encoded path, split on ``/`` (so ``%2F`` stays
  inside a segment); each path parameter value is then percent-decoded (``+`` stays ``+``): REST APIs
  hand the function ``pathParameters`` decoded while ``path`` keeps the client's encoding
  (dherault/serverless-offline#271 and #638 record AWS's decoded values ``user@example.com``,
  ``j9Fb...A+D0...``; localstack/localstack#7728 the still-encoded ``path``). HTTP APIs differ: they
  decode the whole path before routing (middleapi/standard-server#93); that is not this router.

Errors::

    TemplateError                      a resource path this tree cannot hold (at build time)
    MissingAuthenticationTokenError    no resource and method for the request (at match time)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

from vpcgate.errors import TemplateError
from vpcgate.gateway.errors import MissingAuthenticationTokenError
from vpcgate.spec.model import Method, Resource

__all__ = ["ResourceMethod", "RouteMatch", "Router", "resource_router"]

T = TypeVar("T")

ANY = "ANY"


@dataclass(frozen=True, slots=True)
class RouteMatch(Generic[T]):
    """The resource a request runs: its path (``/pets/{id}``), the method key that matched (the
    request's method or ``ANY``), the payload stored for it, and decoded path parameters."""

    resource_path: str
    method: str
    target: T
    path_parameters: Mapping[str, str]


@dataclass(slots=True)
class _Node(Generic[T]):
    literals: dict[str, _Node[T]] = field(default_factory=dict)
    param_name: str | None = None
    param: _Node[T] | None = None
    proxy_name: str | None = None
    proxy: _Node[T] | None = None
    resource_path: str | None = None
    methods: dict[str, T] = field(default_factory=dict)


class Router(Generic[T]):
    """Built from ``{resource path: {HTTP method or ANY: payload}}``; :meth:`match` is pure."""

    def __init__(self, routes: Mapping[str, Mapping[str, T]]) -> None:
        self._root: _Node[T] = _Node()
        for resource_path, methods in routes.items():
            node = self._insert(resource_path)
            node.resource_path = resource_path
            node.methods.update({method.upper(): target for method, target in methods.items()})

    def _insert(self, resource_path: str) -> _Node[T]:
        if not resource_path.startswith("/"):
            raise TemplateError(f"resource path {resource_path!r} does not start with '/'")
        parts = [p for p in resource_path.split("/") if p]
        node = self._root
        for index, part in enumerate(parts):
            node = _child(node, part, resource_path, last=index == len(parts) - 1)
        return node

    def match(self, method: str, raw_path: str) -> RouteMatch[T]:
        """The route for ``method`` and ``raw_path`` (percent-encoded, no stage, no query).

        Raises MissingAuthenticationTokenError when nothing matches.
        """
        stripped = raw_path.strip("/")
        segments = stripped.split("/") if stripped else []
        found = _search(self._root, segments, 0, method.upper(), [])
        if found is None:
            raise MissingAuthenticationTokenError()
        node, key, captured = found
        assert node.resource_path is not None
        params = {name: unquote(value) for name, value in captured}
        return RouteMatch(node.resource_path, key, node.methods[key], params)


@dataclass(frozen=True, slots=True)
class ResourceMethod:
    """What a REST API route runs: the resource (its id is ``$context.resourceId``) and the method."""

    resource: Resource
    method: Method


def resource_router(resources: Iterable[Resource]) -> Router[ResourceMethod]:
    """The router of a REST API's resource tree (``RestApi.resources``)."""
    return Router(
        {
            resource.path: {
                name: ResourceMethod(resource, method) for name, method in resource.methods.items()
            }
            for resource in resources
        }
    )


def _child(node: _Node[T], part: str, resource_path: str, *, last: bool) -> _Node[T]:
    """The child of ``node`` for one resource path part, created if new."""
    if part.startswith("{") and part.endswith("+}"):
        if not last:
            raise TemplateError(f"resource path {resource_path!r}: a greedy variable must be last")
        return _variable(node, "proxy", part[1:-2], resource_path)
    if part.startswith("{") and part.endswith("}"):
        return _variable(node, "param", part[1:-1], resource_path)
    return node.literals.setdefault(part, _Node())


def _variable(node: _Node[T], kind: str, name: str, resource_path: str) -> _Node[T]:
    if not name or "{" in name or "}" in name:
        raise TemplateError(f"resource path {resource_path!r}: bad path variable {name!r}")
    existing = _variable_part(node)
    wanted = f"{{{name}}}" if kind == "param" else f"{{{name}+}}"
    if existing is not None and existing != wanted:
        raise TemplateError(
            f"resource path {resource_path!r}: a sibling {existing} already has a variable path part"
            " -- only one is allowed"
        )
    if kind == "param":
        node.param_name = name
        node.param = node.param or _Node()
        return node.param
    node.proxy_name = name
    node.proxy = node.proxy or _Node()
    return node.proxy


def _variable_part(node: _Node[T]) -> str | None:
    if node.param_name is not None:
        return f"{{{node.param_name}}}"
    if node.proxy_name is not None:
        return f"{{{node.proxy_name}+}}"
    return None


_Found = tuple[_Node[T], str, list[tuple[str, str]]]


def _search(
    node: _Node[T], segments: list[str], index: int, method: str, captured: list[tuple[str, str]]
) -> _Found[T] | None:
    """Depth-first, literal > {param} > {proxy+}; the first node that has the method (or ANY)."""
    if index == len(segments):
        key = _method_key(node, method)
        return (node, key, captured) if key is not None else None
    segment = segments[index]
    literal = node.literals.get(segment)
    if literal is not None:
        found = _search(literal, segments, index + 1, method, captured)
        if found is not None:
            return found
    if node.param is not None and node.param_name is not None and segment:
        found = _search(node.param, segments, index + 1, method, [*captured, (node.param_name, segment)])
        if found is not None:
            return found
    if node.proxy is not None and node.proxy_name is not None:
        key = _method_key(node.proxy, method)
        if key is not None:
            rest = "/".join(segments[index:])
            return node.proxy, key, [*captured, (node.proxy_name, rest)]
    return None


def _method_key(node: _Node[T], method: str) -> str | None:
    if node.resource_path is None:
        return None
    if method in node.methods:
        return method
    return ANY if ANY in node.methods else None
