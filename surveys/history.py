"""History: answers that reach NPS Loop too long after they were given to be followed up.

An answer is judged as of when it was given. It is *history* when it was given more than
the case window (`LoopSettings.case_window_days`, by default `NPS_CASE_WINDOW_DAYS`, 30)
before it arrived (the moment NPS Loop stored it), counted in calendar days of the business
time zone (`TIME_ZONE`): with a 30-day window, an answer stored on 31 March is followed up
when it was given on 1 March or later, and is history when given on 28 February or before,
whatever the hour. History is stored, matched to its contact, counted in every figure and
shown with the account, but opens no case, sends nothing and suppresses no survey.

The functions are pure (plain values in, no database), except `case_window_days()`, which
reads the setting. The CSV import's preview counts history with `history_cutoff()`:
`answered_at < history_cutoff(arrived_at=now, window_days=...)` is history.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.models import LoopSettings


def case_window_days() -> int:
    """The case window in force: the business setting (default `NPS_CASE_WINDOW_DAYS`)."""
    return LoopSettings.current().case_window_days


def history_cutoff(
    *, arrived_at: dt.datetime, window_days: int, tz: dt.tzinfo | None = None
) -> dt.datetime:
    """The earliest moment an answer arriving at `arrived_at` may have been given to be
    followed up: local midnight `window_days` calendar days before the day it arrived."""
    zone = tz or timezone.get_default_timezone()
    first_day = timezone.localtime(arrived_at, zone).date() - dt.timedelta(days=window_days)
    return dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)


def is_history(
    *,
    answered_at: dt.datetime,
    arrived_at: dt.datetime,
    window_days: int,
    tz: dt.tzinfo | None = None,
) -> bool:
    """True when the answer was given more than `window_days` local calendar days before it
    arrived: it is recorded and counted, but not actioned."""
    return answered_at < history_cutoff(arrived_at=arrived_at, window_days=window_days, tz=tz)
