"""Resource policies (Allow, explicit Deny by source IP, implicit deny) and API keys supplied by a
Lambda authorizer (apiKeySource AUTHORIZER), through a real gateway.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html"""

from __future__ import annotations

from pathlib import Path

from tests.integration.auth.conftest import FIXTURES, body, guarded
from vpcgate.gateway.guard_setup import GuardSettings

TEMPLATE = FIXTURES / "policy.yaml"


async def test_resource_policy_allows_denies_by_ip_and_denies_implicitly(tmp_path: Path) -> None:
    async with guarded(TEMPLATE, tmp_path, GuardSettings()) as gw:
        api_id = gw.app.apis[0].id
        account = gw.app.config.account_id
        arn = f"arn:aws:execute-api:us-east-1:********{account[-4:]}:{api_id}/dev/GET/"
        free = await gw.call("GET", "/dev/free")
        assert free.status == 200
        blocked = await gw.call("GET", "/dev/blocked")
        assert blocked.status == 403
        assert blocked.headers.get("x-amzn-ErrorType") == "AccessDeniedException"
        who = "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        assert body(blocked) == {"Message": f"{who}{arn}blocked with an explicit deny"}
        unlisted = await gw.call("GET", "/dev/unlisted")  # no statement allows it: implicit deny
        assert (unlisted.status, body(unlisted)) == (403, {"Message": f"{who}{arn}unlisted"})


async def test_api_key_from_the_authorizer(tmp_path: Path) -> None:
    async with guarded(TEMPLATE, tmp_path, GuardSettings()) as gw:
        key_id = gw.app.apis[0].api_keys[0].id
        ok = await gw.call("GET", "/dev/keyed", headers=[("Authorization", "key-from-the-authorizer-01")])
        assert (ok.status, body(ok)) == (200, {"keyId": key_id})
        # a header key is not looked at when the source is AUTHORIZER
        header_only = await gw.call(
            "GET",
            "/dev/keyed",
            headers=[("Authorization", "nokey"), ("x-api-key", "key-from-the-authorizer-01")],
        )
        assert (header_only.status, header_only.body) == (403, b'{"message":"Forbidden"}')
        unknown = await gw.call("GET", "/dev/keyed", headers=[("Authorization", "not-a-key-of-this-plan")])
        assert (unknown.status, unknown.body) == (403, b'{"message":"Forbidden"}')
