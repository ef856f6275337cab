"""Corrections, stale deliveries and replayed webhooks end in the state the newest version says.

Contract: a delivery with the same (source, external_id) and other content corrects the
answer; one older than the stored version (the source's own last-modified time) is stale;
a webhook message id processed before is acknowledged and ignored; replaying a day of
webhooks in any order ends in the same state as the in-order run.
"""

import copy
import json
import random
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from core.models import LoopSettings
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from surveys.models import IntegrationKind, Response, Suppression, WebhookMessage
from surveys.services.integrations import create_integration
from surveys.services.webhook_messages import MESSAGE_IDS_KEPT_DAYS, forget_old_messages
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parent / "payloads"
RESPONSES_URL = "/api/v1/responses"


def answer(**overrides):
    body = {
        "external_id": "crm-7",
        "email": "ana@acme.example",
        "score": 9,
        "comment": "",
        "answered_at": "2026-05-04T10:15:00Z",
    }
    body.update(overrides)
    return body


# --- the REST API -------------------------------------------------------------------------


def test_reposting_an_answer_with_another_score_corrects_it_and_answers_200(api_client):
    first = api_client.post(RESPONSES_URL, answer(), format="json")

    corrected = api_client.post(
        RESPONSES_URL, answer(score=3, comment="Exports keep failing."), format="json"
    )

    assert (first.status_code, corrected.status_code) == (201, 200)
    body = corrected.json()
    assert (body["id"], body["score"], body["category"]) == (first.json()["id"], 3, "detractor")
    assert (body["comment"], body["stale"]) == ("Exports keep failing.", False)
    assert Response.objects.get().score == 3


def test_an_identical_repost_changes_nothing(api_client):
    first = api_client.post(RESPONSES_URL, answer(), format="json").json()

    again = api_client.post(RESPONSES_URL, answer(), format="json")

    assert again.status_code == 200
    assert again.json() == {**first, "stale": False}


def test_a_delivery_older_than_the_stored_one_is_stale_and_changes_nothing(api_client):
    api_client.post(
        RESPONSES_URL, answer(score=3, updated_at="2026-05-04T12:00:00Z"), format="json"
    )

    stale = api_client.post(
        RESPONSES_URL, answer(score=10, updated_at="2026-05-04T11:00:00Z"), format="json"
    )

    assert stale.status_code == 200
    assert (stale.json()["stale"], stale.json()["score"]) == (True, 3)
    assert stale.json()["updated_at"] == "2026-05-04T12:00:00Z"
    assert Response.objects.get().score == 3


def test_an_updated_at_that_is_not_a_date_is_refused_with_its_field_named(api_client):
    reply = api_client.post(RESPONSES_URL, answer(updated_at="yesterday"), format="json")

    assert reply.status_code == 400
    assert "updated_at" in reply.json()["error"]["fields"]
    assert not Response.objects.exists()


# --- webhook message ids --------------------------------------------------------------------


@pytest.fixture
def tool():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def keys(db):
    return {
        kind: create_integration(name=kind, kind=kind).key
        for kind in (IntegrationKind.DELIGHTED, IntegrationKind.TYPEFORM)
    }


def deliver(tool, keys, kind: str, body: dict):
    url = f"/api/v1/hooks/{kind}?token={keys[kind]}"
    if kind == IntegrationKind.TYPEFORM:
        url += "&score_field=nps&comment_field=why"
    return tool.post(url, json.dumps(body), content_type="application/json")


def delighted(event_id: str, response_id: str, score: int, comment: str, updated: int, **kw):
    body = json.loads((PAYLOADS / "delighted_response_updated.json").read_text())
    body["event_id"] = event_id
    data = body["event_data"]
    data.update(
        id=response_id,
        score=score,
        comment=comment,
        created_at=1772443800,
        updated_at=1772443800 + updated,
    )
    data["person"]["email"] = kw.get("email", f"person-{response_id}@acme.example")
    body["event_type"] = kw.get("event_type") or "survey_response.updated"
    return body


def typeform(event_id: str, token: str, score: int, email: str):
    return {
        "event_id": event_id,
        "event_type": "form_response",
        "form_response": {
            "form_id": "lT4Z3j",
            "token": token,
            "submitted_at": "2026-03-02T09:30:00Z",
            "hidden": {"account_id": "ACC-0042"},
            "definition": {
                "fields": [
                    {"id": "nps", "ref": "nps", "type": "opinion_scale"},
                    {"id": "why", "ref": "why", "type": "long_text"},
                    {"id": "mail", "ref": "mail", "type": "email"},
                ]
            },
            "answers": [
                {
                    "type": "number",
                    "number": score,
                    "field": {"id": "nps", "type": "opinion_scale"},
                },
                {"type": "text", "text": "Slow.", "field": {"id": "why", "type": "long_text"}},
                {"type": "email", "email": email, "field": {"id": "mail", "type": "email"}},
            ],
        },
    }


def test_a_message_processed_before_is_acknowledged_and_ignored(tool, keys):
    created = delighted("evt-1", "r-1", 9, "", 0)
    corrected = delighted("evt-2", "r-1", 3, "Bad", 60)
    deliver(tool, keys, "delighted", created)
    deliver(tool, keys, "delighted", corrected)
    # A fresh copy of the first message (same event id) arrives after the correction...
    replayed = copy.deepcopy(created)
    replayed["event_data"]["updated_at"] += 3600  # ...even one claiming to be newer

    reply = deliver(tool, keys, "delighted", replayed)

    assert reply.status_code == 200
    assert reply.json()["duplicate"] is True
    assert Response.objects.get().score == 3
    assert WebhookMessage.objects.filter(kind="delighted").count() == 2


def test_an_older_delighted_version_arriving_late_is_stale(tool, keys):
    deliver(tool, keys, "delighted", delighted("evt-2", "r-1", 3, "Bad", 60))

    reply = deliver(tool, keys, "delighted", delighted("evt-1", "r-1", 9, "", 0))

    assert reply.status_code == 200
    assert reply.json()["stale"] is True
    stored = Response.objects.get()
    assert (stored.score, stored.comment) == (3, "Bad")


def test_a_refused_delivery_does_not_use_up_its_message_id(tool, keys):
    broken = delighted("evt-9", "r-9", 3, "", 0)
    broken["event_data"]["score"] = 12

    assert deliver(tool, keys, "delighted", broken).status_code == 400
    broken["event_data"]["score"] = 2
    assert deliver(tool, keys, "delighted", broken).status_code == 201


def test_message_ids_are_forgotten_after_the_retention_period():
    old = WebhookMessage.objects.create(kind="delighted", message_id="old")
    WebhookMessage.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timezone.timedelta(days=MESSAGE_IDS_KEPT_DAYS + 1)
    )
    WebhookMessage.objects.create(kind="delighted", message_id="recent")

    assert forget_old_messages() == 1
    assert list(WebhookMessage.objects.values_list("message_id", flat=True)) == ["recent"]


# --- a day of webhooks, replayed in any order --------------------------------------------


def a_day_of_webhooks() -> list[tuple[str, dict]]:
    """Twelve deliveries: answers created then corrected (up and down), comments added
    late, a retried message, Typeform submissions."""
    day = []
    for n, versions in enumerate(
        [
            [(9, "", 0), (3, "", 120), (3, "Billing is wrong.", 300)],
            [(2, "Slow support.", 0), (8, "Slow support.", 900)],
            [(10, "", 0), (10, "Love it.", 30)],
            [(5, "", 0), (6, "", 60), (4, "", 3600)],
        ]
    ):
        for v, (score, comment, updated) in enumerate(versions):
            day.append(
                (
                    "delighted",
                    delighted(
                        f"evt-{n}-{v}",
                        f"r-{n}",
                        score,
                        comment,
                        updated,
                        event_type="survey_response.created" if v == 0 else None,
                    ),
                )
            )
    day.append(("delighted", day[1][1]))  # Delighted retried a message it thought lost
    day.append(("typeform", typeform("tf-1", "tok-1", 1, "tf1@acme.example")))
    day.append(("typeform", typeform("tf-2", "tok-2", 7, "tf2@acme.example")))
    day.append(("typeform", typeform("tf-1", "tok-1", 1, "tf1@acme.example")))
    return day


def state() -> dict:
    answers = sorted(
        Response.objects.values_list(
            "source", "external_id", "score", "category", "comment", "source_updated_at"
        )
    )
    cases = sorted(
        Case.objects.current().values_list("response__external_id", "playbook__name", "status")
    )
    suppressed = sorted(
        Suppression.objects.filter(lifted_at__isnull=True).values_list("contact__email", flat=True)
    )
    return {"answers": answers, "cases": cases, "suppressed": suppressed}


def replay(tool, keys, deliveries) -> dict:
    for kind, body in deliveries:
        reply = deliver(tool, keys, kind, copy.deepcopy(body))
        assert reply.status_code in (200, 201), reply.content
        # The worker keeps up: each answer waiting is processed before the next delivery.
        for response_id in Response.objects.filter(processed_at__isnull=True).values_list(
            "pk", flat=True
        ):
            process_response(response_id=response_id)
    return state()


def reset() -> None:
    Case.objects.all().delete()
    Suppression.objects.all().delete()
    Response.objects.all().delete()
    WebhookMessage.objects.all().delete()


def test_replaying_a_day_of_webhooks_in_any_order_ends_in_the_in_order_state(tool, keys):
    install_default_playbooks()
    # The day's answers were given in March 2026: a ten-year window keeps them actioned.
    loop = LoopSettings.current()
    loop.case_window_days = 3650
    loop.save()
    AccountFactory(external_id="ACC-0042")
    day = a_day_of_webhooks()
    in_order = replay(tool, keys, day)
    assert [score for _, _, score, *_ in in_order["answers"]] == [3, 8, 10, 4, 1, 7]
    assert len(in_order["cases"]) == 6
    # In order, the first versions opened cases that the corrections superseded.
    assert Case.objects.filter(superseded_at__isnull=False).count() == 2

    for seed in range(4):
        reset()
        shuffled = day[:]
        random.Random(seed).shuffle(shuffled)
        assert replay(tool, keys, shuffled) == in_order, f"order {seed}"
    reset()
    assert replay(tool, keys, list(reversed(day)) + day) == in_order
