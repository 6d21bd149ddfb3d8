"""Route: the request's method and path → the compiled method and its decoded path parameters.

The router (:mod:`vpcgate.gateway.routing`) raises MissingAuthenticationTokenError, AWS's 403
``{"message":"Missing Authentication Token"}`` for an unknown path or method. ``$context.resourceId``
and ``$context.resourcePath`` are known from here on.
"""

from __future__ import annotations

from vpcgate.gateway.context import Invocation, Route

__all__ = ["RouteStep"]


class RouteStep:
    async def __call__(self, inv: Invocation) -> None:
        match = inv.stage.router.match(inv.request.method, inv.path)
        inv.route = Route(match.target, match.resource_path, match.path_parameters)
        inv.context["resourceId"] = match.target.resource.id
        inv.context["resourcePath"] = match.resource_path
