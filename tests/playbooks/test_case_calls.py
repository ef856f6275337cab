"""Logging the qualification call: reached or not, when, the reasons heard and the notes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from playbooks.models import Case, CaseStatus, StepKind, StepStatus
from playbooks.services.cases import CaseActionRefused, log_call
from surveys.models import Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(case):
    return case.steps.get(kind=StepKind.QUALIFICATION_CALL)


@pytest.fixture
def billing():
    return Theme.objects.get_or_create(name="Billing")[0]


def test_a_reached_call_completes_the_qualification_step(call, csm):
    log_call(step=call, actor=csm, reached=True, notes="Invoices wrong twice")

    call.refresh_from_db()
    assert call.status == StepStatus.DONE
    assert call.done_by == csm
    assert call.result["reached"] is True
    assert call.result["attempts"][0]["notes"] == "Invoices wrong twice"


def test_the_first_call_is_the_first_contact_of_the_case(case, call, csm):
    called_at = timezone.now() - dt.timedelta(hours=2)

    log_call(step=call, actor=csm, reached=True, called_at=called_at)

    case.refresh_from_db()
    assert case.first_contact_at == called_at


def test_a_later_call_keeps_the_first_contact_time(case, call, csm):
    first = timezone.now() - dt.timedelta(days=1)
    log_call(step=call, actor=csm, reached=False, called_at=first)

    log_call(step=call, actor=csm, reached=True)

    case.refresh_from_db()
    assert case.first_contact_at == first


def test_logging_a_call_starts_a_new_case(case, call, csm):
    log_call(step=call, actor=csm, reached=True)

    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_the_call_is_on_the_timeline_with_who_logged_it(case, call, csm):
    log_call(step=call, actor=csm, reached=True, notes="Angry about invoices")

    event = case.events.get(kind="call_logged")
    assert event.actor == csm
    assert event.message == "Call logged: reached. Angry about invoices"


def test_the_reasons_heard_are_added_to_the_answer_as_themes(case, call, csm, billing):
    log_call(step=call, actor=csm, reached=True, themes=[billing])

    assert billing in case.response.themes.all()
    call.refresh_from_db()
    assert call.result["attempts"][0]["themes"] == ["Billing"]


def test_a_call_that_did_not_reach_the_person_keeps_the_step_to_do(call, csm):
    log_call(step=call, actor=csm, reached=False, notes="Voicemail")

    call.refresh_from_db()
    assert call.status == StepStatus.TODO
    assert call.result["reached"] is False


def test_every_attempt_is_kept(call, csm):
    log_call(step=call, actor=csm, reached=False, notes="Voicemail")
    log_call(step=call, actor=csm, reached=True, notes="Got them")

    call.refresh_from_db()
    assert [attempt["notes"] for attempt in call.result["attempts"]] == ["Voicemail", "Got them"]
    assert call.status == StepStatus.DONE


def test_an_unreached_call_is_on_the_timeline(case, call, csm):
    log_call(step=call, actor=csm, reached=False)

    assert case.events.get(kind="call_logged").message == "Call logged: not reached."


def test_a_call_in_the_future_is_refused(call, csm):
    with pytest.raises(ValidationError) as refused:
        log_call(
            step=call, actor=csm, reached=True, called_at=timezone.now() + dt.timedelta(hours=1)
        )

    assert "called_at" in refused.value.message_dict


def test_a_call_cannot_be_logged_on_another_kind_of_step(case, csm):
    plan = case.steps.get(kind=StepKind.ACTION_PLAN)

    with pytest.raises(CaseActionRefused, match="qualification call"):
        log_call(step=plan, actor=csm, reached=True)


def test_a_call_cannot_be_logged_on_a_closed_case(case, call, csm):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)

    with pytest.raises(CaseActionRefused, match="reopen it first"):
        log_call(step=call, actor=csm, reached=True)
    call.refresh_from_db()
    assert call.result == {}
