"""API keys and usage plans, indexed once per deployment: which key value grants what, where.

"A key counts only when enabled and in a usage plan bound to this API and stage"; otherwise API
Gateway answers 403 ``{"message":"Forbidden"}`` (INVALID_API_KEY). See
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html.
API Gateway refuses to put one key into two usage plans that share an API stage (CreateUsagePlanKey
answers ConflictException), so such a configuration is a :class:`~vpcgate.errors.ConfigError` here.

::

    VpcgateError
    └── ConfigError   a usage plan key names an unknown key or plan; one key in two plans for one stage
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from vpcgate.errors import ConfigError
from vpcgate.spec.model import ApiKey, UsagePlan, UsagePlanKey, UsagePlanStage

__all__ = ["KeyGrant", "PlanIndex"]


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """An enabled API key admitted to one API stage by one usage plan. ``created``: the plan's
    creation time (epoch seconds), where its quota's initial period (and offset) lies."""

    key: ApiKey
    plan: UsagePlan
    api_stage: UsagePlanStage
    created: float = 0.0


class PlanIndex:
    """Key value → grant per (API, stage); and the keys of each plan (for usage reports)."""

    def __init__(
        self,
        grants: Mapping[tuple[str, str, str], KeyGrant],
        plans: Mapping[str, UsagePlan],
        plan_keys: Mapping[str, tuple[ApiKey, ...]],
        created: float = 0.0,
    ) -> None:
        self._grants = MappingProxyType(dict(grants))
        self._plans = MappingProxyType(dict(plans))
        self._plan_keys = MappingProxyType(dict(plan_keys))
        self.created = created

    @classmethod
    def build(
        cls,
        api_keys: Iterable[ApiKey],
        usage_plans: Iterable[UsagePlan],
        usage_plan_keys: Iterable[UsagePlanKey],
        *,
        created: float,
    ) -> PlanIndex:
        """``created``: when the plans were created (epoch seconds: the deployment's first ``up``,
        persisted across restarts if possible); a quota's offset applies in the period holding it."""
        keys = {k.id: k for k in api_keys}
        plans = {p.id: p for p in usage_plans}
        grants: dict[tuple[str, str, str], KeyGrant] = {}
        plan_keys: dict[str, list[ApiKey]] = {p: [] for p in plans}
        for link in usage_plan_keys:
            key, plan = _resolve(link, keys, plans)
            plan_keys[plan.id].append(key)
            if key.enabled:
                _admit(grants, key, plan, created)
        return cls(grants, plans, {p: tuple(ks) for p, ks in plan_keys.items()}, created)

    def grant(self, key_value: str | None, rest_api_id: str, stage: str) -> KeyGrant | None:
        """The grant of ``key_value`` on this API stage; ``None`` → 403 Forbidden."""
        if not key_value:
            return None
        return self._grants.get((key_value, rest_api_id, stage))

    def plan_keys(self, plan_id: str) -> tuple[ApiKey, ...]:
        """The keys of a usage plan, enabled or not (``KeyError`` for an unknown plan)."""
        return self._plan_keys[plan_id]

    def plan(self, plan_id: str) -> UsagePlan | None:
        return self._plans.get(plan_id)


def _resolve(
    link: UsagePlanKey, keys: Mapping[str, ApiKey], plans: Mapping[str, UsagePlan]
) -> tuple[ApiKey, UsagePlan]:
    key = keys.get(link.key_id)
    plan = plans.get(link.usage_plan_id)
    if key is None:
        raise ConfigError(f"usage plan key {link.id}: no API key {link.key_id!r}")
    if plan is None:
        raise ConfigError(f"usage plan key {link.id}: no usage plan {link.usage_plan_id!r}")
    return key, plan


def _admit(
    grants: dict[tuple[str, str, str], KeyGrant], key: ApiKey, plan: UsagePlan, created: float
) -> None:
    for api_stage in plan.api_stages:
        where = (key.value, api_stage.rest_api_id, api_stage.stage)
        other = grants.get(where)
        if other is not None and other.plan.id != plan.id:
            raise ConfigError(
                f"API key {key.id} is in usage plans {other.plan.id} and {plan.id}, which share the API "
                f"stage {api_stage.rest_api_id}/{api_stage.stage} (API Gateway refuses this)"
            )
        grants[where] = KeyGrant(key, plan, api_stage, created)
