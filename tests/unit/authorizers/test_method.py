"""StageAuthorizers / MethodAuthorizer: each authorization type through one facade, with a resource policy."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from vpcgate.gateway.authorizers.cache import MemoryCacheStore
from vpcgate.gateway.authorizers.flow import AuthKind
from vpcgate.gateway.authorizers.jwks import IssuerKeys, JwksSource
from vpcgate.gateway.authorizers.lambda_authorizer import AuthorizerSetupError, InvokeFunction
from vpcgate.gateway.authorizers.method import AuthorizationRequest, StageAuthorizers, parse_resource_policy
from vpcgate.gateway.authorizers.policy import Decision, evaluate
from vpcgate.gateway.authorizers.sigv4 import IamCredentials, SigV4Verifier
from vpcgate.gateway.errors import AccessDeniedError, UnauthorizedError
from vpcgate.gateway.proxy_event import CallerIdentity, ProxyRequest
from vpcgate.spec.model import (
    AuthorizationType,
    Authorizer,
    AuthorizerType,
    Method,
    RestApi,
    freeze_json,
)

from .tokens import SigningKey, jwks

REGION, ACCOUNT, API = "us-east-1", "123456789012", "api1"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool"
KEY = SigningKey.rsa("k1")
ALICE = IamCredentials("AKIAALICE", "alice-secret", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/alice")
OFFICE_ONLY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": ["execute-api:/*/*/*"],
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "127.0.0.1"]}},
        },
    ],
}
AUTHORIZERS = (
    Authorizer("tok", "Token", AuthorizerType.TOKEN, identity_source="method.request.header.Authorization"),
    Authorizer(
        "cog",
        "Pool",
        AuthorizerType.COGNITO_USER_POOLS,
        identity_source="method.request.header.Authorization",
        provider_arns=(f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/us-east-1_Pool",),
    ),
)


def api(policy: Any = None) -> RestApi:
    return RestApi(
        id=API, name="Api", root_resource_id="root", policy=freeze_json(policy), authorizers=AUTHORIZERS
    )


def stage(invoke: InvokeFunction | None, policy: Any = None) -> StageAuthorizers:
    async def fetch(url: str) -> bytes:
        assert url == ISSUER + "/.well-known/jwks.json"
        return jwks(KEY)

    return StageAuthorizers(
        api(policy),
        region=REGION,
        account_id=ACCOUNT,
        invoke_for=(lambda spec: invoke) if invoke is not None else None,
        store=MemoryCacheStore(),
        keys=IssuerKeys({ISSUER: JwksSource(url=ISSUER + "/.well-known/jwks.json", fetch=fetch)}),
        sigv4=SigV4Verifier([ALICE], region=REGION),
    )


def request(
    headers: list[tuple[str, str]] | None = None,
    *,
    ip: str = "127.0.0.1",
    method: str = "GET",
    path: str = "/pets",
) -> AuthorizationRequest:
    return AuthorizationRequest(
        http_method=method,
        path=path,
        stage="prod",
        source_ip=ip,
        headers=headers or [],
        raw_path=f"/prod{path}",
    )


def custom() -> Method:
    return Method("GET", AuthorizationType.CUSTOM, authorizer_id="tok")


def test_no_authorization_and_no_policy_means_no_step() -> None:
    assert stage(None).for_method(Method("GET")) is None


async def test_policy_only_method() -> None:
    step = stage(None, OFFICE_ONLY).for_method(Method("GET"))
    assert step is not None
    outcome = await step.authorize(request())
    assert outcome.kind is AuthKind.NONE and outcome.proxy_authorizer is None
    with pytest.raises(AccessDeniedError) as caught:
        await step.authorize(request(ip="203.0.113.7"))
    assert caught.value.message == (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        "arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets with an explicit deny"
    )


async def test_lambda_method_outcome(invoke: InvokeFunction) -> None:
    step = stage(invoke).for_method(custom())
    assert step is not None
    outcome = await step.authorize(request([("Authorization", "admin")]))
    assert outcome.kind is AuthKind.LAMBDA
    assert outcome.principal_id == "user-admin" and outcome.usage_identifier_key == "key-admin"
    assert outcome.authorizer == {"calls": "1", "admin": "true", "principalId": "user-admin"}
    assert outcome.proxy_authorizer is not None and "integrationLatency" in outcome.proxy_authorizer
    with pytest.raises(AccessDeniedError) as denied:
        await step.authorize(request([("Authorization", "deny")]))
    assert denied.value.message == "User is not authorized to access this resource with an explicit deny"
    with pytest.raises(UnauthorizedError):
        await step.authorize(request())


async def test_resource_policy_deny_stops_before_the_lambda_is_called() -> None:
    async def never(payload: bytes) -> Any:
        raise AssertionError("the authorizer must not be called")

    step = stage(never, OFFICE_ONLY).for_method(custom())
    assert step is not None
    with pytest.raises(AccessDeniedError):
        await step.authorize(request([("Authorization", "admin")], ip="198.51.100.1"))


async def test_request_authorizer_gets_a_lazily_built_proxy_request(invoke: InvokeFunction) -> None:
    spec = Authorizer("req", "Req", AuthorizerType.REQUEST, identity_source="method.request.header.auth")
    stages = StageAuthorizers(
        RestApi(id=API, name="Api", root_resource_id="r", authorizers=(spec,)),
        region=REGION,
        account_id=ACCOUNT,
        invoke_for=lambda s: invoke,
        store=None,
    )
    step = stages.for_method(Method("GET", AuthorizationType.CUSTOM, authorizer_id="req"))
    assert step is not None
    built: list[int] = []

    def proxy() -> ProxyRequest:
        built.append(1)
        return ProxyRequest(
            http_method="GET",
            path="/pets",
            resource_path="/pets",
            resource_id="r1",
            stage="prod",
            request_id="q",
            extended_request_id="e",
            request_time_epoch_ms=0,
            account_id=ACCOUNT,
            api_id=API,
            domain_name="d",
            identity=CallerIdentity(source_ip="127.0.0.1"),
            headers=[("auth", "admin")],
        )

    base = request([("auth", "admin")])
    outcome = await step.authorize(
        AuthorizationRequest(
            base.http_method, base.path, base.stage, base.source_ip, base.headers, proxy=proxy
        )
    )
    assert outcome.principal_id == "user-admin" and built == [1]


async def test_cognito_method_needs_an_explicit_allow_from_the_policy() -> None:
    now = time.time()
    token = KEY.sign({"iss": ISSUER, "token_use": "id", "aud": "client", "exp": now + 60, "sub": "s"})
    step = stage(None).for_method(Method("GET", AuthorizationType.COGNITO_USER_POOLS, authorizer_id="cog"))
    assert step is not None
    outcome = await step.authorize(request([("Authorization", token)]))
    assert outcome.kind is AuthKind.COGNITO and outcome.authorizer["claims"]["sub"] == "s"
    scoped = stage(None).for_method(
        Method("GET", AuthorizationType.COGNITO_USER_POOLS, authorizer_id="cog", authorization_scopes=("x",))
    )
    assert scoped is not None
    with pytest.raises(UnauthorizedError):
        await scoped.authorize(request([("Authorization", token)]))
    neither = {
        "Version": "2012-10-17",
        "Statement": [{**OFFICE_ONLY["Statement"][0], "Resource": "execute-api:/dev/*"}],
    }
    strict = stage(None, neither).for_method(
        Method("GET", AuthorizationType.COGNITO_USER_POOLS, authorizer_id="cog")
    )
    assert strict is not None
    with pytest.raises(AccessDeniedError):
        await strict.authorize(request([("Authorization", token)]))


async def test_iam_method() -> None:
    signed = AWSRequest(method="GET", url="http://127.0.0.1:4010/prod/pets", data=b"")
    SigV4Auth(Credentials(ALICE.access_key_id, ALICE.secret_access_key), "execute-api", REGION).add_auth(
        signed
    )
    headers = [("Host", "127.0.0.1:4010"), *signed.headers.items()]
    step = stage(None, OFFICE_ONLY).for_method(Method("GET", AuthorizationType.AWS_IAM))
    assert step is not None
    outcome = await step.authorize(request(headers))
    assert outcome.kind is AuthKind.IAM and outcome.iam is not None
    assert outcome.iam.user_arn == ALICE.user_arn
    with pytest.raises(AccessDeniedError) as caught:
        await step.authorize(request(headers, ip="203.0.113.7"))
    assert (caught.value.message or "").startswith(f"User: {ALICE.user_arn} is not authorized")


def test_resource_policy_shorthand_and_text() -> None:
    policy = parse_resource_policy(
        '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",'
        ' "Resource": "execute-api:/prod/GET/pets"}}',
        region=REGION,
        account_id=ACCOUNT,
        api_id=API,
    )
    assert evaluate(policy, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/pets") is Decision.ALLOW
    assert evaluate(policy, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:other/prod/GET/pets") is Decision.NEITHER


@pytest.mark.parametrize(
    "method",
    [
        Method("GET", AuthorizationType.CUSTOM, authorizer_id="missing"),
        Method("GET", AuthorizationType.CUSTOM, authorizer_id="tok"),  # no invoke_for
    ],
)
def test_configuration_errors(method: Method) -> None:
    with pytest.raises(AuthorizerSetupError):
        stage(None).for_method(method)


def test_bad_policy_and_missing_credentials() -> None:
    with pytest.raises(AuthorizerSetupError):
        stage(None, {"Statement": [{"Effect": "Maybe"}]})
    bare = StageAuthorizers(api(), region=REGION, account_id=ACCOUNT)
    with pytest.raises(AuthorizerSetupError):
        bare.for_method(Method("GET", AuthorizationType.AWS_IAM))
    with pytest.raises(AuthorizerSetupError):
        bare.for_method(Method("GET", AuthorizationType.COGNITO_USER_POOLS, authorizer_id="cog"))
