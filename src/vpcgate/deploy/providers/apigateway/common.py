"""What the AWS::ApiGateway::* providers share: property reading, error location, API lookup.

Each provider reads its resolved properties through :class:`vpcgate.spec.props.Props`; a
:class:`SpecError` (path relative to ``Properties``) becomes a TemplateError at the property's JSON
pointer, here, once. Parts of an API written as separate resources find their RestApi (and parent
resources) through :meth:`DeployContext.find_by_physical_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vpcgate.deploy.providers.base import DeployContext, Deployed, ResourceInput
from vpcgate.spec.model import Resource, ResourcePart, RestApi
from vpcgate.spec.props import Path, Props, SpecError, pointer

WarnSink = Callable[[str, Path], None]  # (message, path under Properties)


def build(
    res: ResourceInput, ctx: DeployContext, known: frozenset[str], make: Callable[[Props], Deployed]
) -> Deployed:
    """Run ``make`` on the resource's properties; SpecErrors become located TemplateErrors.

    A property the type does not have is warned about (CloudFormation refuses it: "Encountered
    unsupported property"; vpcgate warns, so a template using a property newer than this list
    still deploys, yet a typo does not pass unseen)."""
    try:
        props = Props.of(res.properties, (), "Properties to be an object")
        warn = warner(res, ctx)
        for name in props.data:
            if name not in known:
                warn(f"{name} is not a property of {res.resource_type}; ignored", (name,))
        return make(props)
    except SpecError as exc:
        raise res.error(exc.message, *exc.path) from None


def warner(res: ResourceInput, ctx: DeployContext, *, prefix: Path = ()) -> WarnSink:
    """A warning sink naming the resource and the property path."""

    def warn(message: str, path: Path) -> None:
        where = f"{res.pointer}/Properties{pointer(prefix + path)}"
        ctx.warn(f"{res.logical_id}: {message} (at {where})")

    return warn


def unsupported(props: Props, names: tuple[str, ...], warn: WarnSink) -> None:
    """Warn about properties that have no local effect."""
    for name in names:
        if name in props:
            warn(f"{name} has no effect locally; ignored", (name,))


def rest_api(props: Props, ctx: DeployContext, key: str = "RestApiId") -> RestApi:
    """The RestApi named by ``props[key]`` (a RestApi of this or an earlier stack)."""
    api_id = props.required_text(key)
    found = ctx.find_by_physical_id(api_id)
    if found is None or not isinstance(found.model, RestApi):
        raise props.fail(f"{key} {api_id!r} is not the id of an AWS::ApiGateway::RestApi deployed here", key)
    return found.model


@dataclass(frozen=True)
class ResourceRef:
    id: str
    path: str


def resource_ref(api: RestApi, resource_id: str, ctx: DeployContext) -> ResourceRef | None:
    """A resource of ``api`` by id: its root, one from its body, or an AWS::ApiGateway::Resource."""
    if resource_id == api.root_resource_id:
        return ResourceRef(resource_id, "/")
    in_body: Resource | None = api.resource_by_id(resource_id)
    if in_body is not None:
        return ResourceRef(resource_id, in_body.path)
    found = ctx.find_by_physical_id(resource_id)
    if found is not None and isinstance(found.model, ResourcePart) and found.model.rest_api_id == api.id:
        return ResourceRef(resource_id, found.model.resource.path)
    return None


def required_resource(props: Props, api: RestApi, key: str, ctx: DeployContext) -> ResourceRef:
    """The resource of ``api`` that property ``key`` names; a SpecError when it names none."""
    resource_id = props.required_text(key)
    ref = resource_ref(api, resource_id, ctx)
    if ref is None:
        raise props.fail(f"{key} {resource_id!r} is not a resource of RestApi {api.id}", key)
    return ref
