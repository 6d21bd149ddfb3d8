"""One method's whole authorization, built once per stage: what the chain's authorize step calls.

:class:`StageAuthorizers` builds each of an API's authorizers once (so methods sharing one share its
configuration checks and cache entries) and hands out a :class:`MethodAuthorizer` per method, or
``None`` when the method needs no authorize step at all (authorization NONE and no resource policy:
"a method without an authorizer has no authorizer step").

:meth:`MethodAuthorizer.authorize` runs AWS's order for the method's authorization type
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html):
resource policy pre-check (Lambda authorizers), then the authorizer (Lambda, Cognito or SigV4), then
the combined decision (:mod:`.flow`). It answers an :class:`AuthorizationOutcome` with what later
phases need: ``$context.authorizer`` values, the proxy event's ``requestContext.authorizer``, the
API key an authorizer supplies (key source AUTHORIZER) and the SigV4 caller for ``$context.identity``.

Resource policies may name resources as ``execute-api:/{stage}/{METHOD}/{path}``; API Gateway expands
that shorthand to the API's full ARN when it stores the policy
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html),
and so does :func:`parse_resource_policy`.

Errors::

    GatewayError (401, 403, 500)    from the parts: see identity, output, flow, cognito, sigv4
    AuthorizerSetupError            (ValueError) at build: a configuration that cannot work
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vpcgate.gateway.authorizers.arn import MethodArn, method_arn
from vpcgate.gateway.authorizers.cache import CacheStore
from vpcgate.gateway.authorizers.cognito import CognitoAuthorizer
from vpcgate.gateway.authorizers.conditions import RequestFacts
from vpcgate.gateway.authorizers.flow import AuthKind, decide, pre_authorize
from vpcgate.gateway.authorizers.identity import IdentityInput
from vpcgate.gateway.authorizers.jwks import KeyResolver
from vpcgate.gateway.authorizers.lambda_authorizer import (
    AuthorizerRequest,
    AuthorizerSetupError,
    InvokeFunction,
    LambdaAuthorizer,
)
from vpcgate.gateway.authorizers.policy import Caller, Decision, Policy, PolicyError, parse_policy
from vpcgate.gateway.authorizers.sigv4 import IamIdentity, SignedRequest, SigV4Verifier
from vpcgate.gateway.proxy_event import ProxyRequest
from vpcgate.spec.model import AuthorizationType, Authorizer, AuthorizerType, Method, RestApi, thaw_json

__all__ = [
    "AuthorizationOutcome",
    "AuthorizationRequest",
    "MethodAuthorizer",
    "StageAuthorizers",
    "parse_resource_policy",
]


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """The request as authorization sees it. ``raw_path`` (stage included, as received), ``raw_query``
    and ``body`` are read by SigV4 only; ``proxy`` by REQUEST authorizers only (build it lazily)."""

    http_method: str
    path: str  # after the stage: "/pets/1"
    stage: str
    source_ip: str
    headers: Sequence[tuple[str, str]] = ()
    query: Sequence[tuple[str, str]] = ()  # decoded pairs
    stage_variables: Mapping[str, str] | None = None
    context: Mapping[str, Any] | None = None  # the $context tree
    raw_path: str = ""
    raw_query: str = ""
    body: bytes = b""
    source_vpc: str | None = None
    source_vpce: str | None = None
    proxy: Callable[[], ProxyRequest] | None = None

    def identity(self) -> IdentityInput:
        return IdentityInput(self.headers, self.query, self.stage_variables, self.context)

    def facts(self) -> RequestFacts:
        return RequestFacts(self.source_ip, self.source_vpc, self.source_vpce)


@dataclass(frozen=True, slots=True)
class AuthorizationOutcome:
    """What later phases read. ``authorizer`` is ``$context.authorizer`` (strings; Cognito's claims
    under ``claims``), ``proxy_authorizer`` the proxy event's ``requestContext.authorizer`` (``None``
    when no authorizer ran), ``iam`` the SigV4 caller for ``$context.identity``."""

    kind: AuthKind
    authorizer: Mapping[str, Any] = field(default_factory=dict)
    proxy_authorizer: Mapping[str, Any] | None = None
    usage_identifier_key: str | None = None
    principal_id: str | None = None
    iam: IamIdentity | None = None


def parse_resource_policy(document: Any, *, region: str, account_id: str, api_id: str) -> Policy:
    """An API's Policy (frozen JSON, a dict or JSON text) with ``execute-api:/...`` expanded.
    Raises :class:`~vpcgate.gateway.authorizers.policy.PolicyError`."""
    raw = parse_json_text(thaw_json(document))
    prefix = f"arn:aws:execute-api:{region}:{account_id}:{api_id}/"
    statements = raw.get("Statement") if isinstance(raw, dict) else None
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for key in ("Resource", "NotResource"):
            value = statement.get(key)
            if isinstance(value, str):
                statement[key] = _expand(value, prefix)
            elif isinstance(value, list):
                statement[key] = [_expand(v, prefix) if isinstance(v, str) else v for v in value]
    return parse_policy(raw)


def parse_json_text(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise PolicyError(f"the policy is not JSON: {exc}") from None
    return value


def _expand(resource: str, prefix: str) -> str:
    return (
        prefix + resource.removeprefix("execute-api:/") if resource.startswith("execute-api:/") else resource
    )


@dataclass(slots=True)
class MethodAuthorizer:
    kind: AuthKind
    api_id: str
    region: str
    account_id: str
    resource_policy: Policy | None
    lambda_authorizer: LambdaAuthorizer | None = None
    cognito: CognitoAuthorizer | None = None
    scopes: tuple[str, ...] = ()
    sigv4: SigV4Verifier | None = None

    def arn(self, request: AuthorizationRequest) -> MethodArn:
        return method_arn(
            region=self.region,
            account_id=self.account_id,
            api_id=self.api_id,
            stage=request.stage,
            http_method=request.http_method,
            path=request.path,
        )

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationOutcome:
        """Pass with an outcome, or raise the GatewayError AWS would answer."""
        arn = self.arn(request)
        if self.kind is AuthKind.LAMBDA:
            return await self._lambda(request, arn)
        if self.kind is AuthKind.COGNITO:
            return await self._cognito(request, arn)
        if self.kind is AuthKind.IAM:
            return self._iam(request, arn)
        self._decide(AuthKind.NONE, Decision.NEITHER, arn, Caller(), request)
        return AuthorizationOutcome(AuthKind.NONE)

    async def _lambda(self, request: AuthorizationRequest, arn: MethodArn) -> AuthorizationOutcome:
        assert self.lambda_authorizer is not None
        pre_authorize(self.resource_policy, arn, caller=Caller(), facts=request.facts())
        proxy = request.proxy() if request.proxy is not None else None
        result = await self.lambda_authorizer.authorize(AuthorizerRequest(arn, request.identity(), proxy))
        self._decide(AuthKind.LAMBDA, result.decision, arn, Caller(), request)
        output = result.output
        return AuthorizationOutcome(
            AuthKind.LAMBDA,
            authorizer=output.template_context(),
            proxy_authorizer=result.proxy_authorizer(),
            usage_identifier_key=output.usage_identifier_key,
            principal_id=output.principal_id,
        )

    async def _cognito(self, request: AuthorizationRequest, arn: MethodArn) -> AuthorizationOutcome:
        assert self.cognito is not None
        result = await self.cognito.authorize(request.identity(), scopes=self.scopes)
        self._decide(AuthKind.COGNITO, Decision.ALLOW, arn, Caller(), request)
        claims = result.template_claims()
        return AuthorizationOutcome(
            AuthKind.COGNITO, authorizer={"claims": claims}, proxy_authorizer={"claims": claims}
        )

    def _iam(self, request: AuthorizationRequest, arn: MethodArn) -> AuthorizationOutcome:
        assert self.sigv4 is not None
        signed = SignedRequest(
            request.http_method, request.raw_path, request.raw_query, request.headers, request.body
        )
        identity = self.sigv4.verify(signed)
        self._decide(AuthKind.IAM, Decision.ALLOW, arn, identity.principal, request)
        return AuthorizationOutcome(AuthKind.IAM, iam=identity)

    def _decide(
        self,
        kind: AuthKind,
        decision: Decision,
        arn: MethodArn,
        caller: Caller,
        request: AuthorizationRequest,
    ) -> None:
        decide(
            kind,
            decision,
            self.resource_policy,
            arn,
            caller=caller,
            facts=request.facts(),
            api_account_id=self.account_id,
        )


_KINDS = {
    AuthorizationType.NONE: AuthKind.NONE,
    AuthorizationType.CUSTOM: AuthKind.LAMBDA,
    AuthorizationType.COGNITO_USER_POOLS: AuthKind.COGNITO,
    AuthorizationType.AWS_IAM: AuthKind.IAM,
}


class StageAuthorizers:
    """An API's authorizers for one compiled stage. Dependencies are passed in, never looked up:

    - ``invoke_for(authorizer)``: the function behind a Lambda authorizer's ``authorizerUri``;
    - ``store``: the result cache store (memory or Redis), ``None`` to disable caching;
    - ``keys``: user pool keys for Cognito authorizers; ``client_ids``: app clients, if known;
    - ``sigv4``: the verifier holding the credentials vpcgate accepts for AWS_IAM methods.
    """

    def __init__(
        self,
        api: RestApi,
        *,
        region: str,
        account_id: str,
        invoke_for: Callable[[Authorizer], InvokeFunction] | None = None,
        store: CacheStore | None = None,
        keys: KeyResolver | None = None,
        client_ids: Sequence[str] | None = None,
        sigv4: SigV4Verifier | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.region, self.account_id = region, account_id
        self._invoke_for, self._store, self._keys = invoke_for, store, keys
        self._client_ids, self._sigv4 = client_ids, sigv4
        self._clock, self._monotonic = clock, monotonic
        self._lambda: dict[str, LambdaAuthorizer] = {}
        self._cognito: dict[str, CognitoAuthorizer] = {}
        try:
            self.resource_policy = (
                parse_resource_policy(api.policy, region=region, account_id=account_id, api_id=api.id)
                if api.policy
                else None
            )
        except PolicyError as exc:
            raise AuthorizerSetupError(f"API {api.name}: Policy: {exc}") from None

    def for_method(self, method: Method) -> MethodAuthorizer | None:
        """The method's authorizer, or ``None`` when it needs no authorize step."""
        kind = _KINDS[method.authorization_type]
        if kind is AuthKind.NONE and self.resource_policy is None:
            return None
        built = MethodAuthorizer(kind, self.api.id, self.region, self.account_id, self.resource_policy)
        if kind is AuthKind.IAM:
            if self._sigv4 is None:
                raise AuthorizerSetupError("AWS_IAM methods need credentials configured for vpcgate")
            built.sigv4 = self._sigv4
        elif kind is not AuthKind.NONE:
            spec = self.api.authorizer_by_id(method.authorizer_id or "")
            if spec is None:
                raise AuthorizerSetupError(
                    f"{method.http_method}: unknown authorizer {method.authorizer_id!r}"
                )
            if kind is AuthKind.COGNITO or spec.type is AuthorizerType.COGNITO_USER_POOLS:
                built.kind = AuthKind.COGNITO
                built.cognito = self._cognito_for(spec)
                built.scopes = method.authorization_scopes
            else:
                built.lambda_authorizer = self._lambda_for(spec)
        return built

    def _lambda_for(self, spec: Authorizer) -> LambdaAuthorizer:
        if spec.id not in self._lambda:
            if self._invoke_for is None:
                raise AuthorizerSetupError(f"authorizer {spec.name}: no way to invoke its function")
            self._lambda[spec.id] = LambdaAuthorizer.build(
                spec,
                api_id=self.api.id,
                invoke=self._invoke_for(spec),
                store=self._store,
                clock=self._monotonic,
            )
        return self._lambda[spec.id]

    def _cognito_for(self, spec: Authorizer) -> CognitoAuthorizer:
        if spec.id not in self._cognito:
            if self._keys is None:
                raise AuthorizerSetupError(f"authorizer {spec.name}: no user pool keys configured")
            self._cognito[spec.id] = CognitoAuthorizer.build(
                spec, keys=self._keys, client_ids=self._client_ids, clock=self._clock
            )
        return self._cognito[spec.id]
