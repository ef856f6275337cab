"""`POST /api/v1/hooks/formbricks`: survey responses delivered by Formbricks."""

import base64
import copy
import datetime as dt
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from django.test import Client

from surveys.hooks import SignatureError, formbricks
from surveys.models import IntegrationKind, Response
from surveys.services.integrations import create_integration, revoke_integration
from tests.factories import AccountFactory

URL = "/api/v1/hooks/formbricks"
KEY = b"formbricks-signing-key-32-bytes!"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
PAYLOADS = Path(__file__).parent / "payloads"
SCORE_QUESTION = "nps9t2kq4r1vx8c0m3b5z7yd"
REASON_QUESTION = "reason3h8w1p6n0s4k2j9f5gq"


def batch() -> list:
    """What Formbricks documents: the delivery wrapped in an array."""
    return json.loads((PAYLOADS / "formbricks_response_finished.json").read_text())


def delivery() -> dict:
    return batch()[0]


def started() -> dict:
    """The same response delivered when only the NPS question is answered."""
    body = delivery()
    body["event"] = "responseCreated"
    body["data"]["finished"] = False
    body["data"]["updatedAt"] = body["data"]["createdAt"]
    del body["data"]["data"][REASON_QUESTION]
    return body


def signed(body: bytes, *, key: bytes = KEY, at: float | None = None, message_id: str = "") -> dict:
    # Formbricks gives each message its own id; a retry of one repeats it.
    message_id = message_id or "msg_" + hashlib.sha256(body).hexdigest()[:20]
    timestamp = str(int(time.time() if at is None else at))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


@pytest.fixture
def tool():
    """Formbricks' side of the wire: sends no CSRF token, only the body and its headers."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def integration(db):
    return create_integration(
        name="formbricks", kind=IntegrationKind.FORMBRICKS, signing_secret=SECRET
    ).integration


def deliver(tool, body, *, url: str = URL, headers: dict | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return tool.post(
        url,
        raw,
        content_type="application/json",
        headers=signed(raw) if headers is None else headers,
    )


# --- answers ------------------------------------------------------------------------


@pytest.mark.django_db
def test_finished_response_in_an_array_is_stored_with_score_comment_and_email(tool, integration):
    account = AccountFactory(external_id="ACC-0042")

    reply = deliver(tool, batch())

    assert reply.status_code == 201
    assert reply.json()["results"][0]["score"] == 2
    answer = Response.objects.get()
    assert answer.source == "formbricks"
    assert answer.external_id == "cm8q2x9kz0007l70gq5w6e7r8"
    assert answer.score == 2
    assert answer.comment.startswith("Onboarding took three months")
    assert answer.contact.email == "erin.moss@acme.example"
    assert answer.contact.name == "Erin Moss"
    assert answer.answered_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    assert answer.account == account
    assert answer.payload == delivery()


@pytest.mark.django_db
def test_single_object_body_is_accepted_too(tool, integration):
    reply = deliver(tool, delivery())

    assert reply.status_code == 201
    assert reply.json()["external_id"] == "cm8q2x9kz0007l70gq5w6e7r8"


@pytest.mark.django_db
def test_second_delivery_of_the_same_response_creates_nothing(tool, integration):
    deliver(tool, batch())

    reply = deliver(tool, batch())

    assert reply.status_code == 200
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_finished_delivery_adds_the_comment_to_the_answer_created_at_the_start(tool, integration):
    first = deliver(tool, [started()])

    reply = deliver(tool, batch())

    assert first.status_code == 201
    assert reply.status_code == 200
    answer = Response.objects.get()
    assert answer.comment.startswith("Onboarding took three months")
    assert answer.payload["event"] == "responseFinished"


@pytest.mark.django_db
def test_response_without_a_score_yet_is_acknowledged_and_ignored(tool, integration):
    body = started()
    body["data"]["data"] = {"role6c2x": "Head of Support"}

    reply = deliver(tool, body)

    assert reply.status_code == 200
    assert "0–10" in reply.json()["ignored"]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_formbricks_test_ping_is_acknowledged(tool, integration):
    reply = deliver(tool, {"event": "testEndpoint"})

    assert reply.status_code == 200
    assert "testEndpoint" in reply.json()["ignored"]


@pytest.mark.django_db
def test_questions_named_in_the_url_are_used_for_score_and_comment(tool, integration):
    body = delivery()
    body["data"]["data"] = {
        "team_size": 8,
        SCORE_QUESTION: 10,
        "feature": "dashboards",
        REASON_QUESTION: "Everything just works.",
    }
    url = f"{URL}?score_question={SCORE_QUESTION}&comment_question={REASON_QUESTION}"

    deliver(tool, body, url=url)

    answer = Response.objects.get()
    assert (answer.score, answer.comment) == (10, "Everything just works.")


@pytest.mark.django_db
def test_email_comes_from_a_hidden_field_for_anonymous_link_surveys(tool, integration):
    body = delivery()
    body["data"]["contact"] = None
    body["data"]["contactAttributes"] = None
    body["data"]["data"]["email"] = "sam@acme.example"

    reply = deliver(tool, body)

    assert reply.status_code == 201
    assert Response.objects.get().contact.email == "sam@acme.example"


# --- invalid deliveries -----------------------------------------------------------------


@pytest.mark.django_db
def test_response_without_email_is_refused_with_its_place_in_the_batch(tool, integration):
    body = batch()
    body[0]["data"]["contactAttributes"] = None

    reply = deliver(tool, body)

    assert reply.status_code == 400
    assert "attribute 'email'" in reply.json()["error"]["fields"]["[0].email"][0]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_batch_with_one_invalid_delivery_stores_none_of_them(tool, integration):
    other = copy.deepcopy(delivery())
    other["data"]["id"] = "cm8q3a1bc0001l70gaaaaaaaa"
    other["data"]["data"][SCORE_QUESTION] = 7
    broken = copy.deepcopy(other)
    broken["data"]["id"] = "cm8q3a1bc0002l70gbbbbbbbb"
    broken["data"]["createdAt"] = "not a date"

    reply = deliver(tool, [delivery(), other, broken])

    assert reply.status_code == 400
    assert "[2].data.createdAt" in reply.json()["error"]["fields"]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_named_score_question_out_of_range_is_refused(tool, integration):
    body = delivery()
    body["data"]["data"][SCORE_QUESTION] = 12

    reply = deliver(tool, body, url=f"{URL}?score_question={SCORE_QUESTION}")

    assert reply.status_code == 400
    assert "score" in reply.json()["error"]["fields"]


# --- authentication ---------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_signature_is_refused_and_stores_nothing(tool, integration):
    raw = json.dumps(batch()).encode()

    reply = deliver(tool, raw, headers=signed(raw, key=b"another-key"))

    assert reply.status_code == 401
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_delivery_signed_more_than_five_minutes_ago_is_refused(tool, integration):
    raw = json.dumps(batch()).encode()

    reply = deliver(tool, raw, headers=signed(raw, at=time.time() - 6 * 60))

    assert reply.status_code == 401
    assert "replay" in reply.json()["error"]["message"]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_delivery_without_key_or_signature_is_refused(tool, integration):
    reply = deliver(tool, batch(), headers={})

    assert reply.status_code == 401
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_key_in_the_url_authenticates_an_unsigned_delivery(tool):
    key = create_integration(name="formbricks-url", kind=IntegrationKind.FORMBRICKS).key

    reply = deliver(tool, batch(), url=f"{URL}?token={key}", headers={})

    assert reply.status_code == 201


@pytest.mark.django_db
def test_revoked_integration_is_refused(tool, integration):
    revoke_integration(integration=integration)

    reply = deliver(tool, batch())

    assert reply.status_code == 401
    assert not Response.objects.exists()


def test_signature_check_accepts_any_of_several_signatures():
    body = b'{"event": "responseFinished"}'
    headers = signed(body)
    headers["webhook-signature"] = "v1,bm90LWl0 " + headers["webhook-signature"]

    formbricks.verify_signature(body=body, headers=headers, secret=SECRET)
    with pytest.raises(SignatureError):
        formbricks.verify_signature(body=body + b" ", headers=headers, secret=SECRET)


def test_signature_check_refuses_a_timestamp_from_the_future():
    body = b"{}"
    headers = signed(body, at=time.time() + 10 * 60)

    with pytest.raises(SignatureError, match="seconds away"):
        formbricks.verify_signature(body=body, headers=headers, secret=SECRET)
