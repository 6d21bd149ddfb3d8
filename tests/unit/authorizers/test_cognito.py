"""Cognito user pool authorizers: real RSA/EC keys, real signatures, an injected clock and fetch."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from vpcgate.gateway.authorizers.cognito import CognitoAuthorizer, claims_for_context, java_date
from vpcgate.gateway.authorizers.identity import IdentityInput
from vpcgate.gateway.authorizers.jwks import (
    IssuerKeys,
    JwksError,
    JwksSource,
    cognito_issuer,
    jwks_url,
    parse_jwks,
)
from vpcgate.gateway.authorizers.lambda_authorizer import AuthorizerSetupError
from vpcgate.gateway.errors import AuthorizerConfigurationError, UnauthorizedError
from vpcgate.spec.model import Authorizer, AuthorizerType

from .tokens import SigningKey, b64url, jwks

POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
NOW = 1_700_000_000
SPEC = Authorizer(
    id="cog1",
    name="Pool",
    type=AuthorizerType.COGNITO_USER_POOLS,
    identity_source="method.request.header.Authorization",
    provider_arns=(POOL_ARN,),
)
KEY = SigningKey.rsa("key-1")
OTHER = SigningKey.rsa("key-1")  # same kid, different key: a forgery


def id_claims(**extra: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "d2f50444-0041-7036-aea2-a955fca33d37",
        "aud": "3nkoep4151b7umeggnottc30u9",
        "email_verified": True,
        "token_use": "id",
        "auth_time": NOW - 60,
        "iss": ISSUER,
        "cognito:username": "alice",
        "cognito:groups": ["admins", "operators"],
        "exp": NOW + 3600,
        "iat": NOW - 60,
        "email": "alice@example.com",
    }
    claims.update(extra)
    return claims


def access_claims(**extra: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "d2f50444",
        "token_use": "access",
        "scope": "com.example/read openid",
        "client_id": "3nkoep4151b7umeggnottc30u9",
        "iss": ISSUER,
        "exp": NOW + 3600,
        "iat": NOW - 60,
    }
    claims.update(extra)
    return claims


class Fetcher:
    def __init__(self, *bodies: bytes) -> None:
        self.bodies = list(bodies)
        self.urls: list[str] = []

    async def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.bodies[min(len(self.urls), len(self.bodies)) - 1]


def authorizer(fetch: Fetcher | None = None, spec: Authorizer = SPEC, **options: Any) -> CognitoAuthorizer:
    source = JwksSource(url=jwks_url(ISSUER), fetch=fetch or Fetcher(jwks(KEY)), clock=lambda: 0.0)
    return CognitoAuthorizer.build(
        spec, keys=IssuerKeys({ISSUER: source}), clock=lambda: float(NOW), **options
    )


def headers(token: str | None) -> IdentityInput:
    return IdentityInput(headers=[("Authorization", token)] if token is not None else [])


async def test_a_valid_id_token_and_its_claims_as_aws_renders_them() -> None:
    fetch = Fetcher(jwks(KEY))
    result = await authorizer(fetch).authorize(headers(KEY.sign(id_claims())))
    assert fetch.urls == [f"{ISSUER}/.well-known/jwks.json"]
    assert result.token_use == "id"
    claims = result.template_claims()
    assert claims["email_verified"] == "true"
    assert claims["cognito:groups"] == "admins,operators"
    assert claims["auth_time"] == str(NOW - 60)
    assert claims["exp"] == "Tue Nov 14 23:13:20 UTC 2023"
    assert claims["iat"] == "Tue Nov 14 22:12:20 UTC 2023"
    assert claims["iss"] == ISSUER
    assert result.proxy_authorizer() == {"claims": claims}


def test_java_date_matches_a_captured_claim() -> None:
    # amazon-cognito-identity-js#92: "exp": "Fri Jul 29 18:52:53 UTC 2016" for 1469818373
    assert java_date(1469818373) == "Fri Jul 29 18:52:53 UTC 2016"
    assert claims_for_context({"nested": {"a": 1}, "n": 1.5}) == {"nested": '{"a":1}', "n": "1.5"}


async def test_bearer_prefix_is_tolerated() -> None:
    await authorizer().authorize(headers("Bearer " + KEY.sign(id_claims())))


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES256", "ES384"])
async def test_other_asymmetric_algorithms(alg: str) -> None:
    key = SigningKey.ec("ec", alg) if alg.startswith("ES") else SigningKey(f"k-{alg}", alg, KEY.private)
    await authorizer(Fetcher(jwks(key))).authorize(headers(key.sign(id_claims())))


async def unauthorized(
    token: str | None, auth: CognitoAuthorizer | None = None, scopes: tuple[str, ...] = ()
) -> None:
    with pytest.raises(UnauthorizedError) as caught:
        await (auth or authorizer()).authorize(headers(token), scopes=scopes)
    assert caught.value.status == 401 and caught.value.message == "Unauthorized"


async def test_missing_empty_and_unreadable_tokens_are_401() -> None:
    for token in (None, "", "abc", "a.b.c", "Bearer ", b64url(b"{}") + "." + b64url(b"[]") + ".x"):
        await unauthorized(token)


async def test_forged_and_tampered_tokens_are_401() -> None:
    await unauthorized(OTHER.sign(id_claims()))
    good = KEY.sign(id_claims())
    head, _, signature = good.split(".")
    tampered = b64url(json.dumps(id_claims(email="mallory@example.com")).encode())
    await unauthorized(f"{head}.{tampered}.{signature}")
    await unauthorized(KEY.sign(id_claims(), header={"kid": "key-1", "alg": "none"}))
    unsigned = KEY.sign(id_claims(), header={"kid": "key-1", "alg": "none"}).rsplit(".", 1)[0] + "."
    await unauthorized(unsigned)
    await unauthorized(KEY.sign(id_claims(), header={"kid": "unknown", "alg": "RS256"}))
    await unauthorized(KEY.sign(id_claims(), header={"alg": "RS256"}))  # no kid
    await unauthorized(good.rsplit(".", 1)[0] + ".")  # no signature


async def test_hs256_with_the_public_key_as_secret_is_refused() -> None:
    import hashlib
    import hmac

    head = b64url(json.dumps({"kid": "key-1", "alg": "HS256"}).encode())
    body = b64url(json.dumps(id_claims()).encode())
    secret = json.dumps(KEY.jwk()).encode()
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    await unauthorized(f"{head}.{body}.{b64url(mac)}")


async def test_wrong_issuer_is_401() -> None:
    await unauthorized(KEY.sign(id_claims(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")))
    await unauthorized(KEY.sign(id_claims(iss=None)))


async def test_expiry_and_not_before_by_the_clock() -> None:
    await unauthorized(KEY.sign(id_claims(exp=NOW)))
    await unauthorized(KEY.sign(id_claims(exp=None)))
    await unauthorized(KEY.sign(id_claims(exp="soon")))
    await authorizer().authorize(headers(KEY.sign(id_claims(exp=NOW + 1))))
    await unauthorized(KEY.sign(id_claims(nbf=NOW + 10)))
    await authorizer().authorize(headers(KEY.sign(id_claims(nbf=NOW))))
    lenient = authorizer(leeway_seconds=30)
    await lenient.authorize(headers(KEY.sign(id_claims(exp=NOW - 20))))
    await unauthorized(KEY.sign(id_claims(exp=NOW - 31)), lenient)


async def test_without_scopes_only_an_id_token() -> None:
    await unauthorized(KEY.sign(access_claims()))


async def test_with_scopes_an_access_token_sharing_one_scope() -> None:
    result = await authorizer().authorize(
        headers(KEY.sign(access_claims())), scopes=("other", "com.example/read")
    )
    assert result.token_use == "access"
    await unauthorized(KEY.sign(access_claims()), scopes=("com.example/write",))
    await unauthorized(KEY.sign(id_claims()), scopes=("com.example/read",))
    await unauthorized(KEY.sign(access_claims(scope=None)), scopes=("com.example/read",))


async def test_validation_expression_matches_the_audience() -> None:
    spec = replace(SPEC, identity_validation_expression="3nkoep.*")
    await authorizer(spec=spec).authorize(headers(KEY.sign(id_claims())))
    await unauthorized(KEY.sign(id_claims(aud="another-client")), authorizer(spec=spec))


async def test_client_ids_when_configured() -> None:
    strict = authorizer(client_ids=["3nkoep4151b7umeggnottc30u9"])
    await strict.authorize(headers(KEY.sign(id_claims())))
    await strict.authorize(headers(KEY.sign(access_claims())), scopes=("openid",))
    await unauthorized(KEY.sign(id_claims(aud="someone-else")), strict)
    await unauthorized(KEY.sign(access_claims(client_id="someone-else")), strict, scopes=("openid",))


async def test_key_rotation_refetches_once_per_interval() -> None:
    rotated = SigningKey.rsa("key-2")
    fetch = Fetcher(jwks(KEY), jwks(KEY, rotated))
    now = [0.0]
    source = JwksSource(url=jwks_url(ISSUER), fetch=fetch, clock=lambda: now[0], refresh_interval=300)
    auth = CognitoAuthorizer.build(SPEC, keys=IssuerKeys({ISSUER: source}), clock=lambda: float(NOW))
    await auth.authorize(headers(KEY.sign(id_claims())))
    now[0] = 100.0
    await unauthorized(rotated.sign(id_claims()), auth)  # too soon to refetch
    assert len(fetch.urls) == 1
    now[0] = 301.0
    await auth.authorize(headers(rotated.sign(id_claims())))
    assert len(fetch.urls) == 2
    await auth.authorize(headers(KEY.sign(id_claims())))
    assert len(fetch.urls) == 2


async def test_keys_from_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_bytes(jwks(KEY))
    auth = CognitoAuthorizer.build(
        SPEC, keys=IssuerKeys({ISSUER: JwksSource(path=path)}), clock=lambda: float(NOW)
    )
    await auth.authorize(headers(KEY.sign(id_claims())))


async def test_unloadable_keys_are_500(tmp_path: Path) -> None:
    async def down(url: str) -> bytes:
        raise ConnectionRefusedError("connection refused")

    for source in (
        JwksSource(path=tmp_path / "missing.json"),
        JwksSource(url=jwks_url(ISSUER), fetch=down),
        JwksSource(url=jwks_url(ISSUER), fetch=Fetcher(b"<html>")),
    ):
        auth = CognitoAuthorizer.build(SPEC, keys=IssuerKeys({ISSUER: source}), clock=lambda: float(NOW))
        with pytest.raises(AuthorizerConfigurationError):
            await auth.authorize(headers(KEY.sign(id_claims())))


def test_jwks_parsing() -> None:
    keys = parse_jwks(jwks(KEY, SigningKey.ec("e1")))
    assert set(keys) == {"key-1", "e1"}
    assert parse_jwks({"keys": [{"kty": "RSA", "use": "enc", "n": "x", "e": "AQAB"}]}) == {}
    for bad in (b"nope", b"{}", {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}, {"keys": [{"kty": "RSA"}]}):
        with pytest.raises(JwksError):
            parse_jwks(bad)


def test_issuer_from_pool_arn() -> None:
    assert cognito_issuer(POOL_ARN) == ISSUER
    with pytest.raises(JwksError):
        cognito_issuer("arn:aws:iam::123456789012:role/x")


@pytest.mark.parametrize(
    "spec",
    [
        replace(SPEC, provider_arns=()),
        replace(SPEC, provider_arns=("not-an-arn",)),
        replace(SPEC, identity_source="method.request.querystring.t"),
        replace(SPEC, identity_validation_expression="(bad"),
        replace(SPEC, type=AuthorizerType.TOKEN),
    ],
)
def test_bad_configuration_is_refused(spec: Authorizer) -> None:
    with pytest.raises(AuthorizerSetupError):
        authorizer(spec=spec)
