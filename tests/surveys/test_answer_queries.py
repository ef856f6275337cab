"""The answers' chainable reads: one period filter, one NPS aggregate."""

import datetime as dt

import pytest
from django.utils import timezone

from surveys.models import Response
from tests.factories import ResponseFactory

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def test_a_period_holds_its_first_and_last_day_whole_in_the_servers_time_zone():
    first, last = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    ResponseFactory(answered_at=at(first, 0), comment="first minute")
    ResponseFactory(answered_at=at(last, 23, 59), comment="last minute")
    ResponseFactory(answered_at=at(first, 0) - dt.timedelta(seconds=1), comment="before")
    ResponseFactory(answered_at=at(last + dt.timedelta(days=1), 0), comment="after")

    inside = Response.objects.in_period(first, last).values_list("comment", flat=True)

    assert sorted(inside) == ["first minute", "last minute"]


def test_an_open_end_of_a_period_keeps_everything_on_that_side():
    ResponseFactory(answered_at=at(dt.date(2020, 1, 1), 12), comment="old")
    ResponseFactory(answered_at=at(dt.date(2026, 6, 1), 12), comment="new")

    since = Response.objects.in_period(dt.date(2026, 1, 1), None)
    until = Response.objects.in_period(None, dt.date(2025, 12, 31))

    assert [a.comment for a in since] == ["new"]
    assert [a.comment for a in until] == ["old"]
    assert Response.objects.in_period(None, None).count() == 2


def test_the_nps_of_a_set_of_answers_counts_its_bands_in_one_query(django_assert_num_queries):
    for score in (10, 9, 9, 8, 7, 6, 0):
        ResponseFactory(score=score)

    with django_assert_num_queries(1):
        summary = Response.objects.nps()

    assert (summary.promoters, summary.passives, summary.detractors) == (3, 2, 2)
    assert summary.responses == 7
    assert summary.nps == pytest.approx(100 * (3 - 2) / 7)


def test_the_nps_of_no_answers_is_none_not_zero():
    summary = Response.objects.filter(score=5).nps()

    assert summary.responses == 0
    assert summary.nps is None


def test_groups_of_answers_get_their_band_counts_beside_them():
    ResponseFactory(score=10, comment="a")
    ResponseFactory(score=1, comment="a")
    ResponseFactory(score=9, comment="b")

    rows = {
        row["comment"]: (row["promoters"], row["passives"], row["detractors"])
        for row in Response.objects.values("comment").with_nps_counts().order_by()
    }

    assert rows == {"a": (1, 0, 1), "b": (1, 0, 0)}
