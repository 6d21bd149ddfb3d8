"""Usage reports shaped like API Gateway's GetUsage response
(https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html): for each API key of a usage
plan, one ``[used, remaining]`` pair per UTC day from ``startDate`` to ``endDate`` (both included).

``used`` is the requests counted against the quota that day; ``remaining`` is what was left of the
quota period's allowance at the end of that day. On the wire the map is named ``values``; the SDKs
(boto3, the AWS CLI) call it ``items`` (botocore's Usage shape: ``items`` with locationName
``values``), so :meth:`UsageReport.to_api` and :meth:`UsageReport.to_sdk` give both. The map is keyed
by API key id. A plan without a quota has nothing remaining to report: vpcgate reports 0 there (AWS
does not say).

::

    VpcgateError
    ├── ConfigError             end date before start date; unknown plan or key
    └── StoreUnavailableError   the store could not be read
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from vpcgate.errors import ConfigError
from vpcgate.limits import periods
from vpcgate.limits.model import QuotaRule
from vpcgate.limits.plans import PlanIndex
from vpcgate.limits.store import LimitStore
from vpcgate.spec.model import UsagePlan

__all__ = ["UsageReport", "usage", "usage_report"]


@dataclass(frozen=True, slots=True)
class UsageReport:
    usage_plan_id: str
    start_date: date
    end_date: date
    items: Mapping[str, tuple[tuple[int, int], ...]]

    def to_api(self) -> dict[str, Any]:
        """The GetUsage response body as API Gateway sends it (``values``)."""
        return self._shape("values")

    def to_sdk(self) -> dict[str, Any]:
        """The GetUsage result as boto3 and ``aws apigateway get-usage`` show it (``items``)."""
        return self._shape("items")

    def _shape(self, name: str) -> dict[str, Any]:
        return {
            "usagePlanId": self.usage_plan_id,
            "startDate": self.start_date.isoformat(),
            "endDate": self.end_date.isoformat(),
            name: {key: [list(day) for day in days] for key, days in self.items.items()},
        }


async def usage_report(
    store: LimitStore,
    plan: UsagePlan,
    key_ids: Sequence[str],
    start: date,
    end: date,
    *,
    created: float = 0.0,
) -> UsageReport:
    """The usage of ``key_ids`` under ``plan`` from ``start`` to ``end``. ``created``: the plan's
    creation time (its quota offset applies to the period containing it)."""
    if end < start:
        raise ConfigError(f"usage: end date {end} is before start date {start}")
    first = _first_counted_day(plan, start, created)
    wanted = periods.days(first, end)
    items = {}
    for key_id in key_ids:
        counts = await store.daily_usage(plan.id, key_id, wanted)
        pairs = _pairs(plan, key_id, wanted, counts, created)
        items[key_id] = tuple(pairs[(start - first).days :])
    return UsageReport(plan.id, start, end, items)


async def usage(
    index: PlanIndex, store: LimitStore, plan_id: str, start: date, end: date, key_id: str | None = None
) -> UsageReport:
    """GetUsage: the usage of every key of ``plan_id`` (or only ``key_id``) from ``start`` to ``end``."""
    plan = index.plan(plan_id)
    if plan is None:
        raise ConfigError(f"usage: no usage plan {plan_id!r}")
    key_ids = [k.id for k in index.plan_keys(plan_id)]
    if key_id is not None:
        if key_id not in key_ids:
            raise ConfigError(f"usage: API key {key_id!r} is not in usage plan {plan_id!r}")
        key_ids = [key_id]
    return await usage_report(store, plan, key_ids, start, end, created=index.created)


def _first_counted_day(plan: UsagePlan, start: date, created: float) -> date:
    """The first day whose count the report needs: the start of the quota period holding ``start``."""
    if plan.quota is None:
        return start
    return periods.day_of(periods.period_start(plan.quota.period, _epoch(start)))


def _pairs(
    plan: UsagePlan, key_id: str, days: Sequence[date], counts: Sequence[int], created: float
) -> list[tuple[int, int]]:
    if plan.quota is None:
        return [(used, 0) for used in counts]
    q = plan.quota
    rule = QuotaRule(plan.id, key_id, q.limit, q.period, q.offset, created)
    pairs = []
    period, spent = None, 0
    for day, used in zip(days, counts, strict=True):
        start = periods.period_start(q.period, _epoch(day))
        if start != period:
            period, spent = start, 0
        spent += used
        pairs.append((used, max(0, rule.cap(start) - spent)))
    return pairs


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
