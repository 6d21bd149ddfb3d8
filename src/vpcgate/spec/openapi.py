"""Import a Swagger 2.0 or OpenAPI 3.0 document into a :class:`RestApi`, as API Gateway does.

The rules followed (AWS's import, https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api.html):

- the base path is IGNORED unless the ``basepath`` import parameter says ``prepend`` or ``split``
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-basePath.html).
  Swagger writes it as ``basePath``; in OpenAPI 3 it is the first ``basePath`` server variable's
  default, else the path of the first server's ``url``. ``prepend`` puts the whole base path in
  front of every path; ``split`` takes its first part for the stage and prepends the rest;
- the root resource ``/`` always exists, and every intermediate resource a path needs is created;
- ``definitions`` / ``components.schemas`` become models (content type application/json);
- unknown ``x-amazon-apigateway-*`` extensions and features with no REST API meaning are warned
  about and ignored (the import API's ``failonwarnings=false`` default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vpcgate.spec import extensions, operations, paths
from vpcgate.spec.extensions import Warn
from vpcgate.spec.ids import resource_id
from vpcgate.spec.model import (
    ApiKeySource,
    EndpointConfiguration,
    Method,
    Model,
    Resource,
    RestApi,
    freeze_json,
    frozen,
)
from vpcgate.spec.props import Props, SpecError

MAX_COMPRESSION_SIZE = 10485760

# Extensions read at the document's top level; the ones below them are read elsewhere.
_TOP_EXTENSIONS = frozenset(
    {
        "x-amazon-apigateway-api-key-source",
        "x-amazon-apigateway-binary-media-types",
        "x-amazon-apigateway-gateway-responses",
        "x-amazon-apigateway-request-validators",
        "x-amazon-apigateway-request-validator",
        "x-amazon-apigateway-policy",
        "x-amazon-apigateway-minimum-compression-size",
        "x-amazon-apigateway-endpoint-configuration",
        "x-amazon-apigateway-documentation",
        "x-amazon-apigateway-importexport-version",
        "x-amazon-apigateway-endpoint-access-mode",
    }
)
# Documented, but for HTTP APIs only.
_HTTP_API_ONLY = frozenset({"x-amazon-apigateway-cors", "x-amazon-apigateway-integrations"})


class BasePathMode(StrEnum):
    IGNORE = "ignore"
    PREPEND = "prepend"
    SPLIT = "split"


@dataclass(frozen=True)
class ImportOptions:
    rest_api_id: str
    basepath: BasePathMode = BasePathMode.IGNORE
    name: str | None = None  # overrides info.title (the RestApi's Name property)


def import_api(body: Mapping[str, Any], options: ImportOptions, warn: Warn) -> RestApi:
    """The REST API ``body`` describes. Raises SpecError (path relative to ``body``)."""
    root = Props.of(body, (), "an OpenAPI document object")
    version = _version(root)
    _warn_top_level(root, warn)
    models = _models(root, version)
    api_id = options.rest_api_id
    schemes = _security_schemes(root, version)
    authorizers = {
        name: extensions.authorizer(name, scheme, api_id, warn)
        for name, scheme in schemes.items()
        if "x-amazon-apigateway-authorizer" in scheme
    }
    validators_props = root.child("x-amazon-apigateway-request-validators")
    validators = () if validators_props is None else extensions.request_validators(validators_props, api_id)
    doc = operations.Document(
        root=body,
        version=version,
        authorizers=authorizers,
        security_schemes=schemes,
        validators={v.name: v for v in validators},
        default_validator=root.text("x-amazon-apigateway-request-validator"),
        default_security=root.raw("security"),
        warn=warn,
        models=models,
    )
    default_validator_id = None if doc.default_validator is None else _default_validator_id(doc, root)
    resources = _resources(doc, root, _base_prefix(root, version, options.basepath), api_id)
    responses_props = root.child("x-amazon-apigateway-gateway-responses")
    info = root.child("info") or Props({}, ("info",))
    endpoint = root.child("x-amazon-apigateway-endpoint-configuration")
    return RestApi(
        id=api_id,
        name=options.name or info.text("title") or api_id,
        root_resource_id=resource_id(api_id, "/"),
        description=info.text("description"),
        binary_media_types=root.texts("x-amazon-apigateway-binary-media-types"),
        api_key_source=root.choice("x-amazon-apigateway-api-key-source", ApiKeySource, ApiKeySource.HEADER)
        or ApiKeySource.HEADER,
        minimum_compression_size=root.integer(
            "x-amazon-apigateway-minimum-compression-size", 0, MAX_COMPRESSION_SIZE
        ),
        policy=freeze_json(root.raw("x-amazon-apigateway-policy")),
        endpoint_configuration=EndpointConfiguration(
            vpc_endpoint_ids=() if endpoint is None else endpoint.texts("vpcEndpointIds")
        ),
        disable_execute_api_endpoint=False
        if endpoint is None
        else endpoint.flag("disableExecuteApiEndpoint"),
        resources=resources,
        authorizers=tuple(authorizers.values()),
        models=tuple(doc.models.values()),
        request_validators=validators,
        gateway_responses=() if responses_props is None else extensions.gateway_responses(responses_props),
        default_request_validator_id=default_validator_id,
    )


def _version(root: Props) -> int:
    swagger, openapi = root.text("swagger"), root.text("openapi")
    if swagger is not None:
        if swagger != "2.0":
            raise root.fail(f"swagger version {swagger!r} is not supported (2.0 is)", "swagger")
        return 2
    if openapi is not None:
        if not openapi.startswith("3.0"):
            raise root.fail(f"openapi version {openapi!r} is not supported (3.0.x is)", "openapi")
        return 3
    raise root.fail("not an OpenAPI document: neither 'swagger' nor 'openapi' is set")


def _warn_top_level(root: Props, warn: Warn) -> None:
    for key in root.data:
        if key in _HTTP_API_ONLY:
            warn(f"{key} applies to HTTP APIs only; ignored for a REST API", (key,))
        elif key.startswith("x-amazon-apigateway-") and key not in _TOP_EXTENSIONS:
            warn(f"unknown extension {key!r} ignored", (key,))


def _models(root: Props, version: int) -> dict[str, Model]:
    container = root.child("definitions") if version == 2 else _components(root, "schemas")
    if container is None:
        return {}
    return {
        name: Model(name, "application/json", freeze_json(schema.data), schema.text("description"))
        for name, schema in container.named()
    }


def _security_schemes(root: Props, version: int) -> dict[str, Props]:
    container = root.child("securityDefinitions") if version == 2 else _components(root, "securitySchemes")
    return {} if container is None else dict(container.named())


def _components(root: Props, key: str) -> Props | None:
    components = root.child("components")
    return None if components is None else components.child(key)


def _base_prefix(root: Props, version: int, mode: BasePathMode) -> tuple[str, ...]:
    """The path parts to put in front of every path under ``mode``."""
    base = paths.split_path(_base_path(root, version) or "/")
    if mode is BasePathMode.PREPEND:
        return base
    if mode is BasePathMode.SPLIT:
        return base[1:]
    return ()


def _base_path(root: Props, version: int) -> str | None:
    if version == 2:
        return root.text("basePath")
    servers = root.raw("servers")
    if not isinstance(servers, list) or not servers:
        return None
    for i, server in enumerate(servers):
        variables = Props.of(server, ("servers", i)).child("variables")
        base = None if variables is None else variables.child("basePath")
        if base is not None:
            return "/" + (base.text("default") or "").strip("/")
    first = Props.of(servers[0], ("servers", 0))
    return _url_path(first.text("url") or "/")


def _url_path(url: str) -> str:
    """The path of a server URL, which may hold ``{variables}`` anywhere (even in the scheme)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    if not url.startswith("/") and "://" in url:
        rest = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return rest.split("?", 1)[0].split("#", 1)[0] or "/"


def _resources(
    doc: operations.Document, root: Props, prefix: tuple[str, ...], api_id: str
) -> tuple[Resource, ...]:
    methods_by_path: dict[str, dict[str, Method]] = {}
    for raw_path, item in root.objects("paths"):
        full = "/" + "/".join(prefix + paths.split_path(raw_path))
        _check_path(item, raw_path, full)
        found = methods_by_path.setdefault(full, {})
        for verb, method in _path_item_methods(doc, item, full).items():
            if verb in found:
                raise item.fail(f"{verb} {full} is declared by two paths")
            found[verb] = method
    conflict = paths.sibling_conflict(methods_by_path)
    if conflict:
        raise SpecError(
            f"paths {conflict[0]} and {conflict[1]}: a resource may have only one parameter child", ("paths",)
        )
    return tuple(
        Resource(
            id=resource_id(api_id, path),
            parent_id=None if path == "/" else resource_id(api_id, paths.parent_of(path)),
            path_part=(paths.split_path(path) or ("",))[-1],
            path=path,
            methods=frozen(methods_by_path.get(path, {})),
        )
        for path in paths.with_ancestors(methods_by_path)
    )


def _check_path(item: Props, raw_path: str, full: str) -> None:
    if not raw_path.startswith("/"):
        raise item.fail(f"path {raw_path!r} must start with '/'")
    parts = paths.split_path(full)
    for i, part in enumerate(parts):
        problem = paths.path_part_problem(part, last=i == len(parts) - 1)
        if problem:
            raise item.fail(f"path {raw_path}: {problem}")


def _path_item_methods(doc: operations.Document, item: Props, path: str) -> dict[str, Method]:
    out: dict[str, Method] = {}
    for key in item.data:
        if key in operations.OPERATION_KEYS:
            http_method = operations.OPERATION_KEYS[key]
            op = Props.of(item.raw(key), (*item.path, key), "an operation object")
            out[http_method] = operations.method(
                doc, http_method, op, item.raw("parameters"), f"{http_method} {path}"
            )
        elif key.startswith("x-amazon-apigateway-"):
            doc.warn(f"{path}: unknown extension {key!r} ignored", (*item.path, key))
        elif key in ("$ref", "trace"):
            doc.warn(f"{path}: {key!r} is not supported by REST API import; ignored", (*item.path, key))
    return out


def _default_validator_id(doc: operations.Document, root: Props) -> str:
    name = doc.default_validator or ""
    validator = doc.validators.get(name)
    if validator is None:
        raise root.fail(f"request validator {name!r} is not defined", "x-amazon-apigateway-request-validator")
    return validator.id
