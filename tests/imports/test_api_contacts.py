"""`/api/v1/contacts`: a CRM keeps NPS Loop's contacts in sync."""

import pytest

from accounts.models import Contact
from accounts.services.erasure import remember_erased_address
from playbooks.services.erasure import erase_contact
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts"


def contact(external_id: str = "C-1", **overrides):
    body = {"external_id": external_id, "email": "ana@acme.example", "name": "Ana"}
    body.update(overrides)
    return body


def test_posting_a_new_contact_creates_it_under_its_account(api_client):
    AccountFactory(external_id="ACME-1")

    reply = api_client.post(
        URL, contact(account_external_id="ACME-1", persona="champion"), format="json"
    )

    assert reply.status_code == 201
    data = reply.json()
    assert (data["account_external_id"], data["persona"]) == ("ACME-1", "champion")


def test_a_contact_known_from_an_answer_takes_the_crm_id(api_client):
    known = ContactFactory(email="ana@acme.example", external_id="")

    reply = api_client.post(URL, contact(external_id="CRM-9"), format="json")

    assert reply.status_code == 200
    known.refresh_from_db()
    assert known.external_id == "CRM-9"


def test_a_new_email_under_the_same_crm_id_changes_the_contacts_address(api_client):
    ContactFactory(email="old@acme.example", external_id="C-1")

    reply = api_client.post(URL, contact(email="new@acme.example"), format="json")

    assert reply.status_code == 200
    assert Contact.objects.get(external_id="C-1").email == "new@acme.example"


def test_an_unknown_account_is_refused_naming_the_field(api_client):
    reply = api_client.post(URL, contact(account_external_id="NOPE"), format="json")

    assert reply.status_code == 400
    assert (
        "no account has the CRM id 'NOPE'"
        in (reply.json()["error"]["fields"]["account_external_id"][0])
    )


def test_an_erased_person_is_not_recreated(api_client):
    remember_erased_address(email="ana@acme.example")

    reply = api_client.post(URL, contact(), format="json")

    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "erased"
    assert not Contact.objects.exists()


def test_opted_out_false_never_opts_anyone_back_in(api_client):
    ContactFactory(email="ana@acme.example", external_id="C-1", opted_out=True)

    reply = api_client.patch(f"{URL}/C-1", {"opted_out": False}, format="json")

    assert reply.status_code == 200
    assert reply.json()["opted_out"] is True


def test_patch_moves_a_contact_to_another_account(api_client):
    ContactFactory(external_id="C-1")
    AccountFactory(external_id="OTHER")

    reply = api_client.patch(f"{URL}/C-1", {"account_external_id": "OTHER"}, format="json")

    assert reply.status_code == 200
    assert Contact.objects.get(external_id="C-1").account.external_id == "OTHER"


def test_the_list_filters_by_account_and_leaves_out_erased_people(api_client):
    acme = AccountFactory(external_id="ACME-1")
    ContactFactory(account=acme, email="ana@acme.example")
    ContactFactory(account=acme, email="bob@acme.example")
    ContactFactory(email="eve@globex.example")
    erase_contact(email="bob@acme.example")

    reply = api_client.get(URL, {"account_external_id": "ACME-1"})

    assert [c["email"] for c in reply.json()["results"]] == ["ana@acme.example"]


def test_bulk_writes_each_good_contact_and_refuses_the_bad_ones(api_client):
    AccountFactory(external_id="ACME-1")
    remember_erased_address(email="gone@acme.example")

    reply = api_client.post(
        f"{URL}/bulk",
        {
            "contacts": [
                contact("C-1", account_external_id="ACME-1"),
                contact("C-2", email="gone@acme.example"),
                contact("C-3", email="bob@acme.example", account_external_id="NOPE"),
                contact("C-4", email="eve@acme.example", opted_out="yes"),
                contact("C-5", email="zoe@acme.example"),
            ]
        },
        format="json",
    )

    data = reply.json()
    assert [r["status"] for r in data["results"]] == [201, 409, 400, 400, 201]
    assert data["results"][1]["error"]["code"] == "erased"
    assert (data["created"], data["failed"]) == (2, 3)
    assert set(Contact.objects.values_list("external_id", flat=True)) == {"C-1", "C-5"}


def test_bulk_with_the_same_contact_twice_applies_them_in_order(api_client):
    reply = api_client.post(
        f"{URL}/bulk",
        {"contacts": [contact("C-1", title="CTO"), contact("C-1", title="CEO")]},
        format="json",
    )

    assert [r["status"] for r in reply.json()["results"]] == [201, 200]
    assert Contact.objects.get(external_id="C-1").title == "CEO"


def test_answers_waiting_for_an_account_follow_their_contact_given_one(api_client):
    unmatched = ContactFactory(account=None, email="ana@acme.example", external_id="")
    answer = ResponseFactory(contact=unmatched, account=None)
    acme = AccountFactory(external_id="ACME-1")

    reply = api_client.post(URL, contact(account_external_id="ACME-1"), format="json")

    assert reply.status_code == 200
    answer.refresh_from_db()
    assert answer.account == acme
