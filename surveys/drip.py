"""When each invitation of a campaign goes out: pure functions of plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from core.business_days import MONDAY_TO_FRIDAY, is_working_day


def sending_days(
    start: dt.datetime,
    days: int,
    *,
    working_days: Collection[int] = MONDAY_TO_FRIDAY,
    holidays: Collection[dt.date] = (),
) -> list[dt.datetime]:
    """The moments a campaign spread over `days` sends: `start`, then the same time of day on
    each following working day. The first day is `start` itself, whatever the calendar says:
    whoever scheduled it chose that day."""
    if days < 1:
        raise ValueError("a campaign is sent over one day or more")
    if not any(weekday in working_days for weekday in range(7)):
        raise ValueError("at least one weekday (0 = Monday … 6 = Sunday) must be a working day")
    moments = [start]
    current = start
    while len(moments) < days:
        current += dt.timedelta(days=1)
        if is_working_day(current.date(), working_days=working_days, holidays=holidays):
            moments.append(current)
    return moments


def drip_times(
    count: int,
    *,
    start: dt.datetime,
    days: int,
    working_days: Collection[int] = MONDAY_TO_FRIDAY,
    holidays: Collection[dt.date] = (),
) -> list[dt.datetime]:
    """The send time of each of `count` invitations spread evenly over `days` sending days.

    Each day gets `count // days` invitations; the first days take one more each
    until the remainder is used up. With fewer invitations than days, the last
    days get none.
    """
    moments = sending_days(start, days, working_days=working_days, holidays=holidays)
    per_day, extra = divmod(count, days)
    times: list[dt.datetime] = []
    for index, moment in enumerate(moments):
        times.extend([moment] * (per_day + (1 if index < extra else 0)))
    return times
