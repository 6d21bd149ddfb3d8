"""Which token buckets and quota apply to a request, built once per deployed method.

API Gateway applies its throttling settings in this order
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html):

1. per-client per-method limits set for an API stage in a usage plan (``apiStages[].throttle``,
   keyed ``"/{resource path}/{METHOD}"``),
2. per-client limits of the usage plan (its ``throttle``),
3. per-method limits set for the stage (``MethodSettings`` ThrottlingRateLimit/BurstLimit, the exact
   ``"{path}/{METHOD}"`` setting else ``"*/*"``; "applied at the API method level", so each method has
   its own bucket even under ``*/*``),
4. account-level limits: 10,000 requests per second with a bucket of 5,000 by default
   (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html); configurable here.

A request must pass every tier that applies (an AWS answer on re:Post: the account limit "applies in
all scenarios... If you have further stage or method throttling, those apply as well"); vpcgate
applies tiers 1 and 2 together when both are set. The usage plan's quota is checked before the
buckets, so a key whose quota is spent always reads ``Limit Exceeded``. Where a setting gives only
one of rate and burst, the other is the account's (API Gateway shows the account's values as the
defaults of unset method settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpcgate.limits.model import BucketRule, Check, QuotaRule, Rate, Tier
from vpcgate.limits.plans import KeyGrant
from vpcgate.spec.model import Stage, Throttle

__all__ = ["ACCOUNT_DEFAULT", "MethodLimits"]

ACCOUNT_DEFAULT = Rate(10_000.0, 5_000)
ACCOUNT_KEY = "a"


@dataclass(frozen=True, slots=True)
class _PlanRules:
    method_rate: Rate | None
    plan_rate: Rate | None


@dataclass
class MethodLimits:
    """The limits of one method of one stage. ``check(grant)`` is what the throttle step calls per
    request (``grant`` from the api-key step, ``None`` when the method takes no API key)."""

    rest_api_id: str
    stage: Stage
    resource_path: str
    http_method: str
    account: Rate | None = ACCOUNT_DEFAULT
    _fixed: tuple[BucketRule, ...] = field(init=False, repr=False)
    _anonymous: Check = field(init=False, repr=False)
    _by_key: dict[tuple[str, str], Check] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        fixed = []
        setting = self.stage.method_setting(self.resource_path, self.http_method)
        if setting is not None and (
            setting.throttling_rate_limit is not None or setting.throttling_burst_limit is not None
        ):
            rate = self._complete(setting.throttling_rate_limit, setting.throttling_burst_limit)
            where = f"{self.rest_api_id}|{self.stage.name}|{self.resource_path}|{self.http_method}"
            fixed.append(BucketRule(f"s|{where}", Tier.STAGE_METHOD, rate))
        if self.account is not None:
            fixed.append(BucketRule(ACCOUNT_KEY, Tier.ACCOUNT, self.account))
        self._fixed = tuple(fixed)
        self._anonymous = Check(self._fixed)

    def check(self, grant: KeyGrant | None) -> Check:
        if grant is None:
            return self._anonymous
        which = (grant.key.id, grant.plan.id)
        cached = self._by_key.get(which)
        if cached is None:
            cached = self._by_key[which] = self._keyed(grant)
        return cached

    def _keyed(self, grant: KeyGrant) -> Check:
        plan, key_id = grant.plan, grant.key.id
        rules = self._plan_rules(grant)
        buckets = []
        if rules.method_rate is not None:
            api_stage = f"{grant.api_stage.rest_api_id}|{grant.api_stage.stage}"
            where = f"{api_stage}|{self.resource_path}|{self.http_method}"
            buckets.append(BucketRule(f"pm|{plan.id}|{key_id}|{where}", Tier.PLAN_METHOD, rules.method_rate))
        if rules.plan_rate is not None:
            buckets.append(BucketRule(f"p|{plan.id}|{key_id}", Tier.PLAN, rules.plan_rate))
        quota = None
        if plan.quota is not None:
            q = plan.quota
            quota = QuotaRule(plan.id, key_id, q.limit, q.period, q.offset, grant.created)
        return Check((*buckets, *self._fixed), quota)

    def _plan_rules(self, grant: KeyGrant) -> _PlanRules:
        throttles = grant.api_stage.throttle
        method = throttles.get(f"{self.resource_path}/{self.http_method}") or throttles.get("*/*")
        return _PlanRules(self._from_throttle(method), self._from_throttle(grant.plan.throttle))

    def _from_throttle(self, throttle: Throttle | None) -> Rate | None:
        if throttle is None or (throttle.rate_limit is None and throttle.burst_limit is None):
            return None
        return self._complete(throttle.rate_limit, throttle.burst_limit)

    def _complete(self, rate: float | None, burst: int | None) -> Rate:
        default = self.account or ACCOUNT_DEFAULT
        return Rate(
            default.rate if rate is None else float(rate), default.burst if burst is None else int(burst)
        )
