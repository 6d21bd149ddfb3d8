"""Quota periods: calendar DAY, WEEK and MONTH in UTC, and the per-day buckets GetUsage reports.

AWS documents the periods' names (https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html)
but not where they start. vpcgate's choice, stated here once:

- DAY starts at 00:00 UTC;
- WEEK starts on Sunday 00:00 UTC: the one AWS statement about week boundaries is the earlier text of
  QuotaSettings.offset ("with a time period of WEEK, an offset of 0 starts on Sunday, and an offset of
  1 starts on Monday", still in SDK docs such as aws-sdk-ruby 1.73); AWS has since redefined offset as
  "the number of requests subtracted from the given limit in the initial time period", which is what
  :class:`~vpcgate.limits.model.QuotaRule` implements, so offset no longer moves the start;
- MONTH starts on the first of the month, 00:00 UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from vpcgate.spec.model import QuotaPeriod

__all__ = ["day_of", "days", "period_bounds", "period_start"]

SUNDAY = 6  # date.weekday(): Monday is 0


_last: dict[QuotaPeriod, tuple[float, float]] = {}  # the last period computed, per kind (hot path)
_days: dict[float, date] = {}


def period_bounds(period: QuotaPeriod, t: float) -> tuple[float, float]:
    """The ``[start, end)`` epoch seconds of the period containing ``t``."""
    last = _last.get(period)
    if last is not None and last[0] <= t < last[1]:
        return last
    bounds = _last[period] = _compute(period, t)
    return bounds


def _compute(period: QuotaPeriod, t: float) -> tuple[float, float]:
    # floor first: fromtimestamp rounds to the microsecond, which can carry 23:59:59.9999995 into tomorrow
    day = datetime.fromtimestamp(math.floor(t), UTC).date()
    if period is QuotaPeriod.DAY:
        first, last = day, day + timedelta(days=1)
    elif period is QuotaPeriod.WEEK:
        first = day - timedelta(days=(day.weekday() - SUNDAY) % 7)
        last = first + timedelta(days=7)
    else:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    return _epoch(first), _epoch(last)


def period_start(period: QuotaPeriod, t: float) -> float:
    return period_bounds(period, t)[0]


def day_of(t: float) -> date:
    """The UTC calendar day of epoch seconds ``t``."""
    start = period_bounds(QuotaPeriod.DAY, t)[0]
    day = _days.get(start)
    if day is None:
        _days.clear()
        day = _days[start] = datetime.fromtimestamp(start, UTC).date()
    return day


def days(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
