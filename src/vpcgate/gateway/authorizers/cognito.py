"""COGNITO_USER_POOLS authorizers: a user pool's JWT checked as API Gateway checks it.

Sources:
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html,
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html.

The token is the identity source header's value (``Authorization`` usually). Checks, in order; any
failure is 401 ``{"message":"Unauthorized"}`` (the troubleshooting page lists an expired token, a
wrong issuer and an invalid token string as 401s:
https://repost.aws/knowledge-center/api-gateway-cognito-401-unauthorized):

1. header present and not empty; a ``Bearer `` prefix is tolerated (AWS's own docs send the bare
   token; public reports disagree on whether AWS strips the prefix, vpcgate accepts both);
2. three base64url parts, JSON header and payload; ``alg`` one of the asymmetric algorithms
   (Cognito signs with RS256), never ``none`` or ``HS*``;
3. ``iss`` is the issuer of one of the authorizer's ``providerARNs``
   (``https://cognito-idp.{region}.amazonaws.com/{poolId}``) and the key named by ``kid`` in that
   pool's JWKS verifies the signature;
4. ``exp`` is in the future and ``nbf`` (if any) in the past, by the injected clock, with
   ``leeway_seconds`` of tolerance (default 0);
5. without authorization scopes on the method, the token must be an ID token (``token_use: id``)
   and ``identityValidationExpression`` (if any) must match its ``aud`` — "API Gateway treats the
   supplied token as an identity token"; with scopes, it must be an access token
   (``token_use: access``) whose ``scope`` claim shares at least one scope with the method ("the
   method call succeeds if any scope that's specified on the method ... matches a scope that's
   claimed in the incoming token. Otherwise, the call fails with a 401 Unauthorized response");
6. if app client ids are configured, ``aud`` (ID token) or ``client_id`` (access token) is one of them.

The claims reach ``$context.authorizer.claims`` with every value a string, as AWS delivers them:
``exp``, ``iat`` (and ``nbf``) as Java's ``Date.toString()`` in UTC (``Fri Jul 29 18:52:53 UTC 2016``),
other numbers as written (``auth_time`` ``"1469814773"``), booleans ``true``/``false`` and arrays
joined with commas (``cognito:groups`` ``"group-a,group-b"``); captured in
amazon-archives/amazon-cognito-identity-js#92, a re:Post question on cognito:groups, and
awsdocs/amazon-api-gateway-developer-guide#158. Objects are written as JSON (AWS: unverified).

A key set that cannot be read or fetched is 500 AUTHORIZER_CONFIGURATION_ERROR: the fault is
vpcgate's configuration, not the caller's token.

Errors::

    UnauthorizedError              401: missing, malformed, forged, expired or out-of-scope token
    AuthorizerConfigurationError   500: the user pool's keys could not be loaded
    AuthorizerSetupError           (ValueError) bad authorizer configuration, at build time
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

from vpcgate.gateway.authorizers.crypto import ALGORITHMS, b64url_decode
from vpcgate.gateway.authorizers.identity import (
    IdentityInput,
    IdentitySource,
    IdentitySourceError,
    parse_identity_sources,
    read_all,
)
from vpcgate.gateway.authorizers.jwks import JwksError, KeyResolver, cognito_issuer
from vpcgate.gateway.authorizers.lambda_authorizer import AuthorizerSetupError
from vpcgate.gateway.errors import AuthorizerConfigurationError, UnauthorizedError
from vpcgate.javaregex import JavaRegexError, compile_java
from vpcgate.spec.model import Authorizer, AuthorizerType

__all__ = ["CognitoAuthorizer", "CognitoResult", "claims_for_context"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_CLAIMS = frozenset({"exp", "iat", "nbf"})


@dataclass(frozen=True, slots=True)
class CognitoResult:
    claims: Mapping[str, Any]  # as the token carries them
    token_use: str

    def template_claims(self) -> dict[str, str]:
        """``$context.authorizer.claims``: every value a string, as AWS renders them."""
        return claims_for_context(self.claims)

    def proxy_authorizer(self) -> dict[str, Any]:
        """``requestContext.authorizer`` of a proxy event."""
        return {"claims": self.template_claims()}


@dataclass(slots=True)
class CognitoAuthorizer:
    spec: Authorizer
    source: IdentitySource
    issuers: frozenset[str]
    keys: KeyResolver
    audience: re.Pattern[str] | None = None
    client_ids: frozenset[str] | None = None
    clock: Callable[[], float] = time.time
    leeway_seconds: float = 0.0

    @classmethod
    def build(
        cls,
        spec: Authorizer,
        *,
        keys: KeyResolver,
        client_ids: Sequence[str] | None = None,
        clock: Callable[[], float] = time.time,
        leeway_seconds: float = 0.0,
    ) -> CognitoAuthorizer:
        if spec.type is not AuthorizerType.COGNITO_USER_POOLS:
            raise AuthorizerSetupError(f"authorizer {spec.name}: {spec.type} is not COGNITO_USER_POOLS")
        try:
            sources = parse_identity_sources(spec.identity_source, header_only=True)
            issuers = frozenset(cognito_issuer(arn) for arn in spec.provider_arns)
            audience = (
                compile_java(spec.identity_validation_expression)
                if spec.identity_validation_expression
                else None
            )
        except (IdentitySourceError, JwksError, JavaRegexError) as exc:
            raise AuthorizerSetupError(f"authorizer {spec.name}: {exc}") from None
        if not sources or not issuers:
            raise AuthorizerSetupError(f"authorizer {spec.name}: needs an identity source and providerARNs")
        ids = frozenset(client_ids) if client_ids is not None else None
        return cls(spec, sources[0], issuers, keys, audience, ids, clock, leeway_seconds)

    async def authorize(self, identity: IdentityInput, *, scopes: Sequence[str] = ()) -> CognitoResult:
        """Check the request's token for a method with ``scopes`` (its authorizationScopes)."""
        (token,) = read_all((self.source,), identity)
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        header, claims, signing_input, signature = _decode(token)
        await self._check_signature(header, claims, signing_input, signature)
        self._check_times(claims)
        token_use = self._check_use(claims, scopes)
        return CognitoResult(claims, token_use)

    async def _check_signature(
        self, header: Mapping[str, Any], claims: Mapping[str, Any], signing_input: bytes, signature: bytes
    ) -> None:
        issuer, kid, alg = claims.get("iss"), header.get("kid"), header.get("alg")
        if issuer not in self.issuers or not isinstance(kid, str) or alg not in ALGORITHMS:
            raise UnauthorizedError()
        assert isinstance(issuer, str) and isinstance(alg, str)
        try:
            key = await self.keys.key(issuer, kid)
        except JwksError as exc:
            error = AuthorizerConfigurationError()
            error.add_note(f"user pool keys: {exc}")
            raise error from None
        if key is None or not key.verify(alg, signing_input, signature):
            raise UnauthorizedError()

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self.clock()
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if not _is_number(exp) or now >= exp + self.leeway_seconds:
            raise UnauthorizedError()
        if nbf is not None and (not _is_number(nbf) or now < nbf - self.leeway_seconds):
            raise UnauthorizedError()

    def _check_use(self, claims: Mapping[str, Any], scopes: Sequence[str]) -> str:
        token_use = claims.get("token_use")
        if not scopes:
            audience = claims.get("aud")
            if token_use != "id" or not isinstance(audience, str):
                raise UnauthorizedError()
            if self.audience is not None and self.audience.fullmatch(audience) is None:
                raise UnauthorizedError()
            client: Any = audience
        else:
            granted = claims.get("scope")
            if (
                token_use != "access"
                or not isinstance(granted, str)
                or not set(granted.split()) & set(scopes)
            ):
                raise UnauthorizedError()
            client = claims.get("client_id")
        if self.client_ids is not None and client not in self.client_ids:
            raise UnauthorizedError()
        return str(token_use)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decode(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3:
        raise UnauthorizedError()
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise UnauthorizedError() from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise UnauthorizedError()
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def claims_for_context(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as ``$context.authorizer.claims`` holds them (see the module docstring)."""
    return {name: _claim_text(name, value) for name, value in claims.items()}


def _claim_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in _DATE_CLAIMS and _is_number(value):
        return java_date(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_claim_text("", v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return json.dumps(value)


def java_date(epoch_seconds: float) -> str:
    """Java's ``Date.toString()`` in UTC: ``Fri Jul 29 18:52:53 UTC 2016`` (locale-independent)."""
    t = datetime.fromtimestamp(int(epoch_seconds), tz=UTC)
    return (
        f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day:02d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC {t.year}"
    )
