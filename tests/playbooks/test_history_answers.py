"""History is recorded, not actioned: an answer given more than the case window before it
arrived is stored, tagged and counted, but opens no case, sends nothing and suppresses no
survey; rules that look at dates judge an answer as of the day it was given."""

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import LoopSettings
from core.services import update_loop_settings
from playbooks.models import Case, Escalation, EscalationRule
from playbooks.tasks import process_response
from surveys.answers import AnswerIn
from surveys.history import history_cutoff, is_history
from surveys.models import IntegrationKind, Response, Suppression
from surveys.services import record_response
from surveys.services.integrations import create_integration
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PAYLOADS = Path(__file__).parents[1] / "surveys" / "payloads"


@pytest.fixture
def contact(default_playbooks, csm):
    account = AccountFactory(csm=csm, arr=Decimal("20000"), renewal_date=None)
    return ContactFactory(account=account, email="ana@acme.example")


def recorded(contact, *, answered_at, score=2, comment="Support never answers.") -> Response:
    return record_response(
        answer=AnswerIn(
            source="api",
            external_id=f"crm-{answered_at.isoformat()}",
            email=contact.email,
            score=score,
            comment=comment,
            answered_at=answered_at,
        )
    ).response


def arrived(response: Response, at: dt.datetime) -> Response:
    """The answer as if NPS Loop had stored it at `at`."""
    Response.objects.filter(pk=response.pk).update(created_at=at)
    return response


def processed(response: Response) -> Response:
    process_response(response_id=response.pk)
    response.refresh_from_db()
    return response


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_a_detractor_given_31_days_before_it_arrives_opens_no_case_but_is_processed(
    contact, django_capture_on_commit_callbacks
):
    response = recorded(contact, answered_at=days_ago(31))

    with django_capture_on_commit_callbacks() as queued:
        response = processed(response)

    assert not Case.objects.exists()
    assert queued == []  # no email, no Slack post, no escalation notice
    assert not Suppression.objects.exists()
    assert response.processed_at is not None
    assert [theme.name for theme in response.themes.all()] == ["Support"]


def test_a_detractor_given_29_days_before_it_arrives_opens_its_case(contact):
    response = processed(recorded(contact, answered_at=days_ago(29)))

    assert Case.objects.filter(response=response).count() == 1
    assert Suppression.objects.filter(contact=contact).exists()


def test_an_answer_given_at_midnight_on_the_last_day_of_the_window_opens_its_case(
    contact, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    paris = timezone.get_default_timezone()
    on_the_boundary = recorded(contact, answered_at=dt.datetime(2026, 3, 1, 0, 0, tzinfo=paris))
    arrived(on_the_boundary, dt.datetime(2026, 3, 31, 23, 30, tzinfo=paris))

    processed(on_the_boundary)

    assert Case.objects.filter(response=on_the_boundary).exists()


def test_an_answer_given_a_minute_before_the_window_opens_no_case(contact, settings):
    settings.TIME_ZONE = "Europe/Paris"
    paris = timezone.get_default_timezone()
    just_before = recorded(contact, answered_at=dt.datetime(2026, 2, 28, 23, 59, tzinfo=paris))
    arrived(just_before, dt.datetime(2026, 3, 31, 0, 1, tzinfo=paris))

    processed(just_before)

    assert not Case.objects.exists()


def test_the_window_counts_the_days_of_the_business_time_zone_not_utc(contact, settings):
    # 04:30 UTC on 1 March is 23:30 on 28 February in New York: 31 days before 31 March
    # there, 30 by the UTC dates.
    settings.TIME_ZONE = "America/New_York"
    response = recorded(contact, answered_at=dt.datetime(2026, 3, 1, 4, 30, tzinfo=UTC))
    arrived(response, dt.datetime(2026, 3, 31, 12, 0, tzinfo=UTC))

    processed(response)

    assert not Case.objects.exists()


def test_an_answer_a_day_later_in_the_business_time_zone_than_in_utc_is_followed_up(
    contact, settings
):
    # 12:00 UTC on 28 February is 1 March in Auckland; 10:00 UTC on 31 March is still
    # 31 March there: 30 local days, 31 by the UTC dates.
    settings.TIME_ZONE = "Pacific/Auckland"
    response = recorded(contact, answered_at=dt.datetime(2026, 2, 28, 12, 0, tzinfo=UTC))
    arrived(response, dt.datetime(2026, 3, 31, 10, 0, tzinfo=UTC))

    processed(response)

    assert Case.objects.filter(response=response).exists()


def test_a_window_changed_on_the_settings_page_applies_to_the_next_answers(contact):
    update_loop_settings(
        **{
            "working_days": [0, 1, 2, 3, 4],
            "holidays": [],
            "fallback_owner": None,
            "sla_reminder_hours": 24,
            "overdue_grace_hours": 24,
            "slack_webhook_url": "",
            "sender_email": "",
            "survey_throttle_days": 90,
            "account_survey_quota": None,
            "account_quota_days": 30,
            "survey_link_days": 30,
            "case_window_days": 7,
        }
    )

    ten_days_old = processed(recorded(contact, answered_at=days_ago(10)))
    five_days_old = processed(recorded(contact, answered_at=days_ago(5)))

    assert LoopSettings.current().case_window_days == 7
    assert not Case.objects.filter(response=ten_days_old).exists()
    assert Case.objects.filter(response=five_days_old).exists()


def test_the_window_defaults_to_nps_case_window_days():
    assert LoopSettings.current().case_window_days == 30


def test_a_history_answer_arriving_through_the_api_opens_no_case(contact, api_client):
    reply = api_client.post(
        "/api/v1/responses",
        {
            "external_id": "crm-old-1",
            "email": contact.email,
            "score": 1,
            "answered_at": days_ago(45).isoformat(),
        },
        format="json",
    )

    assert reply.status_code == 201
    processed(Response.objects.get(pk=reply.json()["id"]))
    assert not Case.objects.exists()


def test_a_history_answer_delivered_by_a_webhook_opens_no_case(default_playbooks):
    AccountFactory(external_id="ACC-0042")
    create_integration(name="delighted", kind=IntegrationKind.DELIGHTED, signing_secret="s3cret")
    tool = Client(enforce_csrf_checks=True)
    for response_id, age in (("old-1", 45), ("new-1", 2)):
        body = json.loads((PAYLOADS / "delighted_response_created.json").read_text())
        body["event_id"] = f"evt-{response_id}"
        given = int(days_ago(age).timestamp())
        body["event_data"].update(id=response_id, created_at=given, updated_at=given)
        raw = json.dumps(body).encode()
        signature = hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
        reply = tool.post(
            "/api/v1/hooks/delighted",
            raw,
            content_type="application/json",
            headers={"X-Delighted-Webhook-Signature": f"sha256={signature}"},
        )
        assert reply.status_code == 201, reply.content
        processed(Response.objects.get(external_id=response_id))

    assert list(Case.objects.values_list("response__external_id", flat=True)) == ["new-1"]


def test_a_corrected_score_on_a_history_answer_opens_no_case(contact):
    answered_at = days_ago(40)
    response = processed(recorded(contact, answered_at=answered_at, score=9))

    corrected = recorded(contact, answered_at=answered_at, score=2)
    corrected = processed(corrected)

    assert (corrected.pk, corrected.score) == (response.pk, 2)
    assert corrected.processed_at is not None
    assert not Case.objects.exists()


def test_history_is_counted_in_the_nps_and_shown_with_the_account(contact, client, csm):
    processed(recorded(contact, answered_at=days_ago(60), comment="Old complaint"))

    summary = Response.objects.filter(account=contact.account).nps()
    assert (summary.responses, summary.detractors, summary.nps) == (1, 1, -100)
    client.force_login(csm)
    page = client.get(f"/accounts/{contact.account.pk}/")
    assert page.status_code == 200
    assert "Old complaint" in page.content.decode()


# --- rules that look at dates -----------------------------------------------------------


def test_renewal_within_90_days_is_judged_from_the_day_of_the_answer(contact):
    # Renewal 80 days from today, but 100 days from when the detractor answered.
    account = contact.account
    account.renewal_date = timezone.localdate() + dt.timedelta(days=80)
    account.save()

    case_id = process_response(response_id=recorded(contact, answered_at=days_ago(20)).pk)

    assert case_id is not None
    assert not Escalation.objects.filter(rule=EscalationRule.RENEWAL_SOON).exists()


def test_a_renewal_due_soon_after_the_answer_escalates_though_its_date_has_passed(contact):
    account = contact.account
    account.renewal_date = timezone.localdate() - dt.timedelta(days=5)
    account.save()

    case_id = process_response(response_id=recorded(contact, answered_at=days_ago(20)).pk)

    escalation = Escalation.objects.get(case_id=case_id, rule=EscalationRule.RENEWAL_SOON)
    assert "Renewal in 15 days" in escalation.reason
    assert escalation.level == 3


# --- shown as history -------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Pacific/Auckland"])
def test_the_database_judges_history_as_the_engine_does(contact, settings, zone):
    settings.TIME_ZONE = zone
    arrival = dt.datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    answers = []
    for hours in range(-30, 31, 3):  # around local midnight 30 days before arrival
        given = history_cutoff(arrived_at=arrival, window_days=30) + dt.timedelta(hours=hours)
        answers.append(arrived(recorded(contact, answered_at=given), arrival))

    in_sql = dict(Response.objects.with_history(window_days=30).values_list("pk", "is_history"))

    expected = {
        answer.pk: is_history(answered_at=answer.answered_at, arrived_at=arrival, window_days=30)
        for answer in answers
    }
    assert in_sql == expected
    assert set(expected.values()) == {True, False}


def test_the_answers_page_says_which_answers_without_a_case_are_history(contact, client, manager):
    processed(recorded(contact, answered_at=days_ago(31), comment="Given long ago"))
    processed(recorded(contact, answered_at=days_ago(1), score=8, comment="Given yesterday"))
    client.force_login(manager)

    page = client.get(reverse("answer-list"))

    rows = page.context["page"].object_list
    assert {answer.comment: answer.is_history for answer in rows} == {
        "Given long ago": True,
        "Given yesterday": False,
    }
    assert page.content.decode().count("recorded and counted, not followed up.") == 1
