"""Periods of days as filters on a moment.

A period "from 1 March to 31 March" is every moment from 1 March's midnight to the midnight
after 31 March, in the server's time zone. It is filtered on the column itself, not on its
`__date`: the same days, but PostgreSQL can use the column's index and statistics (on
`__date` it guesses a handful of rows and picks nested loops).
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# The days a period may start and end on. A report reads the period of the same length
# just before the one asked for, and a day's bounds are moments: Python's dates (years 1
# to 9999) must hold both, so a filter on the year 168 or 9999 is refused as a mistake
# rather than failing. A report of a century, month by month, is still a page to read.
FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
# The first and last moments of those days, in UTC. Compare a moment with them as it is:
# converting the year 1 or 9999 to UTC can overflow.
FIRST_MOMENT = dt.datetime.combine(FIRST_DAY, dt.time.min, tzinfo=dt.UTC)
LAST_MOMENT = dt.datetime.combine(LAST_DAY, dt.time.max, tzinfo=dt.UTC)
# The same years, for an API schema: OpenAPI cannot bound a date, only match its text.
PERIOD_DAY_PATTERN = r"^(?:199[0-9]|20[0-9]{2})-[0-9]{2}-[0-9]{2}$"
# A date-time's year from FIRST_DAY's on (a later one is a sender's clock ahead, read as now).
FROM_FIRST_YEAR_PATTERN = r"^(?:199[0-9]|[2-9][0-9]{3})-"


def period_day_validators() -> list:
    """The validators of a field giving a period's first or last day, or a day that periods
    count (an action's due day, an account's renewal)."""
    return _between(FIRST_DAY, LAST_DAY)


def period_moment_validators() -> list:
    """The validators of a moment that periods count (an interaction's time): on one of the
    days a period may cover, counted in UTC."""
    return _between(FIRST_MOMENT, LAST_MOMENT)


def _between(first: dt.date, last: dt.date) -> list:
    message = format_lazy(
        _("Give a day from {first} to {last}."),
        first=FIRST_DAY.isoformat(),
        last=LAST_DAY.isoformat(),
    )
    return [MinValueValidator(first, message), MaxValueValidator(last, message)]


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
