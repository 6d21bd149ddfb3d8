"""A Lambda authorizer (TOKEN or REQUEST), built once per stage, asked once per request.

The order AWS documents (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html):

0. (at build) a TOKEN authorizer needs its header, and a REQUEST authorizer with caching on needs
   identity sources: "For the REQUEST authorizer, this is required when authorization caching is
   enabled" (API_Authorizer.html); AWS refuses such an authorizer when it is created;
1. read the identity sources; one missing or empty → 401 without calling the function
   (:mod:`.identity`); a TOKEN authorizer's ``identityValidationExpression`` (a Java regex, matched
   against the whole token) that does not match → 401 without calling it either
   (https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html);
   (a REQUEST authorizer with TTL 0 and sources still checks them: the page says the sources serve
   "to derive the authorization caching key and to perform runtime validation"; whether AWS skips
   the check when caching is off is not documented);
2. with caching on (TTL > 0): a cached answer for the same identity
   is used without calling the function (:mod:`.cache`);
3. otherwise call the function with the TOKEN or REQUEST event (:mod:`.events`) and check its answer
   (:mod:`.output`: 401 for ``Unauthorized``, 500 for anything else wrong); cache a valid answer;
4. evaluate the answer's policy against this request's method ARN (:mod:`.policy`). The decision is
   returned, not enforced: :func:`vpcgate.gateway.authorizers.flow.decide` combines it with the API's
   resource policy.

A function the gateway cannot invoke at all (unknown, throttled, crashed before answering) is the
same 500 AUTHORIZER_CONFIGURATION_ERROR as a nonsense answer.

Errors::

    UnauthorizedError              401: no identity, a token failing the validation expression, or
                                   the function said ``Unauthorized``
    AuthorizerConfigurationError   500: the function failed or answered nonsense
    AuthorizerSetupError           (ValueError) the authorizer's configuration cannot work (at build)
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vpcgate.functions.invocation import InvokeResult
from vpcgate.gateway.authorizers.arn import MethodArn
from vpcgate.gateway.authorizers.cache import AuthorizerCache, CacheStore
from vpcgate.gateway.authorizers.events import request_event, token_event
from vpcgate.gateway.authorizers.identity import (
    IdentityInput,
    IdentitySource,
    IdentitySourceError,
    parse_identity_sources,
    read_all,
)
from vpcgate.gateway.authorizers.output import AuthorizerOutput, parse_function_result
from vpcgate.gateway.authorizers.policy import Decision, evaluate
from vpcgate.gateway.errors import AuthorizerConfigurationError, UnauthorizedError
from vpcgate.gateway.proxy_event import ProxyRequest
from vpcgate.javaregex import JavaRegexError, compile_java
from vpcgate.spec.model import Authorizer, AuthorizerType

__all__ = ["AuthorizerRequest", "AuthorizerSetupError", "InvokeFunction", "LambdaAuthorizer", "LambdaResult"]

InvokeFunction = Callable[[bytes], Awaitable[InvokeResult]]
"""Invoke the authorizer's function with an event (the chain binds the function from authorizerUri)."""


class AuthorizerSetupError(ValueError):
    """The authorizer's configuration cannot work (bad identity source or validation expression)."""


@dataclass(frozen=True, slots=True)
class AuthorizerRequest:
    """What an authorizer needs of a request. ``proxy`` is required for REQUEST authorizers (it
    holds the headers, query and stage variables the event carries)."""

    arn: MethodArn
    identity: IdentityInput
    proxy: ProxyRequest | None = None


@dataclass(frozen=True, slots=True)
class LambdaResult:
    """The authorizer's answer and what its policy decides for this request's method ARN."""

    output: AuthorizerOutput
    decision: Decision
    latency_ms: int
    cached: bool

    def proxy_authorizer(self) -> dict[str, Any]:
        """``requestContext.authorizer`` of a proxy event: stringified context, principalId,
        and ``integrationLatency`` (the authorizer's latency in ms; 0 when served from the cache)."""
        values: dict[str, Any] = dict(self.output.template_context())
        values["integrationLatency"] = self.latency_ms
        return values


@dataclass(slots=True)
class LambdaAuthorizer:
    spec: Authorizer
    api_id: str
    invoke: InvokeFunction
    sources: tuple[IdentitySource, ...]
    validation: re.Pattern[str] | None = None
    cache: AuthorizerCache | None = None
    clock: Callable[[], float] = field(default=time.monotonic)

    @classmethod
    def build(
        cls,
        spec: Authorizer,
        *,
        api_id: str,
        invoke: InvokeFunction,
        store: CacheStore | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> LambdaAuthorizer:
        """Check the configuration once. ``store`` None disables caching whatever the TTL."""
        if spec.type not in (AuthorizerType.TOKEN, AuthorizerType.REQUEST):
            raise AuthorizerSetupError(f"authorizer {spec.name}: {spec.type} is not a Lambda authorizer")
        is_token = spec.type is AuthorizerType.TOKEN
        try:
            sources = parse_identity_sources(spec.identity_source, header_only=is_token)
        except IdentitySourceError as exc:
            raise AuthorizerSetupError(f"authorizer {spec.name}: {exc}") from None
        if not sources and (is_token or spec.result_ttl > 0):
            raise AuthorizerSetupError(
                f"authorizer {spec.name}: identitySource is required for a TOKEN authorizer, and for a "
                "REQUEST authorizer whose results are cached (AuthorizerResultTtlInSeconds > 0; AWS "
                "refuses it too)"
            )
        validation = _validation(spec) if is_token else None
        cache = None
        if store is not None and spec.result_ttl > 0 and sources:
            cache = AuthorizerCache(store, api_id=api_id, authorizer_id=spec.id, ttl_seconds=spec.result_ttl)
        return cls(spec, api_id, invoke, sources, validation, cache, clock)

    async def authorize(self, request: AuthorizerRequest) -> LambdaResult:
        identity = read_all(self.sources, request.identity)
        if self.validation is not None and self.validation.fullmatch(identity[0]) is None:
            raise UnauthorizedError()
        output = await self.cache.get(identity) if self.cache is not None else None
        if output is not None:
            return LambdaResult(output, evaluate(output.policy, str(request.arn)), 0, cached=True)
        started = self.clock()
        output = await self._call(self._event(identity, request))
        latency_ms = round((self.clock() - started) * 1000)
        if self.cache is not None:
            await self.cache.put(identity, output)
        return LambdaResult(output, evaluate(output.policy, str(request.arn)), latency_ms, cached=False)

    def _event(self, identity: Sequence[str], request: AuthorizerRequest) -> Mapping[str, Any]:
        if self.spec.type is AuthorizerType.TOKEN:
            return token_event(identity[0], request.arn)
        if request.proxy is None:
            raise TypeError("a REQUEST authorizer needs AuthorizerRequest.proxy")
        return request_event(request.proxy, request.arn)

    async def _call(self, event: Mapping[str, Any]) -> AuthorizerOutput:
        try:
            result = await self.invoke(json.dumps(event, separators=(",", ":")).encode())
        except Exception as exc:  # the functions service refused: AWS answers the same 500
            error = AuthorizerConfigurationError()
            error.add_note(f"the authorizer function could not be invoked: {exc!r}")
            raise error from exc
        return parse_function_result(result.payload, function_error=result.function_error)


def _validation(spec: Authorizer) -> re.Pattern[str] | None:
    if not spec.identity_validation_expression:
        return None
    try:
        return compile_java(spec.identity_validation_expression)
    except JavaRegexError as exc:
        raise AuthorizerSetupError(f"authorizer {spec.name}: identityValidationExpression: {exc}") from None
