"""The dashboard adds ARR up in the reporting currency: the card and its tables add the same
converted amounts, and an account whose currency has no rate is said, not added as is."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import ExchangeRate
from playbooks.selectors import dashboard
from playbooks.selectors.dashboard import Slice
from playbooks.services.engine import process_response
from surveys.models import Category
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")
TODAY = timezone.localdate()


def _detractor_at(account) -> None:
    answer = ResponseFactory(contact=ContactFactory(account=account), score=2)
    process_response(response_id=answer.pk)


@pytest.fixture
def accounts(default_playbooks):
    renewing = TODAY + dt.timedelta(days=30)
    made = {
        "EUR": AccountFactory(arr=Decimal("300000"), currency="EUR", renewal_date=renewing),
        "USD": AccountFactory(arr=Decimal("200000"), currency="USD", renewal_date=renewing),
    }
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.8"))
    for account in made.values():
        _detractor_at(account)
    return made


def _part() -> Slice:
    return Slice(start=TODAY - dt.timedelta(days=30), end=TODAY)


def test_the_arr_at_risk_card_adds_the_converted_arr(accounts):
    figures = dashboard.arr_at_risk(_part(), today=TODAY)

    assert figures.currency == "EUR"
    assert figures.open_detractor_arr == Decimal("460000.00")  # 300 000 + 200 000 × 0.8
    assert figures.open_detractor_unconverted == 0


def test_the_card_and_the_tables_add_the_same_amounts(accounts):
    figures = dashboard.arr_at_risk(_part(), today=TODAY)

    detractors, arr = figures.by_latest_category[Category.DETRACTOR]
    assert (detractors, arr) == (2, figures.open_detractor_arr)
    assert sum(row.arr for row in figures.renewals) == figures.open_detractor_arr
    assert [row.account.currency for row in figures.renewals] == ["EUR", "USD"]  # largest first


def test_an_account_without_a_rate_is_counted_and_said_but_its_arr_is_not_added(accounts):
    _detractor_at(AccountFactory(arr=Decimal("1000000"), currency="CHF"))

    figures = dashboard.arr_at_risk(_part(), today=TODAY)

    assert figures.open_detractor_accounts == 3
    assert figures.open_detractor_arr == Decimal("460000.00")
    assert figures.open_detractor_unconverted == 1
    assert figures.by_latest_category[Category.DETRACTOR] == (3, Decimal("460000.00"))


def test_the_page_shows_the_amounts_with_the_symbol_and_warns_of_a_missing_rate(
    client, manager, accounts
):
    _detractor_at(AccountFactory(arr=Decimal("1000000"), currency="CHF"))
    client.force_login(manager)

    page = client.get(URL).content.decode()

    assert "€460,000" in page
    assert "ARR of 1 account left out: no exchange rate." in page
    assert "These currencies have no rate to EUR" in page
    assert "$200,000" in page and "€160,000" in page  # native amount, converted beside it


def test_a_french_reader_sees_the_amounts_as_french_writes_them(client, manager, accounts):
    manager.language = "fr"
    manager.save(update_fields=["language"])
    client.force_login(manager)

    page = client.get(URL).content.decode()

    assert "460\xa0000\xa0€" in page


def test_the_renewals_csv_has_the_native_and_the_converted_arr(client, manager, accounts):
    client.force_login(manager)

    reply = client.get(reverse("dashboard-export", args=["renewals"]))

    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert rows[0][2:5] == ["ARR", "Currency", "ARR (EUR)"]
    assert [row[2:5] for row in rows[1:]] == [
        ["300000.00", "EUR", "300000.00"],
        ["200000.00", "USD", "160000.00"],
    ]
