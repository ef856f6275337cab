"""`POST /api/v1/hooks/typeform`: form responses delivered by Typeform."""

import base64
import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.test import Client

from surveys.hooks import SignatureError, typeform
from surveys.models import IntegrationKind, Response
from surveys.services.integrations import create_integration, revoke_integration
from tests.factories import AccountFactory

URL = "/api/v1/hooks/typeform"
SECRET = "tf-webhook-secret-4b7e1d"
PAYLOADS = Path(__file__).parent / "payloads"


def payload() -> dict:
    return json.loads((PAYLOADS / "typeform_form_response.json").read_text())


def signed(body: bytes, secret: str = SECRET) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"Typeform-Signature": "sha256=" + base64.b64encode(digest).decode()}


@pytest.fixture
def tool():
    """Typeform's side of the wire: sends no CSRF token, only the body and its headers."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def integration(db):
    return create_integration(
        name="typeform", kind=IntegrationKind.TYPEFORM, signing_secret=SECRET
    ).integration


def deliver(tool, body: dict | bytes, *, url: str = URL, headers: dict | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return tool.post(
        url,
        raw,
        content_type="application/json",
        headers=signed(raw) if headers is None else headers,
    )


def add_field(body: dict, *, field: dict, answer: dict) -> None:
    body["form_response"]["definition"]["fields"].insert(0, field)
    body["form_response"]["answers"].insert(0, answer)


# --- answers ------------------------------------------------------------------------


@pytest.mark.django_db
def test_form_response_is_stored_with_score_comment_email_and_answer_time(tool, integration):
    account = AccountFactory(external_id="ACC-0042")

    reply = deliver(tool, payload())

    assert reply.status_code == 201
    answer = Response.objects.get()
    assert answer.source == "typeform"
    assert answer.external_id == "a3a12ec67a1365927098a606107fac15"
    assert answer.score == 9
    assert answer.comment == "The weekly health report saves my team hours."
    assert answer.contact.email == "dana.whitlock@acme.example"
    assert answer.contact.name == "Dana Whitlock"
    assert answer.answered_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    assert answer.account == account
    assert answer.payload == payload()


@pytest.mark.django_db
def test_second_delivery_of_the_same_response_creates_nothing(tool, integration):
    deliver(tool, payload())

    reply = deliver(tool, payload())

    assert reply.status_code == 200
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_email_comes_from_the_hidden_field_when_the_form_does_not_ask_it(tool, integration):
    body = payload()
    body["form_response"]["answers"] = [
        a for a in body["form_response"]["answers"] if a["type"] != "email"
    ]
    body["form_response"]["hidden"]["email"] = "lee@acme.example"

    reply = deliver(tool, body)

    assert reply.status_code == 201
    assert Response.objects.get().contact.email == "lee@acme.example"


@pytest.mark.django_db
def test_nps_question_wins_over_another_opinion_scale(tool, integration):
    body = payload()
    add_field(
        body,
        field={"id": "npsField0001", "type": "nps", "ref": "nps"},
        answer={"type": "number", "number": 3, "field": {"id": "npsField0001", "type": "nps"}},
    )

    deliver(tool, body)

    assert Response.objects.get().score == 3


@pytest.mark.django_db
def test_one_to_five_scale_is_not_taken_for_a_score(tool, integration):
    body = payload()
    scale = body["form_response"]["definition"]["fields"][0]
    scale["properties"] = {"steps": 5, "start_at_one": True}

    reply = deliver(tool, body)

    assert reply.status_code == 200
    assert "0–10" in reply.json()["ignored"]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_score_field_in_the_url_picks_the_question(tool, integration):
    body = payload()
    add_field(
        body,
        field={"id": "effort000001", "type": "opinion_scale", "ref": "effort"},
        answer={"type": "number", "number": 2, "field": {"id": "effort000001"}},
    )

    deliver(tool, body, url=f"{URL}?score_field=nps_score")

    assert Response.objects.get().score == 9


@pytest.mark.django_db
def test_response_without_a_zero_to_ten_question_is_acknowledged_and_ignored(tool, integration):
    body = payload()
    body["form_response"]["answers"] = body["form_response"]["answers"][1:]

    reply = deliver(tool, body)

    assert reply.status_code == 200
    assert "ignored" in reply.json()
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_event_other_than_form_response_is_ignored(tool, integration):
    reply = deliver(tool, payload() | {"event_type": "form_response_partial"})

    assert reply.status_code == 200
    assert "form_response_partial" in reply.json()["ignored"]


# --- invalid deliveries -----------------------------------------------------------------


@pytest.mark.django_db
def test_response_without_email_is_refused_with_the_fix_named(tool, integration):
    body = payload()
    body["form_response"]["answers"] = body["form_response"]["answers"][:2]

    reply = deliver(tool, body)

    assert reply.status_code == 400
    assert "hidden field named 'email'" in reply.json()["error"]["fields"]["email"][0]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_unreadable_submission_time_is_refused(tool, integration):
    body = payload()
    body["form_response"]["submitted_at"] = "yesterday"

    reply = deliver(tool, body)

    assert reply.status_code == 400
    assert "form_response.submitted_at" in reply.json()["error"]["fields"]


@pytest.mark.django_db
def test_malformed_json_is_refused(tool, integration):
    reply = deliver(tool, b"not json at all")

    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "parse_error"


# --- authentication ---------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_signature_is_refused_and_stores_nothing(tool, integration):
    raw = json.dumps(payload()).encode()

    reply = deliver(tool, raw, headers=signed(raw, secret="someone-else"))

    assert reply.status_code == 401
    assert set(reply.json()["error"]) == {"code", "message"}
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_delivery_without_key_or_signature_is_refused(tool, integration):
    reply = deliver(tool, payload(), headers={})

    assert reply.status_code == 401
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_key_in_the_url_authenticates_an_unsigned_delivery(tool):
    key = create_integration(name="typeform-url", kind=IntegrationKind.TYPEFORM).key

    reply = deliver(tool, payload(), url=f"{URL}?token={key}", headers={})

    assert reply.status_code == 201


@pytest.mark.django_db
def test_bearer_key_authenticates_an_unsigned_delivery(tool):
    key = create_integration(name="typeform-bearer", kind=IntegrationKind.TYPEFORM).key

    reply = deliver(tool, payload(), headers={"Authorization": f"Bearer {key}"})

    assert reply.status_code == 201


@pytest.mark.django_db
def test_unknown_key_is_refused_even_with_a_good_signature(tool, integration):
    reply = deliver(tool, payload(), url=f"{URL}?token=npsl_made-up")

    assert reply.status_code == 401
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_revoked_integration_is_refused(tool):
    new = create_integration(name="typeform-old", kind=IntegrationKind.TYPEFORM)
    revoke_integration(integration=new.integration)

    reply = deliver(tool, payload(), url=f"{URL}?token={new.key}", headers={})

    assert reply.status_code == 401
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_any_active_typeform_secret_verifies_a_delivery(tool, integration):
    create_integration(
        name="typeform-eu", kind=IntegrationKind.TYPEFORM, signing_secret="eu-secret"
    )
    raw = json.dumps(payload()).encode()

    reply = deliver(tool, raw, headers=signed(raw, secret="eu-secret"))

    assert reply.status_code == 201


def test_signature_check_rejects_a_hex_digest_of_the_right_key():
    body = b'{"event_type": "form_response"}'
    hex_digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    typeform.verify_signature(body=body, headers=signed(body), secret=SECRET)
    with pytest.raises(SignatureError):
        typeform.verify_signature(
            body=body, headers={"typeform-signature": f"sha256={hex_digest}"}, secret=SECRET
        )


@pytest.mark.django_db
def test_webhooks_are_listed_in_the_api_schema(api_client):
    reply = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = reply.json()["paths"]
    for tool_name in ("delighted", "typeform", "formbricks"):
        assert f"/api/v1/hooks/{tool_name}" in paths
