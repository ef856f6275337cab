"""`POST /api/v1/hooks/delighted`: answers and unsubscribes delivered by Delighted."""

import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Contact
from surveys.hooks import SignatureError, delighted
from surveys.models import IntegrationKind, Response
from surveys.services.integrations import create_integration, revoke_integration
from tests.factories import AccountFactory, ContactFactory

URL = "/api/v1/hooks/delighted"
API_KEY = "c9a3f1e07b5d4e2a8f6c1b3d5e7a9f0b"  # the Delighted project's API key signs deliveries
PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"delighted_{name}.json").read_text())


def signed(body: bytes, secret: str = API_KEY) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Delighted-Webhook-Signature": f"sha256={digest}"}


@pytest.fixture
def tool():
    """Delighted's side of the wire: sends no CSRF token, only the body and its headers."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def integration(db):
    return create_integration(
        name="delighted", kind=IntegrationKind.DELIGHTED, signing_secret=API_KEY
    ).integration


def deliver(tool, body: dict | bytes, *, url: str = URL, headers: dict | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return tool.post(
        url,
        raw,
        content_type="application/json",
        headers=signed(raw) if headers is None else headers,
    )


# --- answers ------------------------------------------------------------------------


@pytest.mark.django_db
def test_created_response_is_stored_with_score_email_and_answer_time(tool, integration):
    account = AccountFactory(external_id="ACC-0042")

    reply = deliver(tool, payload("response_created"))

    assert reply.status_code == 201
    answer = Response.objects.get()
    assert answer.source == "delighted"
    assert answer.external_id == "731944"
    assert answer.score == 4
    assert answer.comment == ""
    assert answer.contact.email == "charlie.gravis@acme.example"
    assert answer.contact.name == "Charlie Gravis"
    assert answer.answered_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    assert answer.account == account
    assert answer.language == "fr"
    assert answer.payload == payload("response_created")
    assert reply.json()["category"] == "detractor"


@pytest.mark.django_db
def test_second_delivery_of_the_same_response_creates_nothing(tool, integration):
    deliver(tool, payload("response_created"))

    reply = deliver(tool, payload("response_created"))

    assert reply.status_code == 200
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_comment_sent_later_completes_the_same_answer(tool, integration):
    first = deliver(tool, payload("response_created"))

    reply = deliver(tool, payload("response_updated"))

    assert reply.status_code == 200
    assert reply.json()["id"] == first.json()["id"]
    answer = Response.objects.get()
    assert answer.comment.startswith("Exports time out every Monday")
    assert answer.payload["event_type"] == "survey_response.updated"


@pytest.mark.django_db
def test_update_for_a_response_never_seen_stores_it(tool, integration):
    reply = deliver(tool, payload("response_updated"))

    assert reply.status_code == 201
    assert Response.objects.get().comment.startswith("Exports time out")


@pytest.mark.django_db
def test_unsubscribe_opts_the_contact_out(tool, integration):
    contact = ContactFactory(email="charlie.gravis@acme.example")

    reply = deliver(tool, payload("unsubscribe_created"))

    assert reply.status_code == 200
    assert reply.json() == {"opted_out": "charlie.gravis@acme.example"}
    contact.refresh_from_db()
    assert contact.opted_out is True
    assert contact.opted_out_at is not None


@pytest.mark.django_db
def test_unsubscribe_of_an_unknown_person_is_acknowledged(tool, integration):
    reply = deliver(tool, payload("unsubscribe_created"))

    assert reply.status_code == 200
    assert "ignored" in reply.json()
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_unknown_event_type_is_acknowledged_and_ignored(tool, integration):
    body = payload("response_created") | {"event_type": "survey_response.deleted"}

    reply = deliver(tool, body)

    assert reply.status_code == 200
    assert "survey_response.deleted" in reply.json()["ignored"]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_csat_response_is_not_taken_for_an_nps_answer(tool, integration):
    body = payload("response_created")
    body["event_data"]["survey_type"] = "csat"

    reply = deliver(tool, body)

    assert reply.status_code == 200
    assert "csat" in reply.json()["ignored"]
    assert not Response.objects.exists()


# --- invalid deliveries -----------------------------------------------------------------


@pytest.mark.django_db
def test_response_without_email_is_refused_with_the_field_named(tool, integration):
    body = payload("response_created")
    body["event_data"]["person"]["email"] = None
    body["event_data"]["person"]["phone_number"] = "+33612345678"

    reply = deliver(tool, body)

    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid"
    assert "SMS" in error["fields"]["email"][0]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_score_out_of_range_is_refused(tool, integration):
    body = payload("response_created")
    body["event_data"]["score"] = 11

    reply = deliver(tool, body)

    assert reply.status_code == 400
    assert "0 to 10" in reply.json()["error"]["fields"]["score"][0]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_refused(tool, integration):
    reply = deliver(tool, b'{"event_type": "survey_response.created",')

    assert reply.status_code == 400
    assert "not valid JSON" in reply.json()["error"]["message"]


# --- authentication ---------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_signature_is_refused_and_stores_nothing(tool, integration):
    raw = json.dumps(payload("response_created")).encode()

    reply = deliver(tool, raw, headers=signed(raw, secret="not-the-api-key"))

    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "authentication_failed"
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_body_changed_after_signing_is_refused(tool, integration):
    raw = json.dumps(payload("response_created")).encode()
    tampered = raw.replace(b'"score": 4', b'"score": 10')

    reply = deliver(tool, tampered, headers=signed(raw))

    assert reply.status_code == 401
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_delivery_without_key_or_signature_is_refused(tool, integration):
    reply = deliver(tool, payload("response_created"), headers={})

    assert reply.status_code == 401
    assert "?token=" in reply.json()["error"]["message"]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_key_in_the_url_authenticates_an_unsigned_delivery(tool):
    key = create_integration(name="delighted-url", kind=IntegrationKind.DELIGHTED).key

    reply = deliver(tool, payload("response_created"), url=f"{URL}?token={key}", headers={})

    assert reply.status_code == 201


@pytest.mark.django_db
def test_key_in_the_url_still_needs_the_signature_when_a_secret_is_set(tool):
    key = create_integration(
        name="delighted-both", kind=IntegrationKind.DELIGHTED, signing_secret=API_KEY
    ).key

    reply = deliver(tool, payload("response_created"), url=f"{URL}?token={key}", headers={})

    assert reply.status_code == 401
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_key_of_another_kind_of_integration_is_refused(tool):
    key = create_integration(name="crm", kind=IntegrationKind.API).key

    reply = deliver(tool, payload("response_created"), url=f"{URL}?token={key}", headers={})

    assert reply.status_code == 401


@pytest.mark.django_db
def test_revoked_integration_is_refused(tool, integration):
    revoke_integration(integration=integration)

    reply = deliver(tool, payload("response_created"))

    assert reply.status_code == 401
    assert not Response.objects.exists()


def test_signature_check_accepts_delighteds_format_and_rejects_another_key():
    body = b'{"event_type": "survey_response.created"}'

    delighted.verify_signature(body=body, headers=signed(body), secret=API_KEY)
    with pytest.raises(SignatureError):
        delighted.verify_signature(body=body, headers=signed(body), secret="another-key")
