"""A period's days must lie between 1990 and 2099: a report also reads the period of the
same length just before, and the year 168 or 9999 made every report fail (500) instead of
telling the reader. Pages drop such a day and show their default period; the API refuses
it with 400."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.periods import twelve_months_to

MISTAKES = [
    ("0168-07-05", "0479-07-12"),  # both far in the past: the period before is before year 1
    ("0001-01-01", "9999-12-31"),
    ("9999-12-31", "9999-12-31"),  # the day after the last is past year 9999
    ("1989-12-31", "2026-06-30"),  # one day early
]


@pytest.mark.parametrize(("first", "last"), MISTAKES)
def test_the_dashboard_drops_a_day_out_of_range_for_its_last_twelve_months(
    client, manager, first, last
):
    client.force_login(manager)
    response = client.get(reverse("dashboard"), {"start": first, "end": last})
    assert response.status_code == 200
    # Only a wrong `start`: the twelve months up to `end`; else up to today.
    end = dt.date(2026, 6, 30) if last == "2026-06-30" else timezone.localdate()
    part = response.context["part"]
    assert (part.start, part.end) == (twelve_months_to(end), end)
    assert "Give a day from 1990-01-01 to 2099-12-31." in str(response.context["form"].errors)


@pytest.mark.parametrize(
    ("name", "first_name", "last_name"),
    [
        ("recurring-issues", "start", "end"),
        ("recurring-issues-export", "start", "end"),
        ("answer-list", "answered_from", "answered_to"),
        ("case-queue", "closed_from", "closed_to"),
    ],
)
@pytest.mark.parametrize(("first", "last"), MISTAKES[:3])
def test_pages_filtered_on_a_day_out_of_range_still_answer(
    client, manager, name, first_name, last_name, first, last
):
    client.force_login(manager)
    response = client.get(reverse(name), {first_name: first, last_name: last})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/recurring-issues", "/api/v1/nps"])
@pytest.mark.parametrize(("first", "last"), MISTAKES)
def test_the_api_refuses_a_day_out_of_range_and_says_which_days_it_takes(
    api_client, path, first, last
):
    response = api_client.get(path, {"from": first, "to": last})
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    wrong = {"from"} if last == "2026-06-30" else {"from", "to"}
    assert set(fields) == wrong
    for name in wrong:
        assert fields[name] == ["Give a day from 1990-01-01 to 2099-12-31."]


@pytest.mark.parametrize("path", ["/api/v1/recurring-issues", "/api/v1/nps"])
def test_the_api_takes_the_first_and_the_last_day_it_allows(api_client, path):
    response = api_client.get(path, {"from": "1990-01-01", "to": "2099-12-31"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("dashboard", ("start", "end")),
        ("recurring-issues", ("start", "end")),
        ("answer-list", ("answered_from", "answered_to")),
    ],
)
def test_the_date_pickers_offer_only_the_days_a_period_may_cover(client, manager, name, fields):
    client.force_login(manager)
    page = client.get(reverse(name)).content.decode()
    for field in fields:
        tag = page[page.rindex("<input", 0, page.index(f'name="{field}"')) :]
        tag = tag[: tag.index(">")]
        assert 'type="date"' in tag
        assert 'min="1990-01-01"' in tag
        assert 'max="2099-12-31"' in tag
