"""Business days: due dates skip weekends and holidays, counted on the team's working days."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.business_days import add_business_days, is_working_day, parse_holidays

# November 2026: Friday 20, Saturday 21, Sunday 22, Monday 23, Tuesday 24.
FRIDAY = dt.datetime(2026, 11, 20, 15, 30)
SATURDAY = dt.datetime(2026, 11, 21, 10, 0)
SUNDAY = dt.datetime(2026, 11, 22, 18, 0)
MONDAY = dt.datetime(2026, 11, 23, 9, 0)
SUNDAY_TO_THURSDAY = frozenset({6, 0, 1, 2, 3})


def test_one_day_from_friday_is_monday_at_the_same_time():
    assert add_business_days(FRIDAY, 1) == dt.datetime(2026, 11, 23, 15, 30)


def test_two_days_within_the_week_stay_in_the_week():
    assert add_business_days(MONDAY, 2) == dt.datetime(2026, 11, 25, 9, 0)


def test_five_days_make_a_calendar_week():
    assert add_business_days(MONDAY, 5) == dt.datetime(2026, 11, 30, 9, 0)


def test_a_saturday_answer_due_in_one_day_is_due_at_the_end_of_monday():
    assert add_business_days(SATURDAY, 1) == dt.datetime(2026, 11, 24, 0, 0)


def test_a_sunday_answer_counts_from_monday_morning():
    assert add_business_days(SUNDAY, 2) == dt.datetime(2026, 11, 25, 0, 0)


def test_zero_days_from_a_working_day_is_the_start_itself():
    assert add_business_days(MONDAY, 0) == MONDAY


def test_zero_days_from_a_weekend_is_the_start_of_the_next_working_day():
    assert add_business_days(SATURDAY, 0) == dt.datetime(2026, 11, 23, 0, 0)


def test_a_holiday_is_skipped():
    holidays = {dt.date(2026, 11, 23)}

    assert add_business_days(FRIDAY, 1, holidays=holidays) == dt.datetime(2026, 11, 24, 15, 30)


def test_a_start_on_a_holiday_counts_from_the_next_working_day():
    holiday = dt.datetime(2026, 11, 11, 14, 0)  # a Wednesday

    result = add_business_days(holiday, 1, holidays={holiday.date()})

    assert result == dt.datetime(2026, 11, 13, 0, 0)


def test_a_sunday_to_thursday_week_works_on_sunday():
    assert add_business_days(SUNDAY, 0, working_days=SUNDAY_TO_THURSDAY) == SUNDAY


def test_a_sunday_to_thursday_week_skips_friday_and_saturday():
    thursday = dt.datetime(2026, 11, 19, 11, 0)

    result = add_business_days(thursday, 1, working_days=SUNDAY_TO_THURSDAY)

    assert result == dt.datetime(2026, 11, 22, 11, 0)


def test_the_local_time_of_day_is_kept_across_a_clock_change():
    paris = ZoneInfo("Europe/Paris")
    friday_before_summer_time = dt.datetime(2026, 3, 27, 10, 0, tzinfo=paris)

    due = add_business_days(friday_before_summer_time, 1)

    assert due == dt.datetime(2026, 3, 30, 10, 0, tzinfo=paris)
    assert due.utcoffset() == dt.timedelta(hours=2)


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="0 or more"):
        add_business_days(MONDAY, -1)


def test_a_week_without_working_day_is_refused():
    with pytest.raises(ValueError, match="working day"):
        add_business_days(MONDAY, 1, working_days=())


def test_working_days_outside_the_week_are_refused_rather_than_looping():
    with pytest.raises(ValueError, match="working day"):
        add_business_days(MONDAY, 1, working_days={7})


def test_weekend_and_holidays_are_not_working_days():
    assert is_working_day(MONDAY.date())
    assert not is_working_day(SATURDAY.date())
    assert not is_working_day(MONDAY.date(), holidays={MONDAY.date()})


def test_holidays_are_read_from_iso_dates_and_unreadable_ones_ignored():
    assert parse_holidays(["2026-12-25", "Christmas", "2027-01-01"]) == {
        dt.date(2026, 12, 25),
        dt.date(2027, 1, 1),
    }
