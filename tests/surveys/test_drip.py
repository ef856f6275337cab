"""Spreading a campaign over working days: pure functions, no database."""

import datetime as dt

import pytest

from surveys.drip import drip_times, sending_days

UTC = dt.UTC
FRIDAY_10 = dt.datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def test_a_campaign_sent_at_once_goes_out_at_its_start():
    assert drip_times(3, start=FRIDAY_10, days=1) == [FRIDAY_10] * 3


def test_later_sending_days_skip_the_weekend_and_keep_the_time_of_day():
    assert sending_days(FRIDAY_10, 3) == [
        FRIDAY_10,
        dt.datetime(2026, 12, 7, 10, 0, tzinfo=UTC),  # Monday
        dt.datetime(2026, 12, 8, 10, 0, tzinfo=UTC),  # Tuesday
    ]


def test_holidays_are_skipped_too():
    christmas = dt.date(2026, 12, 25)
    days = sending_days(
        dt.datetime(2026, 12, 24, 9, 0, tzinfo=UTC), 2, holidays=frozenset({christmas})
    )
    assert [d.date() for d in days] == [dt.date(2026, 12, 24), dt.date(2026, 12, 28)]


def test_the_first_day_is_the_chosen_one_even_on_a_weekend():
    saturday = dt.datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert sending_days(saturday, 2) == [saturday, dt.datetime(2026, 12, 7, 8, 0, tzinfo=UTC)]


def test_invitations_are_shared_evenly_and_the_first_days_take_the_remainder():
    times = drip_times(11, start=FRIDAY_10, days=3)
    per_day = [times.count(moment) for moment in sending_days(FRIDAY_10, 3)]
    assert per_day == [4, 4, 3]
    assert times == sorted(times)


def test_fewer_invitations_than_days_leave_the_last_days_empty():
    times = drip_times(2, start=FRIDAY_10, days=5)
    assert times == sending_days(FRIDAY_10, 5)[:2]


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(ValueError, match="working day"):
        drip_times(5, start=FRIDAY_10, days=3, working_days=[9])
