"""``$context`` and ``$stageVariables`` for mapping templates, and the overrides read back.

The variables are those of the AWS reference "Variables for data transformations"
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference
(``CONTEXT_VARIABLES`` lists them; ``authorizer.<key>`` and ``requestOverride``/``responseOverride``
are open-ended and come on top). The gateway passes the values it has as flat dotted names to
:func:`context_map`; a documented variable without a value is null, which renders as nothing.
``$context.authorizer.<key>`` values are "stringified" (``1`` → ``"1"``, ``true`` → ``"true"``),
as the reference says; ``$context.authorizer.claims`` stays a map.

A request template may set ``$context.requestOverride.header.<name>``, ``.path.<name>`` and
``.querystring.<name>``; a response template ``$context.responseOverride.header.<name>`` and
``.status``. ``#set`` writes them into the maps this module creates; :func:`request_override`
and :func:`response_override` read them back (values as Java prints them).
See https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vpcgate.vtl import VtlObject, VtlRenderError
from vpcgate.vtl.values import NoMatch, java_str

__all__ = [
    "CONTEXT_VARIABLES",
    "ContextBase",
    "OverrideMap",
    "RequestOverride",
    "ResponseOverride",
    "context_map",
    "fresh_overrides",
    "request_override",
    "response_override",
]

CONTEXT_VARIABLES: tuple[str, ...] = (
    "accountId",
    "apiId",
    "authorizer.claims",
    "authorizer.principalId",
    "awsEndpointRequestId",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "error.message",
    "error.messageString",
    "error.responseType",
    "error.validationErrorString",
    "extendedRequestId",
    "httpMethod",
    "identity.accountId",
    "identity.apiKey",
    "identity.apiKeyId",
    "identity.caller",
    "identity.clientCert.clientCertPem",
    "identity.clientCert.issuerDN",
    "identity.clientCert.serialNumber",
    "identity.clientCert.subjectDN",
    "identity.clientCert.validity.notAfter",
    "identity.clientCert.validity.notBefore",
    "identity.cognitoAuthenticationProvider",
    "identity.cognitoAuthenticationType",
    "identity.cognitoIdentityId",
    "identity.cognitoIdentityPoolId",
    "identity.principalOrgId",
    "identity.sourceIp",
    "identity.user",
    "identity.userAgent",
    "identity.userArn",
    "identity.vpcId",
    "identity.vpceId",
    "isCanaryRequest",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
    "wafResponseCode",
    "webaclArn",
    "xrayTraceId",
)


class OverrideMap(VtlObject):
    """One of the override maps (``header``, ``path``, ``querystring``, or ``responseOverride``).

    "Overrides are final. An override may only be applied to each parameter once. Trying to
    override the same parameter multiple times will result in 5XX responses" (the overrides page
    above): a second ``#set`` of one name fails the render.
    """

    __slots__ = ("values",)

    def __init__(self, values: dict[str, object] | None = None) -> None:
        self.values: dict[str, object] = values if values is not None else {}

    def vtl_get(self, name: str) -> object:
        return self.values.get(name)

    def vtl_set(self, name: str, value: object) -> bool:
        if name in self.values and not isinstance(self.values[name], OverrideMap):
            raise VtlRenderError(f"the override {name!r} was set twice (overrides are final)")
        self.values[name] = value
        return True

    def vtl_call(self, name: str, args: tuple[object, ...]) -> object:
        if name == "get" and len(args) == 1:
            return self.values.get(java_str(args[0]))
        if name == "put" and len(args) == 2:
            self.vtl_set(java_str(args[0]), args[1])
            return None
        plain = {k: v for k, v in self.values.items() if not isinstance(v, OverrideMap)}
        if name == "keySet" and not args:
            return list(plain)
        if name == "size" and not args:
            return len(plain)
        if name == "isEmpty" and not args:
            return not plain
        if name == "containsKey" and len(args) == 1:
            return args[0] in plain
        if name == "toString" and not args:
            return java_str(plain)
        raise NoMatch

    def vtl_str(self) -> str:
        return java_str(dict(self.values))


def fresh_overrides() -> tuple[OverrideMap, OverrideMap]:
    """New ``requestOverride`` and ``responseOverride`` maps for one render."""
    request = OverrideMap({"header": OverrideMap(), "path": OverrideMap(), "querystring": OverrideMap()})
    response = OverrideMap({"header": OverrideMap()})
    return request, response


def _skeleton() -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name in CONTEXT_VARIABLES:
        node = tree
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = None
    return tree


_SKELETON = _skeleton()


def _copy_tree(tree: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy_tree(v) if type(v) is dict else v for k, v in tree.items()}


_PATHS: dict[str, tuple[tuple[str, ...], str]] = {}  # dotted name → (parents, leaf), split once
_PATHS_KEPT = 4096  # authorizer context keys are the user's: the cache stays bounded


def _path(name: str) -> tuple[tuple[str, ...], str]:
    found = _PATHS.get(name)
    if found is None:
        *parents, leaf = name.split(".")
        found = (tuple(parents), leaf)
        if len(_PATHS) < _PATHS_KEPT:
            _PATHS[name] = found
    return found


def context_map(values: Mapping[str, object]) -> dict[str, Any]:
    """Build the ``$context`` tree from flat dotted names (``"identity.sourceIp": "1.2.3.4"``)."""
    tree = _copy_tree(_SKELETON)
    for name, given in values.items():
        value = given
        if name.startswith("authorizer.") and name != "authorizer.claims" and value is not None:
            value = java_str(value)
        node = tree
        parents, leaf = _path(name)
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = value
    tree["requestOverride"], tree["responseOverride"] = fresh_overrides()
    return tree


class ContextBase:
    """A ``$context`` tree with the values a stage knows before any request (account, API,
    deployment, stage), built once per stage; :meth:`new` copies it for one request ("built once,
    run many"). ``ContextBase(values).new()`` equals ``context_map(values)``: the same keys in the
    same order, the nested maps copied (a request may write into them), fresh override maps."""

    __slots__ = ("_nested", "_tree")

    def __init__(self, values: Mapping[str, object]) -> None:
        tree = context_map(values)
        del tree["requestOverride"], tree["responseOverride"]
        self._tree = tree
        self._nested = tuple(_nested_paths(tree, ()))

    def new(self) -> dict[str, Any]:
        tree = self._tree.copy()
        for parents, leaf in self._nested:  # parents before children: each is already a copy
            node = tree
            for part in parents:
                node = node[part]
            node[leaf] = node[leaf].copy()
        tree["requestOverride"], tree["responseOverride"] = fresh_overrides()
        return tree


def _nested_paths(tree: dict[str, Any], parents: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    paths: list[tuple[tuple[str, ...], str]] = []
    for key, value in tree.items():
        if type(value) is dict:
            paths.append((parents, key))
            paths += _nested_paths(value, (*parents, key))
    return paths


@dataclass(frozen=True, slots=True)
class RequestOverride:
    header: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ResponseOverride:
    header: dict[str, str] = field(default_factory=dict)
    status: int | None = None


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, OverrideMap):
        return {}
    return {java_str(k): java_str(v) for k, v in value.values.items() if v is not None}


def request_override(context: Mapping[str, Any]) -> RequestOverride:
    override = context.get("requestOverride")
    if not isinstance(override, OverrideMap):
        return RequestOverride()
    return RequestOverride(
        _strings(override.vtl_get("header")),
        _strings(override.vtl_get("path")),
        _strings(override.vtl_get("querystring")),
    )


def response_override(context: Mapping[str, Any]) -> ResponseOverride:
    override = context.get("responseOverride")
    if not isinstance(override, OverrideMap):
        return ResponseOverride()
    status = override.vtl_get("status")
    code: int | None = None
    if status is not None:
        try:
            code = int(java_str(status))
        except ValueError:
            code = None
    return ResponseOverride(_strings(override.vtl_get("header")), code)
