"""Business-day arithmetic for due dates and SLAs: pure functions of plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})


def is_working_day(
    day: dt.date,
    *,
    working_days: Collection[int] = MONDAY_TO_FRIDAY,
    holidays: Collection[dt.date] = (),
) -> bool:
    """Whether `day` counts: one of the working weekdays (0 = Monday) and not a holiday."""
    return day.weekday() in working_days and day not in holidays


def add_business_days(
    start: dt.datetime,
    days: int,
    *,
    working_days: Collection[int] = MONDAY_TO_FRIDAY,
    holidays: Collection[dt.date] = (),
) -> dt.datetime:
    """The moment `days` working days after `start`, at the same time of day.

    A start outside working days counts from the next working day's start of
    business (a Saturday answer due in 1 business day is due Tuesday 00:00, that
    is the end of Monday). Zero days from a working day is `start` itself.
    """
    if days < 0:
        raise ValueError("days must be 0 or more")
    # Values outside 0–6 (a hand-edited setting) would otherwise loop for ever.
    if not any(weekday in working_days for weekday in range(7)):
        raise ValueError("at least one weekday (0 = Monday … 6 = Sunday) must be a working day")
    current = start
    if not is_working_day(current.date(), working_days=working_days, holidays=holidays):
        current = current.replace(hour=0, minute=0, second=0, microsecond=0)
        while not is_working_day(current.date(), working_days=working_days, holidays=holidays):
            current += dt.timedelta(days=1)
        if days == 0:
            return current
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current.date(), working_days=working_days, holidays=holidays):
            remaining -= 1
    return current


def parse_holidays(values: Collection[str]) -> frozenset[dt.date]:
    """Holidays as stored in the settings (ISO dates); unreadable entries are ignored."""
    holidays = set()
    for value in values:
        try:
            holidays.add(dt.date.fromisoformat(str(value)))
        except ValueError:
            continue
    return frozenset(holidays)
