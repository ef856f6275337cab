"""An account's renewal date lies among the days reports cover, 1990 to 2099: a CRM's empty
date (0001-01-01, 9999-12-31) is refused with the range, by the API, a CSV import (its line
and column) and the admin, rather than stored as a renewal nobody will see coming."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from accounts.models import Account
from imports.services.customers import import_accounts
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
