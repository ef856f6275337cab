"""`/api/v1/accounts`: a CRM keeps NPS Loop's accounts in sync."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Account
from surveys.models import IntegrationKind
from surveys.services.integrations import create_integration
from tests.factories import AccountDomainFactory, AccountFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts"


def account(external_id: str = "ACME-1", **overrides):
    body = {"external_id": external_id, "name": "Acme", "segment": "enterprise", "arr": 125000}
    body.update(overrides)
    return body


def test_posting_a_new_account_creates_it_with_its_domains_and_csm(api_client):
    csm = UserFactory(email="lea@nps-loop.test")

    reply = api_client.post(
        URL,
        account(domains=["acme.com", "Acme.fr"], csm_email="LEA@nps-loop.test", arr=99.5),
        format="json",
    )

    assert reply.status_code == 201
    data = reply.json()
    assert data["domains"] == ["acme.com", "acme.fr"]
    assert (data["arr"], data["csm_email"], data["currency"]) == (99.5, csm.email, "EUR")
    assert Account.objects.get(external_id="ACME-1").csm == csm


def test_posting_a_known_account_updates_only_the_fields_sent(api_client):
    AccountFactory(external_id="ACME-1", name="Acme", tier="Gold", arr=Decimal("10"))

    reply = api_client.post(URL, {"external_id": "ACME-1", "name": "Acme Corp"}, format="json")

    assert reply.status_code == 200
    stored = Account.objects.get(external_id="ACME-1")
    assert (stored.name, stored.tier, stored.arr) == ("Acme Corp", "Gold", Decimal("10"))


def test_a_csm_email_nobody_has_is_refused_naming_the_field(api_client):
    reply = api_client.post(URL, account(csm_email="nobody@nps-loop.test"), format="json")

    assert reply.status_code == 400
    assert "no user has the email" in reply.json()["error"]["fields"]["csm_email"][0]
    assert not Account.objects.exists()


def test_arr_given_as_text_is_refused(api_client):
    reply = api_client.post(URL, account(arr="125000"), format="json")

    assert reply.status_code == 400
    assert list(reply.json()["error"]["fields"]) == ["arr"]


def test_patch_clears_a_field_sent_as_null_and_keeps_the_others(api_client):
    AccountFactory(external_id="ACME-1", tier="Gold")

    reply = api_client.patch(f"{URL}/ACME-1", {"renewal_date": None}, format="json")

    assert reply.status_code == 200
    assert reply.json()["renewal_date"] is None
    assert reply.json()["tier"] == "Gold"


def test_patch_of_an_unknown_account_is_404(api_client):
    reply = api_client.patch(f"{URL}/NOPE", {"name": "X"}, format="json")

    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "not_found"


def test_the_list_filters_by_segment_and_search_and_pages(api_client):
    AccountFactory(external_id="A-1", name="Acme", segment="enterprise")
    AccountFactory(external_id="A-2", name="Acme Labs", segment="smb")
    AccountFactory(external_id="B-1", name="Globex", segment="enterprise")

    reply = api_client.get(URL, {"segment": "enterprise", "q": "acme", "page_size": 1})

    data = reply.json()
    assert data["count"] == 1
    assert [a["external_id"] for a in data["results"]] == ["A-1"]


def test_one_account_is_read_by_its_crm_id(api_client):
    AccountDomainFactory(account=AccountFactory(external_id="A-1"), domain="acme.com")

    reply = api_client.get(f"{URL}/A-1")

    assert reply.status_code == 200
    assert reply.json()["domains"] == ["acme.com"]


def test_bulk_writes_the_good_accounts_and_reports_the_bad_ones(api_client):
    AccountFactory(external_id="OLD-1", name="Old")

    reply = api_client.post(
        f"{URL}/bulk",
        {
            "accounts": [
                account("NEW-1"),
                account("OLD-1", name="Old Renamed"),
                account("BAD-1", segment="huge"),
                account("BAD-2", domains=["not a domain"]),
                account("OLD-1", name="Old Renamed"),
            ]
        },
        format="json",
    )

    assert reply.status_code == 200
    data = reply.json()
    assert [r["status"] for r in data["results"]] == [201, 200, 400, 400, 200]
    assert list(data["results"][2]["error"]["fields"]) == ["segment"]
    assert data["results"][3]["error"]["fields"]["domains"][0].startswith("0: ")
    assert (data["created"], data["updated"], data["unchanged"], data["failed"]) == (1, 1, 1, 2)
    assert set(Account.objects.values_list("external_id", flat=True)) == {"NEW-1", "OLD-1"}


def test_bulk_with_the_same_account_twice_applies_them_in_order(api_client):
    reply = api_client.post(
        f"{URL}/bulk",
        {"accounts": [account("A-1", name="First"), account("A-1", name="Second")]},
        format="json",
    )

    assert [r["status"] for r in reply.json()["results"]] == [201, 200]
    assert Account.objects.get(external_id="A-1").name == "Second"


def test_bulk_of_more_than_1000_accounts_is_refused_whole(api_client):
    reply = api_client.post(
        f"{URL}/bulk", {"accounts": [account(f"A-{n}") for n in range(1001)]}, format="json"
    )

    assert reply.status_code == 400
    assert "at most 1000" in reply.json()["error"]["fields"]["accounts"][0]
    assert not Account.objects.exists()


def test_a_manager_reads_accounts_but_may_not_change_them(client, manager):
    client.force_login(manager)

    assert client.get(URL).status_code == 200
    reply = client.post(URL, account(), content_type="application/json")
    assert reply.status_code == 403


def test_a_csm_may_not_read_accounts_through_the_api(client, csm):
    client.force_login(csm)

    assert client.get(URL).status_code == 403


def test_an_admin_may_change_accounts(client, admin_user):
    client.force_login(admin_user)

    reply = client.post(URL, account(), content_type="application/json")

    assert reply.status_code == 201


def test_a_survey_tools_webhook_key_may_not_read_accounts(db):
    key = create_integration(name="typeform", kind=IntegrationKind.TYPEFORM).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    reply = client.get(URL)

    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "permission_denied"


def test_updated_since_lists_only_accounts_changed_since(api_client):
    AccountFactory(external_id="OLD")
    Account.objects.filter(external_id="OLD").update(
        updated_at=timezone.now() - dt.timedelta(days=3)
    )
    AccountFactory(external_id="NEW")
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    reply = api_client.get(URL, {"updated_since": since})

    assert [a["external_id"] for a in reply.json()["results"]] == ["NEW"]
