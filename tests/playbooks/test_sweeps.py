"""The periodic sweeps: lost answers, SLA reminders and overdue escalations, follow-ups."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from playbooks.models import (
    ActionAudience,
    ActionStatus,
    Case,
    CaseStatus,
    CaseStep,
    Escalation,
    EscalationRule,
    ProcessingFailure,
    StepKind,
    StepStatus,
)
from playbooks.services import schedule
from playbooks.services.cases import add_action_item, set_action_item_status
from playbooks.services.engine import process_response
from playbooks.services.notifications import DeliveryFailed, deliver_escalation, deliver_reminder
from playbooks.services.schedule import (
    end_suppressions_of_closed_cases,
    escalate_overdue_step,
    follow_ups_due,
    request_follow_up,
    steps_overdue,
    steps_to_remind,
    unprocessed_response_ids,
)
from surveys.models import Response, Suppression
from surveys.selectors import survey_clearance
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(csm):
    return AccountFactory(csm=csm)


def open_case(account, score=3, **answer) -> Case:
    response = ResponseFactory(contact=ContactFactory(account=account), score=score, **answer)
    return Case.objects.get(pk=process_response(response_id=response.pk).case_id)


def minutes_ago(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


# --- answers that were never processed -------------------------------------------------


def test_answers_unprocessed_for_a_minute_are_picked_again_oldest_first(default_playbooks):
    old, older = ResponseFactory(), ResponseFactory()
    fresh = ResponseFactory()
    Response.objects.filter(pk=old.pk).update(created_at=minutes_ago(2))
    Response.objects.filter(pk=older.pk).update(created_at=minutes_ago(5))

    assert unprocessed_response_ids(older_than=minutes_ago(1)) == [older.pk, old.pk]
    assert fresh.pk not in unprocessed_response_ids(older_than=minutes_ago(1))


def test_processed_and_dead_lettered_answers_are_not_picked_again(default_playbooks):
    processed, failed = ResponseFactory(), ResponseFactory()
    process_response(response_id=processed.pk)
    ProcessingFailure.objects.create(
        response=failed,
        attempts=6,
        error="boom",
        first_failed_at=timezone.now(),
        last_failed_at=timezone.now(),
    )
    Response.objects.update(created_at=minutes_ago(5))

    assert unprocessed_response_ids(older_than=minutes_ago(1)) == []


def test_while_the_queue_is_busy_only_answers_stuck_for_a_long_time_are_picked(default_playbooks):
    recent, stuck = ResponseFactory(), ResponseFactory()
    Response.objects.filter(pk=recent.pk).update(created_at=minutes_ago(3))
    Response.objects.filter(pk=stuck.pk).update(created_at=minutes_ago(20))

    picked = unprocessed_response_ids(older_than=minutes_ago(1), queue_busy=True)

    assert picked == [stuck.pk]


def test_a_notification_never_handed_to_the_broker_is_found_again(default_playbooks, account):
    case = open_case(account)
    notify = case.steps.get(kind=StepKind.NOTIFY)
    CaseStep.objects.filter(pk=notify.pk).update(done_at=minutes_ago(3))

    steps, _ = schedule.undelivered_notifications(older_than=minutes_ago(1))

    assert steps == [notify.pk]


# --- SLAs --------------------------------------------------------------------------------


def test_a_step_coming_due_gets_one_reminder_email(default_playbooks, account, csm):
    case = open_case(account)
    call = case.steps.get(kind=StepKind.QUALIFICATION_CALL)
    CaseStep.objects.filter(pk=call.pk).update(due_at=timezone.now() + dt.timedelta(hours=3))

    assert steps_to_remind() == [call.pk]
    assert deliver_reminder(step_id=call.pk) is True
    assert deliver_reminder(step_id=call.pk) is False

    assert steps_to_remind() == []
    assert [m.to for m in mail.outbox] == [[csm.email]]
    assert "Due soon" in mail.outbox[0].subject
    assert case.events.filter(kind="step_reminder").count() == 1


def test_a_required_step_overdue_past_the_grace_is_escalated_once(default_playbooks, account):
    case = open_case(account)
    call = case.steps.get(kind=StepKind.QUALIFICATION_CALL)
    CaseStep.objects.filter(pk=call.pk).update(due_at=timezone.now() - dt.timedelta(hours=30))

    assert steps_overdue() == [call.pk]
    escalation = escalate_overdue_step(step_id=call.pk)
    assert escalate_overdue_step(step_id=call.pk) is None

    assert escalation.rule == EscalationRule.STEP_OVERDUE
    assert "Call the customer to understand" in escalation.reason
    assert "overdue by 1 day (was due" in escalation.reason
    assert steps_overdue() == []
    assert Escalation.objects.filter(rule=EscalationRule.STEP_OVERDUE).count() == 1


def test_a_step_overdue_within_the_grace_is_not_escalated_yet(default_playbooks, account):
    case = open_case(account)
    call = case.steps.get(kind=StepKind.QUALIFICATION_CALL)
    CaseStep.objects.filter(pk=call.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))

    assert steps_overdue() == []


def test_optional_and_done_steps_are_never_escalated_as_overdue(default_playbooks, account):
    case = open_case(account)
    past = timezone.now() - dt.timedelta(days=5)
    case.steps.filter(kind=StepKind.SHARE_WITH_CHAMPION).update(due_at=past)  # optional
    case.steps.filter(kind=StepKind.ACTION_PLAN).update(due_at=past, status=StepStatus.DONE)

    assert steps_overdue() == []


def test_managers_get_an_email_per_escalation(default_playbooks, account, manager):
    manager.email = "boss@nps-loop.test"
    manager.save()
    case = open_case(account)
    call = case.steps.get(kind=StepKind.QUALIFICATION_CALL)
    CaseStep.objects.filter(pk=call.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    escalation = escalate_overdue_step(step_id=call.pk)

    assert deliver_escalation(escalation_id=escalation.pk) is True
    assert deliver_escalation(escalation_id=escalation.pk) is False

    assert [m.to for m in mail.outbox] == [["boss@nps-loop.test"]]
    assert "Escalation on case" in mail.outbox[0].subject
    assert escalation.reason in mail.outbox[0].body


# --- follow-up surveys -------------------------------------------------------------------


def complete_plan(case: Case, actor) -> None:
    item = add_action_item(
        case=case, actor=actor, audience=ActionAudience.CUSTOMER, text="Fix the invoices"
    )
    set_action_item_status(item=item, actor=actor, status=ActionStatus.DONE)


def test_a_follow_up_is_due_only_after_the_plan_is_done_plus_the_delay(
    default_playbooks, account, csm
):
    case = open_case(account)
    assert follow_ups_due() == []

    complete_plan(case, csm)
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING
    assert follow_ups_due() == []
    assert follow_ups_due(now=timezone.now() + dt.timedelta(days=15)) == [case.pk]


def test_requesting_the_follow_up_lets_the_contact_be_surveyed_again(
    default_playbooks, account, csm
):
    case = open_case(account)
    email = case.contact.email
    complete_plan(case, csm)
    assert not survey_clearance(email=email).allowed

    request_follow_up(case_id=case.pk)

    case.refresh_from_db()
    assert case.follow_up_requested_at is not None
    assert survey_clearance(email=email).allowed
    assert case.events.filter(kind="follow_up_requested").exists()


def test_a_better_follow_up_answer_links_back_and_marks_the_case_won_back(
    default_playbooks, account, csm
):
    case = open_case(account, score=3)
    complete_plan(case, csm)
    request_follow_up(case_id=case.pk)

    follow_up = ResponseFactory(contact=case.contact, score=9)
    process_response(response_id=follow_up.pk)

    case.refresh_from_db()
    assert case.follow_up_response == follow_up
    assert case.won_back
    assert "before 3 → after 9: won back" in case.events.get(kind="follow_up_answered").message


def test_a_follow_up_answer_that_stays_a_detractor_links_back_without_winning_back(
    default_playbooks, account, csm
):
    case = open_case(account, score=3)
    complete_plan(case, csm)
    request_follow_up(case_id=case.pk)

    follow_up = ResponseFactory(contact=case.contact, score=5)
    new_case_id = process_response(response_id=follow_up.pk).case_id

    case.refresh_from_db()
    assert case.follow_up_response == follow_up
    assert not case.won_back
    assert new_case_id != case.pk  # the new low score is followed up on its own


# --- suppressions ------------------------------------------------------------------------


def test_suppressions_left_behind_by_closed_cases_are_lifted(default_playbooks, account):
    case = open_case(account)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)  # closed outside services

    assert end_suppressions_of_closed_cases() == 1
    assert Suppression.objects.get(pk=case.suppression_id).lifted_at is not None
    assert end_suppressions_of_closed_cases() == 0


def test_a_reminder_that_failed_to_send_is_sent_by_the_retry(default_playbooks, account, settings):
    case = open_case(account)
    call = case.steps.get(kind=StepKind.QUALIFICATION_CALL)
    CaseStep.objects.filter(pk=call.pk).update(due_at=timezone.now() + dt.timedelta(hours=3))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there

    with pytest.raises(DeliveryFailed):
        deliver_reminder(step_id=call.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert deliver_reminder(step_id=call.pk) is True
    assert len(mail.outbox) == 1
