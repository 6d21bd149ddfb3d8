"""``$context`` and ``$stageVariables`` for mapping templates, and the overrides read back.

The variables are those of the AWS reference
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#context-variable-reference
(``CONTEXT_VARIABLES`` lists them). The gateway passes the values it has as flat dotted names to
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

from vpcgate.vtl.values import java_str

__all__ = [
    "CONTEXT_VARIABLES",
    "RequestOverride",
    "ResponseOverride",
    "context_map",
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
    "identity.clientCert",
    "identity.cognitoAuthenticationProvider",
    "identity.cognitoAuthenticationType",
    "identity.cognitoIdentityId",
    "identity.cognitoIdentityPoolId",
    "identity.principalOrgId",
    "identity.sourceIp",
    "identity.user",
    "identity.userAgent",
    "identity.userArn",
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


def context_map(values: Mapping[str, object]) -> dict[str, Any]:
    """Build the ``$context`` tree from flat dotted names (``"identity.sourceIp": "1.2.3.4"``)."""
    tree: dict[str, Any] = {}
    for name in (*CONTEXT_VARIABLES, *values):
        value = values.get(name)
        if name.startswith("authorizer.") and name != "authorizer.claims" and value is not None:
            value = java_str(value)
        node = tree
        *parents, leaf = name.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if value is not None or leaf not in node:
            node[leaf] = value
    tree["requestOverride"] = {"header": {}, "path": {}, "querystring": {}}
    tree["responseOverride"] = {"header": {}, "status": None}
    return tree


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
    if not isinstance(value, dict):
        return {}
    return {java_str(k): java_str(v) for k, v in value.items() if v is not None}


def request_override(context: Mapping[str, Any]) -> RequestOverride:
    override = context.get("requestOverride")
    if not isinstance(override, dict):
        return RequestOverride()
    return RequestOverride(
        _strings(override.get("header")),
        _strings(override.get("path")),
        _strings(override.get("querystring")),
    )


def response_override(context: Mapping[str, Any]) -> ResponseOverride:
    override = context.get("responseOverride")
    if not isinstance(override, dict):
        return ResponseOverride()
    status = override.get("status")
    code: int | None = None
    if status is not None:
        try:
            code = int(java_str(status))
        except ValueError:
            code = None
    return ResponseOverride(_strings(override.get("header")), code)
