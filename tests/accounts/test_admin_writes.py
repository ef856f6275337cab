"""Accounts and contacts changed in the Django admin keep the app's rules."""

import pytest
from django.urls import reverse

from accounts.models import Contact, Persona
from playbooks.models import Case
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, PlaybookFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def contact_form(contact: Contact, **changes) -> dict:
    data = {
        "email": contact.email,
        "name": contact.name,
        "account": contact.account_id or "",
        "title": contact.title,
        "phone": contact.phone,
        "persona": contact.persona or Persona.OTHER,
        "influence": contact.influence,
        "language": contact.language,
        "external_id": contact.external_id,
        **changes,
    }
    return data


def test_a_contact_given_an_account_in_the_admin_takes_its_waiting_answers_and_cases(
    admin_client,
):
    PlaybookFactory(active=True, for_detractors=True)
    contact = ContactFactory(account=None, email="lea@unknown.example")
    answer = ResponseFactory(contact=contact, score=2)
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    account = AccountFactory(name="Umbrella Corp")

    response = admin_client.post(
        reverse("admin:accounts_contact_change", args=[contact.pk]),
        contact_form(contact, account=account.pk),
    )

    assert response.status_code == 302
    answer.refresh_from_db()
    case.refresh_from_db()
    assert (answer.account, case.account) == (account, account)
    assert case.events.filter(message__contains="Matched to account Umbrella Corp.").exists()


def test_a_contact_email_typed_in_the_admin_is_stored_as_answers_are_matched(admin_client):
    contact = ContactFactory()

    admin_client.post(
        reverse("admin:accounts_contact_change", args=[contact.pk]),
        contact_form(contact, email="  Lea.Martin@Example.COM "),
    )

    assert Contact.objects.get(pk=contact.pk).email == "lea.martin@example.com"


def account_change(account, **fields) -> dict:
    """The admin's change form of `account` as sent, with `fields` changed or added (its
    domains' inline forms among them)."""
    return {
        "name": account.name,
        "external_id": account.external_id,
        "csm": "",
        "segment": account.segment,
        "tier": account.tier,
        "arr": str(account.arr),
        "currency": account.currency,
        "renewal_date": "",
        "domains-TOTAL_FORMS": 0,
        "domains-INITIAL_FORMS": 0,
        "domains-MIN_NUM_FORMS": 0,
        "domains-MAX_NUM_FORMS": 1000,
        **fields,
    }


def test_account_domains_saved_in_the_admin_replace_the_old_ones(admin_client):
    account = AccountFactory(name="Acme", external_id="CRM-1")
    old = account.domains.create(domain="acme.fr")
    data = account_change(account, **{
        "domains-TOTAL_FORMS": 2,
        "domains-INITIAL_FORMS": 1,
        "domains-0-id": old.pk,
        "domains-0-account": account.pk,
        "domains-0-domain": "acme.fr",
        "domains-0-DELETE": "on",
        "domains-1-id": "",
        "domains-1-account": account.pk,
        "domains-1-domain": "@ACME.com",
    })  # fmt: skip

    response = admin_client.post(reverse("admin:accounts_account_change", args=[account.pk]), data)

    assert response.status_code == 302
    assert account.domain_list == ["acme.com"]
