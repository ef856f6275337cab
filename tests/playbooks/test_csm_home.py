"""A CSM's home page is their day: the cases and tasks that need them, their book of
business, their accounts' NPS and won-back rate over a chosen period."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import ExchangeRate
from playbooks.models import ActionAudience, Case
from playbooks.services.cases import add_action_item
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def answered(account, score: int, *, days: int = 1, case: bool = False):
    answer = ResponseFactory(
        contact=ContactFactory(account=account), score=score, answered_at=days_ago(days)
    )
    if case:
        return Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    return answer


@pytest.fixture
def book(csm, default_playbooks):
    today = timezone.localdate()
    soon = AccountFactory(
        csm=csm,
        name="Soon Renewing",
        arr=Decimal("12000"),
        currency="USD",
        renewal_date=today + dt.timedelta(days=20),
    )
    later = AccountFactory(
        csm=csm, name="Later Renewing", renewal_date=today + dt.timedelta(days=200)
    )
    undated = AccountFactory(csm=csm, name="No Renewal Date", renewal_date=None)
    AccountFactory(name="Someone Else's")  # another CSM's
    answered(later, 9, days=40)
    answered(later, 4, days=2)  # down 5
    return {"soon": soon, "later": later, "undated": undated}


def test_the_book_lists_the_csms_accounts_renewing_soonest_with_last_answer_and_trend(
    client, csm, book
):
    case = answered(book["soon"], 2, days=1, case=True)
    client.force_login(csm)

    page = client.get(HOME)

    rows = page.context["day"].book
    assert [row.account.name for row in rows] == [
        "Soon Renewing",
        "Later Renewing",
        "No Renewal Date",
    ]
    soon, later, undated = rows
    assert (soon.last_score, soon.trend, soon.open_case) == (2, None, case)
    assert soon.open_case.risk.total > 0  # its risk score, as the queue shows it
    assert (later.last_score, later.previous_score, later.trend) == (4, 9, -5)
    assert (undated.last_score, undated.open_case) == (None, None)
    html = page.content.decode()
    assert "$12,000" in html
    assert "\u22125" in html  # the trend, with a true minus
    assert "Someone Else" not in html


def test_an_arr_in_another_currency_shows_its_converted_amount_beside_it(client, csm, book):
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.9"))
    client.force_login(csm)

    page = client.get(HOME)

    soon = page.context["day"].book[0]
    assert (soon.arr_converted, soon.reporting_currency) == (Decimal("10800.00"), "EUR")
    html = page.content.decode()
    assert "$12,000" in html and "€10,800" in html


def test_the_cases_and_tasks_that_need_the_csm_come_first(client, csm, book):
    cases = [answered(book["soon"], score, case=True) for score in (1, 2, 3, 4, 5, 6)]
    add_action_item(
        case=cases[0],
        actor=csm,
        audience=ActionAudience.CUSTOMER,
        text="Send the corrected invoices",
        owner=csm,
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    client.force_login(csm)

    page = client.get(HOME)

    day = page.context["day"]
    assert (day.open_cases, len(day.cases)) == (6, 5)  # five shown, a link to all six
    assert [task.item.text for task in day.tasks if task.item] == ["Send the corrected invoices"]
    assert day.overdue_tasks == 1
    html = page.content.decode()
    assert "All 6 of your open cases" in html
    assert f'href="{reverse("case-detail", args=[cases[0].pk])}"' in html


def test_the_csms_nps_and_won_back_rate_follow_the_period_chosen(client, csm, book):
    answered(book["undated"], 10, days=200)  # only in the last 365 days
    client.force_login(csm)

    default = client.get(HOME).context["day"]
    year = client.get(HOME, {"days": "365"}).context["day"]
    refused = client.get(HOME, {"days": "7000"}).context["day"]

    assert (default.days, default.nps.responses, default.nps.nps) == (90, 2, 0)  # a 9, a 4
    assert (year.days, year.nps.responses) == (365, 3)
    assert refused.days == 90
    assert (default.won_back.answered, default.won_back.rate) == (0, None)


def test_a_csm_with_no_account_is_told_how_to_get_some(client, csm):
    client.force_login(csm)

    html = client.get(HOME).content.decode()

    assert "No account names you as its CSM yet" in html
    assert "No open case is yours right now" in html


def test_the_csms_home_explains_no_api_but_a_managers_still_does(client, csm, manager):
    client.force_login(csm)
    csm_home = client.get(HOME).content.decode()
    client.force_login(manager)
    manager_home = client.get(HOME).content.decode()

    assert "REST API" not in csm_home and "API documentation" not in csm_home
    assert "REST API" in manager_home


def test_in_french_the_csms_day_reads_in_french(client, csm, book):
    csm.language = "fr"
    csm.save(update_fields=["language"])
    client.force_login(csm)

    html = client.get(HOME).content.decode()

    assert "Dossiers qui vous attendent" in html
    assert "Votre portefeuille : 3 comptes" in html


@pytest.mark.parametrize("accounts", [3, 30])
def test_the_query_count_does_not_grow_with_the_book(client, csm, default_playbooks, accounts):
    for n in range(accounts):
        account = AccountFactory(csm=csm)
        answered(account, n % 11, case=n % 3 == 0)
    client.force_login(csm)
    client.get(HOME)  # sessions and settings read once

    with CaptureQueriesContext(connection) as queries:
        client.get(HOME)

    assert len(queries) <= 16, "\n".join(q["sql"][:120] for q in queries.captured_queries)
