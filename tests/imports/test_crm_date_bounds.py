"""An account's renewal date and an interaction's time lie among the days reports cover,
1990 to 2099: a CRM's empty date (0001-01-01, 9999-12-31) is refused with the range, by the
API, a CSV import (its line and column) and the admin, rather than stored as a renewal
nobody will see coming, or as the account's latest interaction for ever."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from accounts.models import Account, Interaction
from imports.services.customers import import_accounts, import_interactions
from tests.accounts.test_admin_writes import account_change
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts"
RANGE = "Give a day from 1990-01-01 to 2099-12-31."


@pytest.mark.parametrize("day", ["0001-01-01", "1989-12-31", "2100-01-01", "9999-12-31"])
def test_the_api_refuses_a_renewal_outside_the_reports_days(api_client, day):
    body = {"external_id": "ACME-1", "name": "Acme", "renewal_date": day}

    reply = api_client.post(URL, body, format="json")

    assert reply.status_code == 400
    assert reply.json()["error"]["fields"] == {"renewal_date": [RANGE]}
    assert not Account.objects.exists()


def test_a_bulk_upsert_refuses_only_the_account_with_an_empty_date(api_client):
    accounts = [
        {"external_id": "ACME-1", "name": "Acme", "renewal_date": "0001-01-01"},
        {"external_id": "GLOBEX-1", "name": "Globex", "renewal_date": "2099-12-31"},
    ]

    reply = api_client.post(f"{URL}/bulk", {"accounts": accounts}, format="json")

    assert [result["status"] for result in reply.json()["results"]] == [400, 201]
    assert Account.objects.get().renewal_date == dt.date(2099, 12, 31)


def test_a_csv_import_names_the_line_and_column_of_an_empty_date():
    content = "external_id,name,renewal_date\nACME-1,Acme,2027-03-31\nGLOBEX-1,Globex,9999-12-31\n"

    result = import_accounts(file=io.BytesIO(content.encode()))

    [error] = result.errors
    assert (error.line, error.column) == (3, "renewal_date")
    assert "give a day from 1990-01-01 to 2099-12-31, or leave the cell empty" in error.message
    assert not Account.objects.exists()  # a file with errors is refused whole, by default


def test_the_admin_refuses_it_beside_the_field(admin_client):
    account = AccountFactory(name="Acme", external_id="CRM-1", renewal_date=None)
    data = account_change(account, renewal_date="0001-01-01")

    reply = admin_client.post(reverse("admin:accounts_account_change", args=[account.pk]), data)

    assert reply.status_code == 200
    assert reply.context["adminform"].form.errors == {"renewal_date": [RANGE]}
    account.refresh_from_db()
    assert account.renewal_date is None


@pytest.mark.parametrize(
    "moment", ["0001-01-01", "0001-01-01T05:00:00+14:00", "1989-12-31T23:59:59Z", "9999-12-31"]
)
def test_an_interactions_import_names_the_line_and_column_of_an_empty_date(moment):
    AccountFactory(external_id="ACC-1")
    content = (
        "account_external_id,kind,summary,occurred_at\n"
        "ACC-1,meeting,Quarterly review,2026-03-31 10:00\n"
        f"ACC-1,meeting,Renewal call,{moment}\n"
    )

    result = import_interactions(file=io.BytesIO(content.encode()))

    [error] = result.errors
    assert (error.line, error.column) == (3, "occurred_at")
    assert "give a day from 1990-01-01 to 2099-12-31" in error.message
    assert not Interaction.objects.exists()


def test_the_admin_refuses_an_interaction_in_the_year_1(admin_client):
    account = AccountFactory()
    data = {
        "account": account.pk,
        "contact": "",
        "kind": "meeting",
        "summary": "Quarterly review",
        "occurred_at_0": "0001-01-01",
        "occurred_at_1": "10:00:00",
        "source": "manual",
        "external_id": "",
    }

    reply = admin_client.post(reverse("admin:accounts_interaction_add"), data)

    assert reply.status_code == 200
    assert reply.context["adminform"].form.errors == {"occurred_at": [RANGE]}
    assert not Interaction.objects.exists()
