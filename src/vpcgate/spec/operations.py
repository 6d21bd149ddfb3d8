"""One OpenAPI operation (Swagger 2.0 or OpenAPI 3.0) → a :class:`Method`.

How AWS maps an operation when it imports a REST API
(https://docs.aws.amazon.com/apigateway/latest/developerguide/import-edge-optimized-api.html and the
extension pages linked from :mod:`vpcgate.spec.extensions`):

- ``parameters`` (path-level merged under operation-level) → method request parameters
  ``method.request.{path|querystring|header}.NAME``; path parameters are always required;
- the body (Swagger ``in: body`` with ``consumes``, OpenAPI 3 ``requestBody.content``) → request
  models by content type, naming the model a ``$ref`` points at;
- ``responses`` → method responses: headers become ``method.response.header.NAME``, schemas models;
- ``security`` (else the document's) → authorization: a scheme with
  ``x-amazon-apigateway-authorizer`` sets CUSTOM or COGNITO_USER_POOLS and the authorizer id, one
  with ``x-amazon-apigateway-authtype: awsSigv4`` sets AWS_IAM, an ``apiKey`` scheme for the
  ``x-api-key`` header sets apiKeyRequired;
- ``x-amazon-apigateway-auth`` sets the authorization type directly (NONE or AWS_IAM);
- ``x-amazon-apigateway-request-validator`` names the validator (else the document's default);
- ``x-amazon-apigateway-integration`` → the integration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vpcgate.deploy.ids import alnum_id
from vpcgate.spec import extensions
from vpcgate.spec.extensions import Warn
from vpcgate.spec.model import (
    AuthorizationType,
    Authorizer,
    AuthorizerType,
    Method,
    MethodResponse,
    Model,
    RequestValidator,
    freeze_json,
    frozen,
)
from vpcgate.spec.props import Path, Props, SpecError

OPERATION_KEYS = {
    "get": "GET",
    "put": "PUT",
    "post": "POST",
    "delete": "DELETE",
    "options": "OPTIONS",
    "head": "HEAD",
    "patch": "PATCH",
    "x-amazon-apigateway-any-method": "ANY",
}
_OPERATION_EXTENSIONS = frozenset(
    {
        "x-amazon-apigateway-integration",
        "x-amazon-apigateway-auth",
        "x-amazon-apigateway-request-validator",
        "x-amazon-apigateway-documentation",
    }
)
_PARAMETER_LOCATIONS = {"path": "path", "query": "querystring", "header": "header"}
API_KEY_HEADER = "x-api-key"


@dataclass
class Document:
    """What every operation of one document may refer to; ``models`` grows with inline schemas."""

    root: Mapping[str, Any]
    version: int  # 2 or 3
    authorizers: Mapping[str, Authorizer]
    security_schemes: Mapping[str, Props]
    validators: Mapping[str, RequestValidator]
    default_validator: str | None
    default_security: Any
    warn: Warn
    models: dict[str, Model] = field(default_factory=dict)

    def deref(self, value: Any, path: Path) -> tuple[Any, Path]:
        """Follow a local ``$ref`` (``#/...``); other values are returned as they are."""
        seen: set[str] = set()
        while isinstance(value, Mapping) and "$ref" in value:
            ref = value["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
                raise SpecError(f"only local, acyclic references (#/...) are supported, got {ref!r}", path)
            seen.add(ref)
            value, path = self._resolve(ref, path)
        return value, path

    def _resolve(self, ref: str, at: Path) -> tuple[Any, Path]:
        node: Any = self.root
        parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
        for part in parts:
            if not isinstance(node, Mapping) or part not in node:
                raise SpecError(f"reference {ref!r} points at nothing", (*at, "$ref"))
            node = node[part]
        return node, tuple(parts)


def method(doc: Document, http_method: str, op: Props, path_params: Any, where: str) -> Method:
    """The Method an operation imports as."""
    for key in op.data:
        if key.startswith("x-amazon-apigateway-") and key not in _OPERATION_EXTENSIONS:
            doc.warn(f"{where}: unknown extension {key!r} ignored", (*op.path, key))
    auth_type, authorizer_id, scopes, api_key = _security(doc, op, where)
    explicit_auth = op.child("x-amazon-apigateway-auth")
    if explicit_auth is not None:
        auth_type = _explicit_auth(explicit_auth)
    integration_props = op.child("x-amazon-apigateway-integration")
    if integration_props is None:
        doc.warn(f"{where}: no x-amazon-apigateway-integration; the method cannot be deployed", op.path)
    return Method(
        http_method=http_method,
        authorization_type=auth_type,
        authorizer_id=authorizer_id,
        authorization_scopes=scopes,
        api_key_required=api_key,
        request_parameters=frozen(_request_parameters(doc, op, path_params, where)),
        request_models=frozen(_request_models(doc, op, where)),
        request_validator_id=_validator_id(doc, op),
        operation_name=op.text("operationId"),
        method_responses=frozen(_method_responses(doc, op, where)),
        integration=None
        if integration_props is None
        else extensions.integration(integration_props, where, doc.warn),
    )


def _explicit_auth(props: Props) -> AuthorizationType:
    """``x-amazon-apigateway-auth``: NONE or AWS_IAM, whatever the case."""
    value = props.choice("type", AuthorizationType) or AuthorizationType.NONE
    if value not in (AuthorizationType.NONE, AuthorizationType.AWS_IAM):
        raise props.fail(f"x-amazon-apigateway-auth type must be NONE or AWS_IAM, got {value}", "type")
    return value


def _security(
    doc: Document, op: Props, where: str
) -> tuple[AuthorizationType, str | None, tuple[str, ...], bool]:
    requirements = op.raw("security") if "security" in op else doc.default_security
    path = (*op.path, "security") if "security" in op else ("security",)
    auth, authorizer_id, api_key = AuthorizationType.NONE, None, False
    scopes: tuple[str, ...] = ()
    if requirements is None:
        return auth, authorizer_id, scopes, api_key
    if not isinstance(requirements, list):
        raise SpecError("security must be a list of requirement objects", path)
    for i, requirement in enumerate(requirements):
        req = Props.of(requirement, (*path, i), "a security requirement object")
        for name in req.data:
            found = _scheme_effect(doc, name, req, where)
            if found == "api_key":
                api_key = True
            elif isinstance(found, Authorizer):
                auth, authorizer_id = _authorizer_type(found), found.id
                scopes = req.texts(name)
            elif found is AuthorizationType.AWS_IAM:
                auth = AuthorizationType.AWS_IAM
    return auth, authorizer_id, scopes, api_key


def _scheme_effect(doc: Document, name: str, req: Props, where: str) -> object:
    if name in doc.authorizers:
        return doc.authorizers[name]
    scheme = doc.security_schemes.get(name)
    if scheme is None:
        raise req.fail(f"{where}: security scheme {name!r} is not defined", name)
    authtype = (scheme.text("x-amazon-apigateway-authtype") or "").lower()
    if authtype == "awssigv4":
        return AuthorizationType.AWS_IAM
    if scheme.text("type") == "apiKey" and (scheme.text("name") or "").lower() == API_KEY_HEADER:
        return "api_key"
    doc.warn(f"{where}: security scheme {name!r} has no REST API meaning; ignored", (*req.path, name))
    return None


def _authorizer_type(authorizer: Authorizer) -> AuthorizationType:
    if authorizer.type is AuthorizerType.COGNITO_USER_POOLS:
        return AuthorizationType.COGNITO_USER_POOLS
    return AuthorizationType.CUSTOM


def _parameters(doc: Document, op: Props, path_params: Any) -> list[tuple[Props, Path]]:
    """Path-level then operation-level parameters, operation ones replacing same (name, in)."""
    merged: dict[tuple[str, str], Props] = {}
    sources = [
        (path_params, (*op.path[:-1], "parameters")),
        (op.raw("parameters"), (*op.path, "parameters")),
    ]
    for values, path in sources:
        if values is None:
            continue
        if not isinstance(values, list):
            raise SpecError("parameters must be a list", path)
        for i, value in enumerate(values):
            resolved, at = doc.deref(value, (*path, i))
            param = Props.of(resolved, at, "a parameter object")
            merged[(param.required_text("name"), param.required_text("in"))] = param
    return [(p, p.path) for p in merged.values()]


def _request_parameters(doc: Document, op: Props, path_params: Any, where: str) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for param, at in _parameters(doc, op, path_params):
        name, location = param.required_text("name"), param.required_text("in")
        if location == "body":
            continue
        if location not in _PARAMETER_LOCATIONS:
            doc.warn(f"{where}: parameter {name!r} in {location!r} is not supported; ignored", at)
            continue
        required = True if location == "path" else param.flag("required")
        out[f"method.request.{_PARAMETER_LOCATIONS[location]}.{name}"] = required
    return out


def _request_models(doc: Document, op: Props, where: str) -> dict[str, str]:
    if doc.version == 2:
        body = next(
            (p for p, _ in _parameters(doc, op, None) if p.text("in") == "body"),
            None,
        )
        if body is None or body.raw("schema") is None:
            return {}
        types = op.texts("consumes") or Props(doc.root).texts("consumes") or ("application/json",)
        return {ct: _model_name(doc, body.raw("schema"), ct, where, "Request") for ct in types}
    request_body = op.child("requestBody")
    if request_body is None:
        return {}
    resolved, at = doc.deref(request_body.data, request_body.path)
    content = Props.of(resolved, at).objects("content")
    return {
        ct: _model_name(doc, media.raw("schema"), ct, where, "Request")
        for ct, media in content
        if media.raw("schema") is not None
    }


def _method_responses(doc: Document, op: Props, where: str) -> dict[str, MethodResponse]:
    out: dict[str, MethodResponse] = {}
    for status, raw in op.entries("responses"):
        if not (len(status) == 3 and status.isdigit()):
            doc.warn(
                f"{where}: response {status!r} has no REST API meaning; ignored",
                (*op.path, "responses", status),
            )
            continue
        resolved, at = doc.deref(raw, (*op.path, "responses", status))
        response = Props.of(resolved, at, "a response object")
        headers = {f"method.response.header.{h}": False for h, _ in response.entries("headers")}
        out[status] = MethodResponse(
            status, frozen(headers), frozen(_response_models(doc, op, response, where))
        )
    return out


def _response_models(doc: Document, op: Props, response: Props, where: str) -> dict[str, str]:
    if doc.version == 2:
        if response.raw("schema") is None:
            return {}
        types = op.texts("produces") or Props(doc.root).texts("produces") or ("application/json",)
        return {ct: _model_name(doc, response.raw("schema"), ct, where, "Response") for ct in types}
    return {
        ct: _model_name(doc, media.raw("schema"), ct, where, "Response")
        for ct, media in response.objects("content")
        if media.raw("schema") is not None
    }


def _model_name(doc: Document, schema: Any, content_type: str, where: str, role: str) -> str:
    """The model a schema names by ``$ref``; an inline schema becomes a model of its own."""
    if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        if name not in doc.models:
            raise SpecError(f"{where}: schema reference {schema['$ref']!r} names no model", ("$ref",))
        return name
    name = role + alnum_id(8, where, content_type, role).capitalize()
    doc.models[name] = Model(name, content_type, freeze_json(schema))
    return name


def _validator_id(doc: Document, op: Props) -> str | None:
    name = op.text("x-amazon-apigateway-request-validator", doc.default_validator)
    if name is None:
        return None
    validator = doc.validators.get(name)
    if validator is None:
        raise op.fail(f"request validator {name!r} is not defined", "x-amazon-apigateway-request-validator")
    return validator.id
