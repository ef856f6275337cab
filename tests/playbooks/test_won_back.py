"""Won back, for real: the follow-up survey goes out on its date even when the case was
closed meanwhile, and the contact's next answer within 120 days, from any channel, says
whether the customer was won back."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import LoopSettings
from notifications.models import Notification, NotificationKind
from playbooks import tasks
from playbooks.models import (
    ActionAudience,
    ActionStatus,
    Case,
    CaseOutcome,
    CaseStatus,
    StepKind,
    StepStatus,
)
from playbooks.services.cases import (
    add_action_item,
    close_case,
    log_call,
    set_action_item_status,
)
from playbooks.services.engine import FOLLOW_UP_ANSWER_WINDOW, process_response
from playbooks.services.schedule import follow_ups_due, request_follow_up
from surveys.models import Invitation, InvitationPurpose
from surveys.services.responses import AnswerIn, record_response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttling(db):
    """The case's own answer would otherwise hold the follow-up survey back 90 days."""
    loop = LoopSettings.current()
    loop.survey_throttle_days = 0
    loop.save()


def work_the_plan(case, csm) -> None:
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(
        case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Fix the invoices"
    )
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    case.refresh_from_db()


def later(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def answer_again(case, score: int, *, source: str = "api", answered_at=None) -> Case:
    """The case's contact answers again through a channel, and the answer is processed."""
    response = record_response(
        answer=AnswerIn(
            source=source,
            external_id=f"again-{case.pk}-{score}",
            email=case.contact.email,
            score=score,
            answered_at=answered_at,
        )
    ).response
    process_response(response_id=response.pk)
    case.refresh_from_db()
    return case


@pytest.fixture
def asked(case, csm) -> Case:
    """A case whose plan is done and whose follow-up survey went out."""
    work_the_plan(case, csm)
    request_follow_up(case_id=case.pk)
    case.refresh_from_db()
    return case


def test_the_follow_up_is_due_when_the_plan_is_done_plus_the_steps_delay(case, csm):
    assert case.follow_up_due_at is None

    work_the_plan(case, csm)

    expected = case.plan_completed_at + dt.timedelta(days=14)
    assert case.follow_up_due_at == expected
    assert follow_ups_due(now=later(13)) == []
    assert follow_ups_due(now=later(15)) == [case.pk]


def test_the_follow_up_survey_is_still_sent_when_the_case_was_closed_before_it_fired(
    case, csm, root_cause
):
    work_the_plan(case, csm)
    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem="Invoices fixed.",
        root_cause=root_cause,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.steps.get(kind=StepKind.FOLLOW_UP_SURVEY).status == StepStatus.TODO

    assert follow_ups_due(now=later(15)) == [case.pk]  # closed, and due all the same
    request_follow_up(case_id=case.pk)

    invitation = Invitation.objects.get(contact=case.contact)
    assert invitation.purpose == InvitationPurpose.FOLLOW_UP
    assert case.steps.get(kind=StepKind.FOLLOW_UP_SURVEY).status == StepStatus.DONE
    assert case.events.filter(kind="follow_up_requested").count() == 1


def test_the_follow_up_survey_is_sent_once(asked):
    assert request_follow_up(case_id=asked.pk) is None

    assert Invitation.objects.filter(contact=asked.contact).count() == 1
    assert follow_ups_due(now=later(30)) == []


def test_a_follow_up_queued_by_an_earlier_version_by_its_step_still_goes_out_once(case, csm):
    work_the_plan(case, csm)
    step = case.steps.get(kind=StepKind.FOLLOW_UP_SURVEY)

    assert tasks.request_follow_up.apply(kwargs={"step_id": step.pk}).get() == case.pk
    assert tasks.request_follow_up.apply(kwargs={"step_id": step.pk}).get() is None
    assert tasks.request_follow_up.apply(kwargs={"step_id": 2**40}).get() is None

    assert Invitation.objects.filter(contact=case.contact).count() == 1


def test_no_follow_up_survey_goes_to_an_erased_contact(case, csm):
    work_the_plan(case, csm)
    type(case.contact).objects.filter(pk=case.contact_id).update(erased_at=timezone.now())

    request_follow_up(case_id=case.pk)

    assert not Invitation.objects.filter(contact=case.contact).exists()
    assert "No follow-up survey sent" in case.events.get(kind="follow_up_requested").message


def test_a_plan_reopened_before_the_survey_puts_the_follow_up_off(case, csm):
    work_the_plan(case, csm)
    add_action_item(case=case, actor=csm, audience=ActionAudience.INTERNAL, text="One more fix")

    case.refresh_from_db()
    assert case.follow_up_due_at is None
    assert follow_ups_due(now=later(30)) == []


def test_a_9_within_120_days_wins_the_customer_back_on_the_case_and_the_dashboard(
    asked, client, csm, manager
):
    case = answer_again(asked, 9, source="typeform")

    assert case.follow_up_response.score == 9
    assert case.won_back
    event = case.events.get(kind="follow_up_answered").message
    assert event == "Follow-up answer: before 3 → after 9: won back."
    client.force_login(csm)
    assert (
        "Before 3 → after 9: won back"
        in client.get(reverse("case-detail", args=[case.pk])).content.decode()
    )
    assert (
        "Before 3 → after 9: won back"
        in client.get(reverse("account-detail", args=[case.account_id])).content.decode()
    )
    client.force_login(manager)
    rates = client.get(reverse("dashboard")).context["won_back"]
    assert (rates.period.answered, rates.period.won_back, rates.period.rate) == (1, 1, 100.0)
    assert [(row.label, row.rate) for row in rates.by_playbook] == [(case.playbook.name, 100.0)]
    assert [(row.label, row.rate) for row in rates.by_csm] == [(csm.name, 100.0)]


def test_a_4_links_back_but_does_not_win_the_customer_back(asked, client, csm, manager):
    case = answer_again(asked, 4)

    assert case.follow_up_response.score == 4
    assert not case.won_back
    client.force_login(csm)
    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "Before 3 → after 4: not won back" in page
    client.force_login(manager)
    rates = client.get(reverse("dashboard")).context["won_back"]
    assert (rates.period.answered, rates.period.won_back, rates.period.rate) == (1, 0, 0.0)


def test_the_won_back_rates_export_as_csv_for_the_period(asked, client, csm, manager):
    answer_again(asked, 9)
    client.force_login(manager)

    reply = client.get(reverse("dashboard-export", args=["won-back"]))

    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert rows == [
        ["By", "Name", "Follow-up answers", "Won back", "Rate %"],
        ["Total", "", "1", "1", "100.0"],
        ["Playbook", asked.playbook.name, "1", "1", "100.0"],
        ["CSM", csm.name, "1", "1", "100.0"],
    ]


def test_a_passive_follow_up_answer_counts_as_won_back(asked):
    assert answer_again(asked, 7).won_back


def test_the_case_owner_is_told_of_the_follow_up_answer(asked, csm):
    answer_again(asked, 9)

    told = Notification.objects.get(recipient=csm, kind=NotificationKind.FOLLOW_UP_ANSWERED)
    assert told.target_url == reverse("case-detail", args=[asked.pk])


def test_a_follow_up_answer_imported_as_history_counts_but_nudges_nobody(asked, csm):
    """Given 40 days ago, after a follow-up survey sent 60 days ago, and only now imported:
    beyond the 30-day case window, it is history."""
    Case.objects.filter(pk=asked.pk).update(follow_up_requested_at=later(-60))

    case = answer_again(asked, 9, source="csv", answered_at=later(-40))

    assert case.follow_up_response.score == 9
    assert case.won_back
    assert case.events.filter(kind="follow_up_answered").exists()
    assert not Notification.objects.filter(kind=NotificationKind.FOLLOW_UP_ANSWERED).exists()


def test_an_answer_more_than_120_days_after_the_follow_up_is_not_linked(asked):
    Case.objects.filter(pk=asked.pk).update(
        follow_up_requested_at=timezone.now() - dt.timedelta(days=FOLLOW_UP_ANSWER_WINDOW + 1)
    )

    case = answer_again(asked, 9)

    assert case.follow_up_response is None
    assert not case.won_back
    assert not case.events.filter(kind="follow_up_answered").exists()


def test_the_dashboard_says_when_no_follow_up_answer_came_in_the_period(client, manager):
    client.force_login(manager)

    page = client.get(reverse("dashboard")).content.decode()

    assert "No follow-up answer in the period yet" in page


def test_the_api_tells_when_the_follow_up_goes_out_and_which_answer_won_back(asked, api_client):
    before = api_client.get(f"/api/v1/cases/{asked.pk}").json()
    assert before["plan_completed_at"] is not None
    assert before["follow_up_due_at"] is not None
    assert before["follow_up_requested_at"] is not None
    assert (before["follow_up_response_id"], before["won_back"], before["won_back_at"]) == (
        None,
        False,
        None,
    )

    case = answer_again(asked, 9)

    rows = api_client.get("/api/v1/cases", {"category": "detractor"}).json()["results"]
    assert [row["id"] for row in rows] == [case.pk]
    row = rows[0]
    assert row["follow_up_response_id"] == case.follow_up_response_id
    assert (row["won_back"], row["won_back_at"] is not None) == (True, True)
