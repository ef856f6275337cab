"""Which answers are history: given more than the case window before they arrived, counted in
calendar days of the business time zone (pure functions, no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

from surveys.history import history_cutoff, is_history

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")

ARRIVED = dt.datetime(2026, 3, 31, 15, 0, tzinfo=PARIS)


def history(answered_at, arrived_at=ARRIVED, window_days=30, tz=PARIS) -> bool:
    return is_history(
        answered_at=answered_at, arrived_at=arrived_at, window_days=window_days, tz=tz
    )


def test_an_answer_given_on_the_last_day_of_the_window_is_followed_up_at_any_hour():
    assert not history(dt.datetime(2026, 3, 1, 0, 0, tzinfo=PARIS))
    assert not history(dt.datetime(2026, 3, 1, 23, 59, tzinfo=PARIS))


def test_an_answer_given_the_day_before_the_window_is_history_at_any_hour():
    assert history(dt.datetime(2026, 2, 28, 23, 59, 59, tzinfo=PARIS))
    assert history(dt.datetime(2026, 2, 28, 0, 0, tzinfo=PARIS))


def test_an_answer_given_today_or_yesterday_is_followed_up():
    assert not history(ARRIVED - dt.timedelta(hours=20))
    assert not history(ARRIVED)


def test_the_cutoff_is_local_midnight_window_days_before_the_day_of_arrival():
    cutoff = history_cutoff(arrived_at=ARRIVED, window_days=30, tz=PARIS)

    assert cutoff == dt.datetime(2026, 3, 1, 0, 0, tzinfo=PARIS)
    assert cutoff.astimezone(UTC) == dt.datetime(2026, 2, 28, 23, 0, tzinfo=UTC)


def test_the_window_counts_calendar_days_across_a_daylight_saving_change():
    # Paris moves to summer time on 29 March 2026: the day of arrival is 23 hours long.
    arrived = dt.datetime(2026, 3, 30, 0, 30, tzinfo=PARIS)

    assert not history(dt.datetime(2026, 3, 29, 0, 0, tzinfo=PARIS), arrived, window_days=1)
    assert history(dt.datetime(2026, 3, 28, 23, 59, tzinfo=PARIS), arrived, window_days=1)


def test_an_answer_whose_local_date_is_the_day_before_its_utc_date_is_judged_by_the_local_date():
    # 04:30 UTC on 1 March is 23:30 on 28 February in New York: 31 local days before
    # 31 March, though only 30 by the UTC dates.
    answered = dt.datetime(2026, 3, 1, 4, 30, tzinfo=UTC)
    arrived = dt.datetime(2026, 3, 31, 12, 0, tzinfo=UTC)

    assert history(answered, arrived, tz=NEW_YORK)
    assert not history(answered, arrived, tz=UTC)


def test_an_answer_whose_local_date_is_the_day_after_its_utc_date_is_judged_by_the_local_date():
    # 12:00 UTC on 28 February is 01:00 on 1 March in Auckland; 10:00 UTC on 31 March is
    # 23:00 on 31 March there: 30 local days, though 31 by the UTC dates.
    answered = dt.datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    arrived = dt.datetime(2026, 3, 31, 10, 0, tzinfo=UTC)

    assert not history(answered, arrived, tz=AUCKLAND)
    assert history(answered, arrived, tz=UTC)


def test_a_longer_window_keeps_older_answers_followed_up():
    answered = dt.datetime(2025, 12, 1, 9, 0, tzinfo=PARIS)

    assert history(answered, window_days=30)
    assert not history(answered, window_days=365)
