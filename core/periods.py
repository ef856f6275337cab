"""Periods of days as filters on a moment.

A period "from 1 March to 31 March" is every moment from 1 March's midnight to the midnight
after 31 March, in the server's time zone. It is filtered on the column itself, not on its
`__date`: the same days, but PostgreSQL can use the column's index and statistics (on
`__date` it guesses a handful of rows and picks nested loops).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone


def day_bounds(
    first: dt.date | None, last: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The first moment of `first` and the first moment after `last`; None where open."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone) if first else None
    after = (
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone) if last else None
    )
    return start, after


def period_filter(field: str, first: dt.date | None, last: dt.date | None) -> Q:
    """Rows whose `field` falls on one of the days from `first` to `last`, both included."""
    start, after = day_bounds(first, last)
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{field}__gte": start})
    if after is not None:
        condition &= Q(**{f"{field}__lt": after})
    return condition


def twelve_months_to(end: dt.date) -> dt.date:
    """The first day of the month eleven months before `end`'s: twelve calendar months."""
    months = end.year * 12 + end.month - 1 - 11
    return dt.date(months // 12, months % 12 + 1, 1)
