"""Where a request falls in its quota: the period, how many requests that period allows, its UTC day.

Both stores count a quota per (usage plan, API key, period start) and, for GetUsage, per (plan, key,
UTC day); the names of those counters are made here so the stores agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vpcgate.limits import periods
from vpcgate.limits.model import QuotaRule

__all__ = ["QuotaWindow", "day_counter", "window"]


@dataclass(frozen=True, slots=True)
class QuotaWindow:
    counter: str  # the period's counter: "q|plan|key|start"
    day_counter: str  # the day's counter: "u|plan|key|YYYY-MM-DD"
    cap: int  # requests this period allows
    end: float  # epoch seconds the period ends


def window(rule: QuotaRule, wall: float) -> QuotaWindow:
    start, end = periods.period_bounds(rule.period, wall)
    return QuotaWindow(
        counter=f"q|{rule.plan_id}|{rule.key_id}|{int(start)}",
        day_counter=day_counter(rule.plan_id, rule.key_id, periods.day_of(wall)),
        cap=rule.cap(start),
        end=end,
    )


def day_counter(plan_id: str, key_id: str, day: date) -> str:
    return f"u|{plan_id}|{key_id}|{day.isoformat()}"
