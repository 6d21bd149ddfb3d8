"""Lambda authorizers end to end against a real function in a real worker process.

The authorizer function is AWS's blueprint idea in a few lines of Python: its token (or the
``auth`` header of a REQUEST) says what to answer. It counts its calls so the tests can see the cache.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from vpcgate.functions.invocation import InvokeResult
from vpcgate.gateway.authorizers.arn import MethodArn, method_arn
from vpcgate.gateway.authorizers.cache import MemoryCacheStore
from vpcgate.gateway.authorizers.identity import IdentityInput
from vpcgate.gateway.authorizers.lambda_authorizer import (
    AuthorizerRequest,
    AuthorizerSetupError,
    InvokeFunction,
    LambdaAuthorizer,
)
from vpcgate.gateway.authorizers.policy import Decision
from vpcgate.gateway.errors import AuthorizerConfigurationError, UnauthorizedError
from vpcgate.gateway.proxy_event import CallerIdentity, ProxyRequest
from vpcgate.spec.model import Authorizer, AuthorizerType


def arn(http_method: str = "GET", path: str = "/pets") -> MethodArn:
    return method_arn(
        region="us-east-1",
        account_id="123456789012",
        api_id="api1",
        stage="prod",
        http_method=http_method,
        path=path,
    )


def proxy(headers: list[tuple[str, str]], *, http_method: str = "GET", path: str = "/pets") -> ProxyRequest:
    return ProxyRequest(
        http_method=http_method,
        path=path,
        resource_path=path,
        resource_id="r1",
        stage="prod",
        request_id="req",
        extended_request_id="ext",
        request_time_epoch_ms=1_700_000_000_000,
        account_id="123456789012",
        api_id="api1",
        domain_name="api1.execute-api.localhost",
        identity=CallerIdentity(source_ip="127.0.0.1"),
        headers=headers,
        stage_variables={"env": "prod"},
    )


def token_request(token: str | None, *, http_method: str = "GET", path: str = "/pets") -> AuthorizerRequest:
    headers = [("Authorization", token)] if token is not None else []
    return AuthorizerRequest(arn(http_method, path), IdentityInput(headers=headers))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


TOKEN = Authorizer(
    id="authz1",
    name="TokenAuth",
    type=AuthorizerType.TOKEN,
    identity_source="method.request.header.Authorization",
    result_ttl=300,
)
REQUEST = Authorizer(
    id="authz2",
    name="RequestAuth",
    type=AuthorizerType.REQUEST,
    identity_source="method.request.header.auth, stageVariables.env",
    result_ttl=300,
)


def build(
    spec: Authorizer, invoke: InvokeFunction, clock: Clock, store: MemoryCacheStore | None = None
) -> LambdaAuthorizer:
    return LambdaAuthorizer.build(
        spec,
        api_id="api1",
        invoke=invoke,
        store=store if store is not None else MemoryCacheStore(clock=clock),
        clock=clock,
    )


async def test_allow_exposes_principal_context_and_usage_key(invoke: InvokeFunction) -> None:
    authorizer = build(TOKEN, invoke, Clock())
    result = await authorizer.authorize(token_request("admin"))
    assert result.decision is Decision.ALLOW
    assert result.output.principal_id == "user-admin"
    assert result.output.usage_identifier_key == "key-admin"
    assert result.output.template_context() == {"calls": "1", "admin": "true", "principalId": "user-admin"}
    assert result.cached is False
    assert set(result.proxy_authorizer()) == {"calls", "admin", "principalId", "integrationLatency"}


async def test_token_event_reaches_the_function(invoke: InvokeFunction) -> None:
    result = await build(replace(TOKEN, result_ttl=0), invoke, Clock()).authorize(token_request("echo"))
    event = json.loads(str(result.output.context["event"]))
    assert event == {
        "type": "TOKEN",
        "authorizationToken": "echo",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets",
    }


async def test_deny_and_no_matching_statement(invoke: InvokeFunction) -> None:
    authorizer = build(TOKEN, invoke, Clock())
    assert (await authorizer.authorize(token_request("deny"))).decision is Decision.DENY
    assert (await authorizer.authorize(token_request("elsewhere"))).decision is Decision.NEITHER


@pytest.mark.parametrize("token", [None, ""])
async def test_missing_token_is_401_without_calling_the_function(token: str | None) -> None:
    calls: list[bytes] = []

    async def never(payload: bytes) -> InvokeResult:
        calls.append(payload)
        raise AssertionError("the function must not be called")

    with pytest.raises(UnauthorizedError):
        await build(TOKEN, never, Clock()).authorize(token_request(token))
    assert calls == []


async def test_validation_expression_is_a_whole_match_java_regex(invoke: InvokeFunction) -> None:
    spec = replace(TOKEN, identity_validation_expression="^allow|admin$|\\w{5}")
    authorizer = build(spec, invoke, Clock())
    assert (await authorizer.authorize(token_request("admin"))).decision is Decision.ALLOW
    assert (await authorizer.authorize(token_request("abcde"))).decision is Decision.ALLOW
    with pytest.raises(UnauthorizedError):
        await authorizer.authorize(token_request("deny"))
    with pytest.raises(UnauthorizedError):
        await authorizer.authorize(token_request("adminx"))


async def test_unauthorized_thrown_is_401_other_failures_500(invoke: InvokeFunction) -> None:
    authorizer = build(TOKEN, invoke, Clock())
    with pytest.raises(UnauthorizedError):
        await authorizer.authorize(token_request("unauthorized"))
    for token in ("fail", "nonsense"):
        with pytest.raises(AuthorizerConfigurationError):
            await authorizer.authorize(token_request(token))


async def test_an_uninvokable_function_is_500() -> None:
    async def broken(payload: bytes) -> InvokeResult:
        raise RuntimeError("function not found")

    with pytest.raises(AuthorizerConfigurationError):
        await build(TOKEN, broken, Clock()).authorize(token_request("admin"))


async def test_cache_keyed_by_token_with_ttl_from_the_clock(invoke: InvokeFunction) -> None:
    clock = Clock()
    authorizer = build(TOKEN, invoke, clock)
    first = await authorizer.authorize(token_request("admin"))
    second = await authorizer.authorize(token_request("admin"))
    assert second.cached and second.output.context["calls"] == first.output.context["calls"] == 1
    assert second.latency_ms == 0
    other = await authorizer.authorize(token_request("allow"))
    assert not other.cached and other.output.context["calls"] == 2
    clock.now += 299.9
    assert (await authorizer.authorize(token_request("admin"))).cached
    clock.now += 0.1
    expired = await authorizer.authorize(token_request("admin"))
    assert not expired.cached and expired.output.context["calls"] == 3


async def test_ttl_zero_disables_the_cache(invoke: InvokeFunction) -> None:
    authorizer = build(replace(TOKEN, result_ttl=0), invoke, Clock())
    counts = [(await authorizer.authorize(token_request("admin"))).output.context["calls"] for _ in range(3)]
    assert counts == [1, 2, 3]


async def test_cached_policy_is_evaluated_against_each_new_method_arn(invoke: InvokeFunction) -> None:
    """AWS's documented gotcha: the policy issued for GET /pets is reused for POST /orders."""
    authorizer = build(TOKEN, invoke, Clock())
    assert (await authorizer.authorize(token_request("this-method-only"))).decision is Decision.ALLOW
    again = await authorizer.authorize(token_request("this-method-only", http_method="POST", path="/orders"))
    assert again.cached and again.decision is Decision.NEITHER
    fresh = build(TOKEN, invoke, Clock())  # a fresh cache: the function answers for the new ARN
    assert (
        await fresh.authorize(token_request("this-method-only", http_method="POST"))
    ).decision is Decision.ALLOW


async def test_failures_are_not_cached(invoke: InvokeFunction) -> None:
    store = MemoryCacheStore(clock=Clock())
    authorizer = build(TOKEN, invoke, Clock(), store)
    for _ in range(2):
        with pytest.raises(UnauthorizedError):
            await authorizer.authorize(token_request("unauthorized"))
    assert len(store) == 0


async def test_request_authorizer_event_and_cache_key(invoke: InvokeFunction) -> None:
    authorizer = build(REQUEST, invoke, Clock())

    def request(auth: str, env: str = "prod") -> AuthorizerRequest:
        headers = [("auth", auth), ("Accept", "*/*")]
        message = proxy(headers)
        message = replace(message, stage_variables={"env": env})
        return AuthorizerRequest(arn(), IdentityInput(headers=headers, stage_variables={"env": env}), message)

    echo = await authorizer.authorize(request("echo"))
    event = json.loads(str(echo.output.context["event"]))
    assert event["type"] == "REQUEST" and event["methodArn"] == str(arn())
    assert event["headers"] == {"auth": "echo", "Accept": "*/*"}
    assert event["stageVariables"] == {"env": "prod"}
    assert event["requestContext"]["stage"] == "prod"
    first = await authorizer.authorize(request("admin"))
    assert (await authorizer.authorize(request("admin"))).cached
    changed = await authorizer.authorize(request("admin", env="dev"))  # every identity value is in the key
    assert (
        not changed.cached and changed.output.context["calls"] == int(str(first.output.context["calls"])) + 1
    )


async def test_request_authorizer_missing_identity_is_401(invoke: InvokeFunction) -> None:
    authorizer = build(REQUEST, invoke, Clock())
    headers = [("Accept", "*/*")]
    with pytest.raises(UnauthorizedError):
        await authorizer.authorize(
            AuthorizerRequest(
                arn(), IdentityInput(headers=headers, stage_variables={"env": "p"}), proxy(headers)
            )
        )


async def test_request_authorizer_without_sources_calls_every_time(invoke: InvokeFunction) -> None:
    authorizer = build(replace(REQUEST, identity_source=None, result_ttl=0), invoke, Clock())
    headers = [("auth", "admin")]
    message = AuthorizerRequest(arn(), IdentityInput(headers=headers), proxy(headers))
    counts = [(await authorizer.authorize(message)).output.context["calls"] for _ in range(2)]
    assert counts == [1, 2]


@pytest.mark.parametrize(
    "spec",
    [
        replace(TOKEN, identity_source=None),
        replace(TOKEN, identity_source="method.request.querystring.token"),
        replace(TOKEN, identity_validation_expression="(unclosed"),
        replace(REQUEST, identity_source="method.request.path.id"),
        replace(REQUEST, identity_source=None),  # caching on (TTL 300) needs identity sources
        replace(TOKEN, type=AuthorizerType.COGNITO_USER_POOLS),
    ],
)
def test_bad_configuration_is_refused_at_build(spec: Authorizer) -> None:
    async def never(payload: bytes) -> Any:
        raise AssertionError

    with pytest.raises(AuthorizerSetupError):
        LambdaAuthorizer.build(spec, api_id="a", invoke=never, store=None)
