"""API key grants: enabled, in a usage plan bound to this API and stage; else no grant (403)."""

from __future__ import annotations

import pytest

from vpcgate.errors import ConfigError
from vpcgate.limits.plans import PlanIndex
from vpcgate.spec.model import ApiKey, UsagePlan, UsagePlanKey, UsagePlanStage

PLAN = UsagePlan("p1", "gold", api_stages=(UsagePlanStage("api1", "prod"), UsagePlanStage("api2", "v1")))


def index(*keys: ApiKey, plans: tuple[UsagePlan, ...] = (PLAN,)) -> PlanIndex:
    links = [UsagePlanKey(f"u-{k.id}-{p.id}", k.id, p.id) for k in keys for p in plans]
    return PlanIndex.build(keys, plans, links, created=0.0)


def test_an_enabled_key_in_a_plan_for_the_stage_is_granted() -> None:
    found = index(ApiKey("k1", "a", "value-1", enabled=True)).grant("value-1", "api1", "prod")
    assert found is not None
    assert (found.key.id, found.plan.id, found.api_stage.stage) == ("k1", "p1", "prod")


def test_every_api_stage_of_the_plan_is_granted() -> None:
    assert index(ApiKey("k1", "a", "value-1", enabled=True)).grant("value-1", "api2", "v1") is not None


@pytest.mark.parametrize(
    ("value", "api", "stage"),
    [
        ("value-1", "api1", "dev"),
        ("value-1", "api3", "prod"),
        ("other", "api1", "prod"),
        ("", "api1", "prod"),
    ],
)
def test_no_grant_elsewhere(value: str, api: str, stage: str) -> None:
    assert index(ApiKey("k1", "a", "value-1", enabled=True)).grant(value, api, stage) is None


def test_a_disabled_key_is_not_granted() -> None:
    assert index(ApiKey("k1", "a", "value-1", enabled=False)).grant("value-1", "api1", "prod") is None


def test_a_key_in_no_plan_is_not_granted() -> None:
    built = PlanIndex.build([ApiKey("k1", "a", "value-1", enabled=True)], [PLAN], [], created=0.0)
    assert built.grant("value-1", "api1", "prod") is None
    assert built.plan_keys("p1") == ()


def test_plan_keys_lists_disabled_keys_too() -> None:
    keys = (ApiKey("k1", "a", "v1", enabled=True), ApiKey("k2", "b", "v2", enabled=False))
    assert [k.id for k in index(*keys).plan_keys("p1")] == ["k1", "k2"]


def test_one_key_in_two_plans_sharing_a_stage_is_refused() -> None:
    other = UsagePlan("p2", "silver", api_stages=(UsagePlanStage("api1", "prod"),))
    with pytest.raises(ConfigError, match=r"usage plans p1 and p2.*api1/prod"):
        index(ApiKey("k1", "a", "v", enabled=True), plans=(PLAN, other))


def test_one_key_in_two_plans_for_different_stages_is_fine() -> None:
    other = UsagePlan("p2", "silver", api_stages=(UsagePlanStage("api9", "prod"),))
    built = index(ApiKey("k1", "a", "v", enabled=True), plans=(PLAN, other))
    found = built.grant("v", "api9", "prod")
    assert found is not None and found.plan.id == "p2"


def test_a_link_to_an_unknown_key_or_plan_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no API key 'nope'"):
        PlanIndex.build([], [PLAN], [UsagePlanKey("u", "nope", "p1")], created=0.0)
    with pytest.raises(ConfigError, match="no usage plan 'nope'"):
        PlanIndex.build([ApiKey("k1", "a", "v")], [PLAN], [UsagePlanKey("u", "k1", "nope")], created=0.0)
