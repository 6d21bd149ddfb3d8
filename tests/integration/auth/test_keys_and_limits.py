"""API keys, usage plans, stage and account throttles through a real gateway, on an injected clock
(buckets refill and quota periods turn only when the test says so).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html"""

from __future__ import annotations

from pathlib import Path

from tests.integration.auth.conftest import FIXTURES, body, guarded
from tests.integration.gateway.conftest import Caller
from vpcgate.gateway.guard_setup import GuardSettings
from vpcgate.limits.clock import ManualClock
from vpcgate.limits.model import Rate

TEMPLATE = FIXTURES / "limits.yaml"
FORBIDDEN = (403, b'{"message":"Forbidden"}')
TOO_MANY = (429, b'{"message":"Too Many Requests"}')
LIMIT_EXCEEDED = (429, b'{"message":"Limit Exceeded"}')
DAY = 86_400.0


def ids(gw: Caller) -> dict[str, str]:
    """API key and usage plan ids by name."""
    (api,) = gw.app.apis
    return {k.name: k.id for k in api.api_keys} | {p.name: p.id for p in api.usage_plans}


async def get(gw: Caller, path: str, key: str | None = None) -> tuple[int, bytes]:
    response = await gw.call("GET", path, headers=[("x-api-key", key)] if key else [])
    return response.status, response.body


async def test_api_keys_quota_and_usage_report(tmp_path: Path) -> None:
    clock = ManualClock()  # 2026-01-01T00:00:00Z, a Thursday
    async with guarded(TEMPLATE, tmp_path, GuardSettings(clock=clock)) as gw:
        names = ids(gw)
        assert await get(gw, "/dev/keyed") == FORBIDDEN
        assert await get(gw, "/dev/keyed", "orphan-key-value-0123456789") == FORBIDDEN  # in no plan
        assert await get(gw, "/dev/keyed", "disabled-key-value-0123456789") == FORBIDDEN
        assert await get(gw, "/dev/keyed", "no-such-key-0123456789") == FORBIDDEN
        response = await gw.call("GET", "/dev/keyed", headers=[("x-api-key", "gold-key-value-0123456789")])
        assert response.status == 200
        assert response.headers.get("x-amzn-ErrorType") is None
        assert body(response) == {"keyId": names["gold-key"]}
        free = await gw.call("GET", "/dev/free", headers=[("x-api-key", "whatever")])
        assert free.status == 200  # no apiKeyRequired: the key is ignored

        for _ in range(4):  # the quota is 5 a day
            assert (await get(gw, "/dev/keyed", "gold-key-value-0123456789"))[0] == 200
        assert await get(gw, "/dev/keyed", "gold-key-value-0123456789") == LIMIT_EXCEEDED
        refused = await gw.call("GET", "/dev/keyed", headers=[("x-api-key", "gold-key-value-0123456789")])
        assert refused.headers.get("x-amzn-ErrorType") == "LimitExceededException"

        clock.advance(DAY)  # a new day, a new quota period
        assert (await get(gw, "/dev/keyed", "gold-key-value-0123456789"))[0] == 200

        report = await gw.call("GET", f"/.vpcgate/usage?plan={names['gold']}&start=2026-01-01&end=2026-01-02")
        assert report.status == 200
        assert body(report) == {
            "usagePlanId": names["gold"],
            "startDate": "2026-01-01",
            "endDate": "2026-01-02",
            "values": {names["gold-key"]: [[5, 0], [1, 4]], names["disabled-key"]: [[0, 5], [0, 5]]},
        }
        only = await gw.call(
            "GET",
            f"/.vpcgate/usage?plan={names['gold']}&key={names['gold-key']}&start=2026-01-02&end=2026-01-02",
        )
        assert body(only)["values"] == {names["gold-key"]: [[1, 4]]}
        unknown = await gw.call("GET", "/.vpcgate/usage?plan=nope&start=2026-01-01&end=2026-01-02")
        assert unknown.status == 400 and b"no usage plan" in unknown.body


async def test_quota_offset_applies_in_the_initial_period_only(tmp_path: Path) -> None:
    clock = ManualClock()
    async with guarded(TEMPLATE, tmp_path, GuardSettings(clock=clock)) as gw:
        (silver,) = [k for k in gw.app.apis[0].api_keys if k.name == "silver-key"]
        assert len(silver.value) == 40  # generated
        # Limit 10 a WEEK, Offset 8: the week the plan was created allows 2
        assert (await get(gw, "/dev/keyed", silver.value))[0] == 200
        assert (await get(gw, "/dev/keyed", silver.value))[0] == 200
        assert await get(gw, "/dev/keyed", silver.value) == LIMIT_EXCEEDED
        clock.advance(7 * DAY)
        for _ in range(10):
            assert (await get(gw, "/dev/keyed", silver.value))[0] == 200
        assert await get(gw, "/dev/keyed", silver.value) == LIMIT_EXCEEDED


async def test_usage_plan_and_stage_method_throttles(tmp_path: Path) -> None:
    clock = ManualClock()
    async with guarded(TEMPLATE, tmp_path, GuardSettings(clock=clock)) as gw:
        bronze = "bronze-key-value-0123456789"
        # the plan's per-method throttle (burst 1) is stricter than the plan's (burst 2)
        assert (await get(gw, "/dev/keyed/burst", bronze))[0] == 200
        throttled = await gw.call("GET", "/dev/keyed/burst", headers=[("x-api-key", bronze)])
        assert (throttled.status, throttled.body) == TOO_MANY
        assert throttled.headers.get("x-amzn-ErrorType") == "TooManyRequestsException"
        # the plan's own bucket: burst 2 across its methods (one token taken above)
        assert (await get(gw, "/dev/keyed", bronze))[0] == 200
        assert await get(gw, "/dev/keyed", bronze) == TOO_MANY
        clock.advance(1.0)  # 1 token a second
        assert (await get(gw, "/dev/keyed", bronze))[0] == 200

        # MethodSettings on /slow: burst 3, 1 a second; /free is not affected
        for _ in range(3):
            assert (await get(gw, "/dev/slow"))[0] == 200
        assert await get(gw, "/dev/slow") == TOO_MANY
        assert (await get(gw, "/dev/free"))[0] == 200
        clock.advance(1.0)
        assert (await get(gw, "/dev/slow"))[0] == 200


async def test_account_throttle_is_configurable(tmp_path: Path) -> None:
    clock = ManualClock()
    async with guarded(TEMPLATE, tmp_path, GuardSettings(clock=clock, account=Rate(2.0, 2))) as gw:
        assert (await get(gw, "/dev/free"))[0] == 200
        assert (await get(gw, "/dev/slow"))[0] == 200
        assert await get(gw, "/dev/free") == TOO_MANY  # every method shares the account bucket
        clock.advance(0.5)
        assert (await get(gw, "/dev/free"))[0] == 200
