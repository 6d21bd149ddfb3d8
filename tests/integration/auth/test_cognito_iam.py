"""Cognito user pool authorizers (JWTs signed here with real keys, checked against a JWKS file) and
AWS_IAM (requests signed by real botocore), through a real gateway."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.integration.auth.conftest import FIXTURES, body, guarded
from tests.unit.authorizers.tokens import SigningKey, jwks
from vpcgate.gateway.guard_setup import GuardSettings, parse_iam_credentials
from vpcgate.http.client import ClientResponse
from vpcgate.limits.clock import ManualClock

TEMPLATE = FIXTURES / "auth.yaml"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
ACCOUNT = "123456789012"


def _claims(now: float, **extra: Any) -> dict[str, Any]:
    claims = {
        "sub": "5f0c-user",
        "email": "erin@example.com",
        "iss": ISSUER,
        "token_use": "id",
        "aud": "client-1",
        "iat": int(now),
        "auth_time": int(now),
        "exp": int(now) + 3600,
    }
    claims.update(extra)
    return claims


async def test_cognito_tokens_are_checked_against_the_jwks_file(tmp_path: Path) -> None:
    key, stranger = SigningKey.rsa("k1"), SigningKey.rsa("k1")
    keys_file = tmp_path / "jwks.json"
    keys_file.write_bytes(jwks(key))
    clock = ManualClock(wall=time.time())
    settings = GuardSettings(jwks=((ISSUER, str(keys_file)),), clock=clock)
    async with guarded(TEMPLATE, tmp_path, settings) as gw:
        token = key.sign(_claims(clock.wall()))
        ok = await gw.call("GET", "/dev/cognito", headers=[("Authorization", token)])
        assert ok.status == 200, ok.body
        assert body(ok) == {"sub": "5f0c-user", "email": "erin@example.com"}
        bearer = await gw.call("GET", "/dev/cognito", headers=[("Authorization", "Bearer " + token)])
        assert bearer.status == 200

        forged = stranger.sign(_claims(clock.wall()))  # same kid, another key
        for headers in ([("Authorization", forged)], [("Authorization", "not.a.jwt")], []):
            refused = await gw.call("GET", "/dev/cognito", headers=headers)
            assert (refused.status, refused.body) == (401, b'{"message":"Unauthorized"}')

        clock.advance(3601)  # the token expires on the gateway's clock
        expired = await gw.call("GET", "/dev/cognito", headers=[("Authorization", token)])
        assert expired.status == 401


def _signed(url: str, access_key: str, secret: str) -> list[tuple[str, str]]:
    request = AWSRequest(method="GET", url=url, headers={"User-Agent": "tests"})
    SigV4Auth(Credentials(access_key, secret), "execute-api", "us-east-1").add_auth(request)
    return list(request.headers.items())


async def _iam_call(gw: Any, path: str, access_key: str, secret: str) -> ClientResponse:
    response: ClientResponse = await gw.call("GET", path, headers=_signed(gw.base + path, access_key, secret))
    return response


async def test_aws_iam_verifies_botocore_signatures(tmp_path: Path) -> None:
    creds = parse_iam_credentials("AKIAVPCGATETEST00001:s3cr3t/Key", ACCOUNT)
    settings = GuardSettings(iam_credentials=(creds,))
    async with guarded(TEMPLATE, tmp_path, settings) as gw:
        ok = await _iam_call(gw, "/dev/iam", creds.access_key_id, creds.secret_access_key)
        assert ok.status == 200, ok.body
        identity = body(ok)["identity"]
        assert identity["accessKey"] == "AKIAVPCGATETEST00001"
        assert identity["accountId"] == ACCOUNT
        assert identity["userArn"] == f"arn:aws:iam::{ACCOUNT}:user/AKIAVPCGATETEST00001"
        assert identity["caller"] == identity["user"] == "AKIAVPCGATETEST00001"

        mapped = await _iam_call(gw, "/dev/iam/mapped", creds.access_key_id, creds.secret_access_key)
        assert body(mapped) == {"userArn": creds.user_arn, "accountId": ACCOUNT}

        wrong_secret = await _iam_call(gw, "/dev/iam", creds.access_key_id, "not-the-secret")
        assert wrong_secret.status == 403
        assert wrong_secret.headers.get("x-amzn-ErrorType") == "InvalidSignatureException"
        unknown = await _iam_call(gw, "/dev/iam", "AKIAUNKNOWNKEY000000", "whatever")
        assert unknown.status == 403
        assert body(unknown) == {"message": "The security token included in the request is invalid."}
        unsigned = await gw.call("GET", "/dev/iam")
        assert (unsigned.status, unsigned.body) == (403, b'{"message":"Missing Authentication Token"}')
