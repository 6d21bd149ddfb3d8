"""Lambda authorizers through a real gateway: TOKEN (a Python function) and REQUEST (a Node function)
in real worker processes, their outcomes in $context and in the AWS_PROXY event, the result cache
on an injected clock, and AWS's exact failure answers.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html"""

from __future__ import annotations

import time
from pathlib import Path

from tests.integration.auth.conftest import FIXTURES, body, guarded
from vpcgate.gateway.guard_setup import GuardSettings
from vpcgate.limits.clock import ManualClock

TEMPLATE = FIXTURES / "auth.yaml"


async def test_token_authorizer_outcomes_cache_and_context(tmp_path: Path) -> None:
    clock = ManualClock(wall=time.time())
    async with guarded(TEMPLATE, tmp_path, GuardSettings(clock=clock)) as gw:
        first = await gw.call("GET", "/dev/token", headers=[("Authorization", "Bearer alice")])
        assert first.status == 200, first.body
        assert body(first) == {"principal": "user-alice", "calls": "1", "flag": "true", "token": "alice"}

        # identityValidationExpression fails, or no token: 401 without calling the function
        for headers in ([("Authorization", "Bearer NOT VALID!")], [("Authorization", "")], []):
            refused = await gw.call("GET", "/dev/token", headers=headers)
            assert (refused.status, refused.body) == (401, b'{"message":"Unauthorized"}')
            assert refused.headers.get("x-amzn-ErrorType") == "UnauthorizedException"

        # cached (TTL 300 s): the function is not called again for the same token
        again = await gw.call("GET", "/dev/token", headers=[("Authorization", "Bearer alice")])
        assert body(again)["calls"] == "1"
        other = await gw.call("GET", "/dev/token", headers=[("Authorization", "Bearer bob")])
        assert body(other)["calls"] == "2"  # the 401s above never reached the function

        # the cached *answer* is evaluated against each method ARN: its policy allows GET only
        post = await gw.call("POST", "/dev/token", headers=[("Authorization", "Bearer alice")])
        assert post.status == 403
        assert post.body == b'{"Message":"User is not authorized to access this resource"}'

        clock.advance(301)  # the entry expires: the function is called again
        expired = await gw.call("GET", "/dev/token", headers=[("Authorization", "Bearer alice")])
        assert body(expired)["calls"] == "3"

        deny = await gw.call("GET", "/dev/token", headers=[("Authorization", "Bearer deny-me")])
        assert deny.status == 403
        assert deny.body == (
            b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
        )
        thrown = await gw.call("GET", "/dev/token", headers=[("Authorization", "Bearer unauthorized")])
        assert (thrown.status, thrown.body) == (401, b'{"message":"Unauthorized"}')
        nonsense = await gw.call("GET", "/dev/token", headers=[("Authorization", "Bearer boom")])
        assert nonsense.status == 500
        assert nonsense.headers.get("x-amzn-ErrorType") == "AuthorizerConfigurationException"

        open_ = await gw.call("GET", "/dev/open")
        assert (open_.status, body(open_)) == (200, {"open": True})


async def test_token_authorizer_context_reaches_the_proxy_event(tmp_path: Path) -> None:
    async with guarded(TEMPLATE, tmp_path, GuardSettings()) as gw:
        response = await gw.call("GET", "/dev/token/proxy", headers=[("Authorization", "Bearer carol")])
        assert response.status == 200, response.body
        authorizer = body(response)["authorizer"]
        assert authorizer["principalId"] == "user-carol"
        assert authorizer["token"] == "carol"
        assert authorizer["flag"] == "true" and authorizer["calls"] == "1"
        assert isinstance(authorizer["integrationLatency"], int)


async def test_request_authorizer_in_node_sees_headers_query_and_stage_variables(tmp_path: Path) -> None:
    async with guarded(TEMPLATE, tmp_path, GuardSettings()) as gw:
        ok = await gw.call("GET", "/dev/request?tenant=acme", headers=[("X-User", "dave")])
        assert ok.status == 200, ok.body
        context = body(ok)
        assert context["authorizer"]["principalId"] == "dave"
        assert context["authorizer"]["tenant"] == "acme"
        assert context["authorizer"]["realm"] == "blue"  # a stage variable
        assert context["authorizer"]["type"] == "REQUEST"
        assert context["authorizer"]["path"] == "/request"
        assert context["authorizer"]["calls"] == "1"
        again = await gw.call("GET", "/dev/request?tenant=acme", headers=[("X-User", "dave")])
        assert body(again)["authorizer"]["calls"] == "2"  # TTL 0: no cache, the function runs again

        missing_query = await gw.call("GET", "/dev/request", headers=[("X-User", "dave")])
        assert (missing_query.status, missing_query.body) == (401, b'{"message":"Unauthorized"}')
        thrown = await gw.call("GET", "/dev/request?tenant=acme", headers=[("X-User", "nobody")])
        assert (thrown.status, thrown.body) == (401, b'{"message":"Unauthorized"}')
