"""The ways to erase a person: the command, the API, the contact page's button, the admin."""

import io

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Contact, ErasedAddress
from surveys.models import IntegrationKind
from surveys.services.integrations import create_integration
from tests.factories import ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

EMAIL = "olga.erase@customer.example"
ERASE_URL = "/api/v1/contacts/erase"


@pytest.fixture
def olga(csm):
    contact = ContactFactory(email=EMAIL, name="Olga Eraseme", account__csm=csm)
    ResponseFactory(contact=contact, score=9, comment="Lovely product, Olga here")
    return contact


def key_client(kind: str) -> APIClient:
    client = APIClient()
    key = create_integration(name=f"key-{kind}", kind=kind).key
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


# --- the command -------------------------------------------------------------------------


def test_the_command_erases_and_says_what_it_did(olga):
    out = io.StringIO()

    call_command("erase_contact", EMAIL.upper(), "--yes", stdout=out)

    olga.refresh_from_db()
    assert olga.is_erased
    assert f"Erased contact #{olga.pk}: 1 answers kept" in out.getvalue()


def test_the_command_run_again_says_the_person_was_erased_already(olga):
    call_command("erase_contact", EMAIL, "--yes", stdout=io.StringIO())
    out = io.StringIO()

    call_command("erase_contact", EMAIL, "--yes", stdout=out)

    assert "erased already" in out.getvalue()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@customer.example", "No contact has the address nobody@customer.example"),
        ("not-an-address", "This is not an email address"),
    ],
)
def test_the_command_refuses_bad_input_and_changes_nothing(olga, email, message):
    with pytest.raises(CommandError, match=message):
        call_command("erase_contact", email, "--yes", stdout=io.StringIO())

    olga.refresh_from_db()
    assert not olga.is_erased and not ErasedAddress.objects.exists()


# --- the API -----------------------------------------------------------------------------


def test_a_rest_api_key_erases_and_gets_the_counts(olga, api_client):
    reply = api_client.post(ERASE_URL, {"email": EMAIL}, format="json")

    assert reply.status_code == 200
    body = reply.json()
    assert (body["contact_id"], body["answers"], body["comments"]) == (olga.pk, 1, 1)
    assert body["already_erased"] is False
    assert EMAIL not in reply.content.decode()


def test_then_the_suppression_check_says_erased(olga, api_client):
    api_client.post(ERASE_URL, {"email": EMAIL}, format="json")

    reply = api_client.get("/api/v1/suppressions/check", {"email": EMAIL})

    body = reply.json()
    assert (body["allowed"], body["reason"], body["reason_codes"]) == (False, "erased", ["erased"])


def test_then_an_answer_for_the_address_is_refused_with_409(olga, api_client):
    api_client.post(ERASE_URL, {"email": EMAIL}, format="json")

    reply = api_client.post(
        "/api/v1/responses", {"external_id": "x-1", "email": EMAIL, "score": 3}, format="json"
    )

    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "erased"
    assert not Contact.objects.filter(email=EMAIL).exists()


def test_a_survey_tools_key_may_not_erase(olga):
    reply = key_client(IntegrationKind.DELIGHTED).post(ERASE_URL, {"email": EMAIL}, format="json")

    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "permission_denied"
    olga.refresh_from_db()
    assert not olga.is_erased


def test_a_csm_may_not_erase_through_the_api(olga, client, csm):
    client.force_login(csm)

    reply = client.post(ERASE_URL, {"email": EMAIL}, content_type="application/json")

    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid"),
        ({"email": "not-an-address"}, 400, "invalid"),
        ({"email": "nobody@customer.example"}, 404, "not_found"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(olga, api_client, body, status, code):
    reply = api_client.post(ERASE_URL, body, format="json")

    assert reply.status_code == status
    assert reply.json()["error"]["code"] == code
    olga.refresh_from_db()
    assert not olga.is_erased


# --- the contact page --------------------------------------------------------------------


def test_an_admin_sees_the_button_a_csm_does_not(olga, client, csm, admin_user):
    page = reverse("contact-detail", args=[olga.pk])
    client.force_login(csm)
    assert "Erase this person" not in client.get(page).content.decode()

    client.force_login(admin_user)
    assert "Erase this person" in client.get(page).content.decode()


def test_the_confirmation_says_what_happens_and_the_post_erases(olga, client, admin_user):
    client.force_login(admin_user)
    url = reverse("contact-erase", args=[olga.pk])

    confirmation = client.get(url).content.decode()
    assert "This cannot be undone" in confirmation
    olga.refresh_from_db()
    assert not olga.is_erased

    reply = client.post(url)

    assert reply.status_code == 302
    olga.refresh_from_db()
    assert olga.is_erased
    shown = [str(m) for m in get_messages(reply.wsgi_request)]
    assert any("The person was erased" in message for message in shown)
    assert "Erased contact" in client.get(reply.url).content.decode()


def test_a_csm_cannot_erase_from_the_page(olga, client, csm):
    client.force_login(csm)

    assert client.get(reverse("contact-erase", args=[olga.pk])).status_code == 403
    assert client.post(reverse("contact-erase", args=[olga.pk])).status_code == 403
    olga.refresh_from_db()
    assert not olga.is_erased


def test_the_form_needs_its_csrf_token(olga, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    reply = client.post(reverse("contact-erase", args=[olga.pk]))

    assert reply.status_code == 403
    olga.refresh_from_db()
    assert not olga.is_erased


# --- the Django admin --------------------------------------------------------------------


def test_the_admin_erases_selected_contacts_instead_of_deleting_them(olga, admin_client):
    url = reverse("admin:accounts_contact_changelist")
    actions = admin_client.get(url).context["action_form"].fields["action"].choices

    assert "erase_contacts" in dict(actions) and "delete_selected" not in dict(actions)
    reply = admin_client.post(url, {"action": "erase_contacts", "_selected_action": [olga.pk]})

    assert reply.status_code == 302
    olga.refresh_from_db()
    assert olga.is_erased


def test_the_admin_refuses_to_store_an_erased_address_again(olga, admin_client):
    admin_client.post(
        reverse("admin:accounts_contact_changelist"),
        {"action": "erase_contacts", "_selected_action": [olga.pk]},
    )

    reply = admin_client.post(
        reverse("admin:accounts_contact_add"),
        {"email": EMAIL, "name": "", "persona": "other", "influence": "medium"},
    )

    assert reply.status_code == 200  # the form again, with the error
    assert "erased at their request" in reply.content.decode()
    assert not Contact.objects.filter(email=EMAIL).exists()
