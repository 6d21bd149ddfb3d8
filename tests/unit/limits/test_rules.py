"""Which buckets apply to a request, in AWS's order, built from the deployed model."""

from __future__ import annotations

from vpcgate.limits.clock import ManualClock
from vpcgate.limits.memory import MemoryStore
from vpcgate.limits.model import Outcome, Rate, Tier
from vpcgate.limits.plans import KeyGrant, PlanIndex
from vpcgate.limits.rules import ACCOUNT_DEFAULT, MethodLimits
from vpcgate.spec.model import (
    ApiKey,
    MethodSetting,
    Quota,
    QuotaPeriod,
    Stage,
    Throttle,
    UsagePlan,
    UsagePlanKey,
    UsagePlanStage,
    frozen,
)


def stage(*settings: MethodSetting) -> Stage:
    return Stage("prod", "api1", "dep1", method_settings=frozen((s.key, s) for s in settings))


def grant(
    plan_throttle: Throttle | None = None, method_throttles: dict[str, Throttle] | None = None
) -> KeyGrant:
    api_stage = UsagePlanStage("api1", "prod", throttle=frozen(method_throttles or {}))
    plan = UsagePlan("plan1", "gold", api_stages=(api_stage,), throttle=plan_throttle)
    key = ApiKey("key1", "k", "secret-value", enabled=True)
    index = PlanIndex.build([key], [plan], [UsagePlanKey("upk", "key1", "plan1")], created=0.0)
    found = index.grant("secret-value", "api1", "prod")
    assert found is not None
    return found


def test_all_four_tiers_in_aws_order() -> None:
    limits = MethodLimits(
        "api1",
        stage(MethodSetting("/pets", "GET", throttling_rate_limit=50.0, throttling_burst_limit=20)),
        "/pets",
        "GET",
    )
    check = limits.check(grant(Throttle(10.0, 5), {"/pets/GET": Throttle(2.0, 1)}))
    assert [b.tier for b in check.buckets] == [Tier.PLAN_METHOD, Tier.PLAN, Tier.STAGE_METHOD, Tier.ACCOUNT]
    assert [b.rate for b in check.buckets] == [Rate(2.0, 1), Rate(10.0, 5), Rate(50.0, 20), ACCOUNT_DEFAULT]


def test_without_an_api_key_only_stage_and_account_apply() -> None:
    limits = MethodLimits("api1", stage(MethodSetting("*", "*", throttling_rate_limit=5.0)), "/a", "POST")
    check = limits.check(None)
    assert [b.tier for b in check.buckets] == [Tier.STAGE_METHOD, Tier.ACCOUNT]
    assert check.quota is None


def test_star_star_settings_give_each_method_its_own_bucket() -> None:
    settings = stage(MethodSetting("*", "*", throttling_rate_limit=1.0, throttling_burst_limit=1))
    get = MethodLimits("api1", settings, "/a", "GET", account=None)
    post = MethodLimits("api1", settings, "/a", "POST", account=None)
    store = MemoryStore(ManualClock())
    assert store.decide_now(get.check(None)).allowed
    assert not store.decide_now(get.check(None)).allowed
    assert store.decide_now(post.check(None)).allowed


def test_an_exact_method_setting_beats_star_star() -> None:
    settings = stage(
        MethodSetting("*", "*", throttling_rate_limit=1.0, throttling_burst_limit=1),
        MethodSetting("/a", "GET", throttling_rate_limit=1.0, throttling_burst_limit=3),
    )
    (bucket,) = MethodLimits("api1", settings, "/a", "GET", account=None).check(None).buckets
    assert bucket.rate == Rate(1.0, 3)


def test_a_missing_rate_or_burst_is_the_accounts() -> None:
    account = Rate(100.0, 40)
    limits = MethodLimits(
        "api1", stage(MethodSetting("/a", "GET", throttling_burst_limit=3)), "/a", "GET", account=account
    )
    check = limits.check(grant(Throttle(rate_limit=7.0)))
    rates = {b.tier: b.rate for b in check.buckets}
    assert rates[Tier.STAGE_METHOD] == Rate(100.0, 3)
    assert rates[Tier.PLAN] == Rate(7.0, 40)


def test_no_settings_and_no_account_limit_means_nothing_to_check() -> None:
    check = MethodLimits("api1", stage(), "/a", "GET", account=None).check(None)
    assert check.buckets == () and check.quota is None


def test_a_usage_plan_method_throttle_applies_only_to_its_method() -> None:
    g = grant(None, {"/pets/GET": Throttle(1.0, 1)})
    get = MethodLimits("api1", stage(), "/pets", "GET").check(g)
    post = MethodLimits("api1", stage(), "/pets", "POST").check(g)
    assert [b.tier for b in get.buckets] == [Tier.PLAN_METHOD, Tier.ACCOUNT]
    assert [b.tier for b in post.buckets] == [Tier.ACCOUNT]


def test_root_resource_usage_plan_method_key() -> None:
    g = grant(None, {"//GET": Throttle(1.0, 1)})
    assert MethodLimits("api1", stage(), "/", "GET").check(g).buckets[0].tier is Tier.PLAN_METHOD


def test_plan_buckets_are_per_api_key() -> None:
    api_stage = UsagePlanStage("api1", "prod")
    plan = UsagePlan("plan1", "gold", api_stages=(api_stage,), throttle=Throttle(0.0, 1))
    keys = [ApiKey("k1", "a", "v1", enabled=True), ApiKey("k2", "b", "v2", enabled=True)]
    links = [UsagePlanKey("u1", "k1", "plan1"), UsagePlanKey("u2", "k2", "plan1")]
    index = PlanIndex.build(keys, [plan], links, created=0.0)
    limits = MethodLimits("api1", stage(), "/a", "GET", account=None)
    store = MemoryStore(ManualClock())
    one, two = index.grant("v1", "api1", "prod"), index.grant("v2", "api1", "prod")
    assert store.decide_now(limits.check(one)).allowed
    decision = store.decide_now(limits.check(one))
    assert decision.outcome is Outcome.THROTTLED and decision.tier is Tier.PLAN
    assert store.decide_now(limits.check(two)).allowed


def test_the_quota_comes_from_the_plan() -> None:
    api_stage = UsagePlanStage("api1", "prod")
    plan = UsagePlan("plan1", "gold", api_stages=(api_stage,), quota=Quota(100, QuotaPeriod.WEEK, 3))
    index = PlanIndex.build(
        [ApiKey("k1", "a", "v1", enabled=True)], [plan], [UsagePlanKey("u1", "k1", "plan1")], created=5.0
    )
    check = MethodLimits("api1", stage(), "/a", "GET").check(index.grant("v1", "api1", "prod"))
    assert check.quota is not None
    assert (check.quota.limit, check.quota.period, check.quota.offset, check.quota.created) == (
        100,
        QuotaPeriod.WEEK,
        3,
        5.0,
    )
