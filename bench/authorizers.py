"""Authorization costs per request: policy evaluation, a cached Lambda authorizer, a Cognito JWT
(RS256) check, a SigV4 verification, and a resource-policy-only method.

All CPU-only and in-process (the Lambda authorizer's function is the seam, answered in-process so the
number is vpcgate's overhead, not a worker round trip). Medians of repeated rounds, microseconds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from tests.unit.authorizers.tokens import SigningKey, jwks

from bench._load import median_seconds
from vpcgate.functions.invocation import InvokeResult
from vpcgate.gateway.authorizers.cache import MemoryCacheStore
from vpcgate.gateway.authorizers.jwks import IssuerKeys, JwksSource
from vpcgate.gateway.authorizers.method import AuthorizationRequest, StageAuthorizers
from vpcgate.gateway.authorizers.policy import evaluate, parse_policy
from vpcgate.gateway.authorizers.sigv4 import IamCredentials, SigV4Verifier
from vpcgate.spec.model import AuthorizationType, Authorizer, AuthorizerType, Method, RestApi, freeze_json

REGION, ACCOUNT, API = "us-east-1", "123456789012", "api1"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench"
ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/pets/42"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "execute-api:Invoke",
            "Resource": f"arn:aws:execute-api:*:*:{API}/*/DELETE/*",
        },
        {"Effect": "Allow", "Action": "execute-api:*", "Resource": [f"arn:aws:execute-api:*:*:{API}/prod/*"]},
    ],
}
ALLOW_ANSWER = json.dumps(
    {"principalId": "u", "policyDocument": POLICY, "context": {"tenant": "t1"}}
).encode()


def _median_us(call: Callable[[], object], rounds: int = 2000) -> float:
    return median_seconds(call, rounds) * 1e6


def _median_async_us(
    loop: asyncio.AbstractEventLoop, make: Callable[[], Awaitable[Any]], rounds: int = 2000
) -> float:
    async def timed() -> list[float]:
        await make()
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            await make()
            samples.append(time.perf_counter() - start)
        return samples

    return statistics.median(loop.run_until_complete(timed())) * 1e6


def _stages() -> tuple[StageAuthorizers, SigningKey, IamCredentials]:
    key = SigningKey.rsa("bench")
    creds = IamCredentials("AKIABENCH", "bench-secret", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/bench")

    async def fetch(url: str) -> bytes:
        return jwks(key)

    async def invoke(payload: bytes) -> InvokeResult:
        return InvokeResult(200, ALLOW_ANSWER, "bench")

    authorizers = (
        Authorizer("tok", "Tok", AuthorizerType.TOKEN, identity_source="method.request.header.Authorization"),
        Authorizer(
            "cog",
            "Pool",
            AuthorizerType.COGNITO_USER_POOLS,
            identity_source="method.request.header.Authorization",
            provider_arns=(f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/us-east-1_Bench",),
        ),
    )
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8"]}},
            }
        ]
    }
    api = RestApi(API, "Bench", "root", policy=freeze_json(policy), authorizers=authorizers)
    stages = StageAuthorizers(
        api,
        region=REGION,
        account_id=ACCOUNT,
        invoke_for=lambda spec: invoke,
        store=MemoryCacheStore(),
        keys=IssuerKeys({ISSUER: JwksSource(url=ISSUER + "/.well-known/jwks.json", fetch=fetch)}),
        sigv4=SigV4Verifier([creds], region=REGION),
    )
    return stages, key, creds


def _request(headers: list[tuple[str, str]], raw_path: str = "/prod/pets/42") -> AuthorizationRequest:
    return AuthorizationRequest("GET", "/pets/42", "prod", "127.0.0.1", headers, raw_path=raw_path)


def run() -> list[tuple[str, str]]:
    loop = asyncio.new_event_loop()
    try:
        stages, key, creds = _stages()
        policy = parse_policy(POLICY)
        lambda_step = stages.for_method(Method("GET", AuthorizationType.CUSTOM, authorizer_id="tok"))
        cognito_step = stages.for_method(
            Method("GET", AuthorizationType.COGNITO_USER_POOLS, authorizer_id="cog")
        )
        iam_step = stages.for_method(Method("GET", AuthorizationType.AWS_IAM))
        open_step = stages.for_method(Method("GET"))
        assert lambda_step and cognito_step and iam_step and open_step
        token = key.sign(
            {"iss": ISSUER, "token_use": "id", "aud": "c", "exp": time.time() + 3600, "sub": "s"}
        )
        signed = AWSRequest(method="GET", url="http://127.0.0.1:4010/prod/pets/42", data=b"")
        SigV4Auth(Credentials(creds.access_key_id, creds.secret_access_key), "execute-api", REGION).add_auth(
            signed
        )
        iam_request = _request([("Host", "127.0.0.1:4010"), *signed.headers.items()])
        lambda_request = _request([("Authorization", "tok-1")])
        cognito_request = _request([("Authorization", token)])
        open_request = _request([])
        return [
            (
                "policy evaluate (2 statements, wildcards)",
                f"{_median_us(lambda: evaluate(policy, ARN)):.1f} µs",
            ),
            (
                "resource-policy-only method (IpAddress condition)",
                f"{_median_async_us(loop, lambda: open_step.authorize(open_request)):.1f} µs",
            ),
            (
                "TOKEN authorizer, cached answer + resource policy",
                f"{_median_async_us(loop, lambda: lambda_step.authorize(lambda_request)):.1f} µs",
            ),
            (
                "Cognito ID token (RS256 verify) + resource policy",
                f"{_median_async_us(loop, lambda: cognito_step.authorize(cognito_request), 500):.1f} µs",
            ),
            (
                "AWS_IAM SigV4 verify + resource policy",
                f"{_median_async_us(loop, lambda: iam_step.authorize(iam_request)):.1f} µs",
            ),
        ]
    finally:
        loop.close()


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:55} {value}")
