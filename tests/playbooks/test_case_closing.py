"""Closing the loop (outcome and post-mortem) and reopening a case."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

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
    CaseActionRefused,
    acknowledge_escalation,
    add_action_item,
    close_case,
    log_call,
    raise_escalation,
    reopen_case,
    resolve_escalation,
    set_action_item_status,
)
from playbooks.services.engine import process_response
from surveys.selectors import survey_clearance
from tests.factories import (
    PlaybookFactory,
    PlaybookStepFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db

POST_MORTEM = "Invoices were wrong after the migration; billing fixed the export."


@pytest.fixture
def worked_case(case, csm):
    """The detractor case with its call logged and its plan done: ready to close."""
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(
        case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Fix the invoices"
    )
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    case.refresh_from_db()
    return case


@pytest.fixture
def closed_case(worked_case, csm, root_cause):
    return close_case(
        case=worked_case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem=POST_MORTEM,
        root_cause=root_cause,
    )


def step_status(case, kind):
    return case.steps.get(kind=kind).status


def test_a_case_with_open_required_steps_cannot_close_and_the_message_names_them(
    case, csm, root_cause
):
    with pytest.raises(CaseActionRefused) as refused:
        close_case(
            case=case,
            actor=csm,
            outcome=CaseOutcome.RESOLVED,
            post_mortem=POST_MORTEM,
            root_cause=root_cause,
        )

    assert str(refused.value) == (
        "Required steps are still open: Call the customer to understand; "
        "Agree a realistic action plan. Complete them before closing."
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_a_case_whose_playbook_has_a_post_mortem_cannot_close_without_one(
    worked_case, csm, root_cause
):
    with pytest.raises(ValidationError) as refused:
        close_case(
            case=worked_case,
            actor=csm,
            outcome=CaseOutcome.RESOLVED,
            post_mortem=" ",
            root_cause=root_cause,
        )

    assert "post_mortem" in refused.value.message_dict
    worked_case.refresh_from_db()
    assert worked_case.status == CaseStatus.MONITORING


def test_an_unknown_outcome_is_refused(worked_case, csm, root_cause):
    with pytest.raises(ValidationError) as refused:
        close_case(
            case=worked_case,
            actor=csm,
            outcome="happy",
            post_mortem=POST_MORTEM,
            root_cause=root_cause,
        )

    assert "outcome" in refused.value.message_dict


def test_a_worked_case_closes_with_its_outcome_and_post_mortem(closed_case):
    closed_case.refresh_from_db()
    assert closed_case.status == CaseStatus.CLOSED
    assert closed_case.outcome == CaseOutcome.RESOLVED
    assert closed_case.post_mortem == POST_MORTEM
    assert closed_case.closed_at is not None


def test_closing_marks_the_post_mortem_step_done(closed_case):
    assert step_status(closed_case, StepKind.POST_MORTEM) == StepStatus.DONE


def test_closing_skips_the_optional_steps_left_open(closed_case):
    assert step_status(closed_case, StepKind.SHARE_WITH_CHAMPION) == StepStatus.SKIPPED


def test_closing_keeps_a_follow_up_survey_still_due_to_do(closed_case):
    """The plan was done: the follow-up survey goes out on its date, closed case or not."""
    assert closed_case.follow_up_due_at is not None
    assert step_status(closed_case, StepKind.FOLLOW_UP_SURVEY) == StepStatus.TODO


def test_closing_keeps_what_an_optional_step_left_open_had_recorded(csm, root_cause):
    playbook = PlaybookFactory(priority=100)
    PlaybookStepFactory(
        playbook=playbook, kind=StepKind.QUALIFICATION_CALL, title="Try a call", required=False
    )
    response = ResponseFactory(score=2)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    call = case.steps.get()
    log_call(step=call, actor=csm, reached=False, notes="Voicemail")

    close_case(
        case=case, actor=csm, outcome=CaseOutcome.UNREACHABLE, post_mortem="", root_cause=root_cause
    )

    call.refresh_from_db()
    assert call.status == StepStatus.SKIPPED
    assert call.result["attempts"][0]["notes"] == "Voicemail"


def test_closing_lifts_the_survey_suppression(closed_case):
    assert survey_clearance(email=closed_case.contact.email).allowed


def test_closing_is_on_the_timeline_with_who_closed(closed_case, csm):
    event = closed_case.events.filter(kind="status_changed").last()

    assert event.actor == csm
    assert event.message == "Closed: Resolved. Root cause: Support › Response time."


def test_a_playbook_without_post_mortem_step_closes_without_one(csm, root_cause):
    playbook = PlaybookFactory(for_promoters=True, for_detractors=False, priority=100)
    PlaybookStepFactory(playbook=playbook, title="Say thanks", required=False)
    response = ResponseFactory(score=10)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)

    close_case(
        case=case, actor=csm, outcome=CaseOutcome.RESOLVED, post_mortem="", root_cause=root_cause
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_a_closed_case_cannot_close_again(closed_case, csm, root_cause):
    with pytest.raises(CaseActionRefused, match="closed"):
        close_case(
            case=closed_case,
            actor=csm,
            outcome=CaseOutcome.CHURNED,
            post_mortem=POST_MORTEM,
            root_cause=root_cause,
        )

    closed_case.refresh_from_db()
    assert closed_case.outcome == CaseOutcome.RESOLVED


def test_reopening_needs_a_reason(closed_case, csm):
    with pytest.raises(ValidationError) as refused:
        reopen_case(case=closed_case, actor=csm, reason=" ")

    assert "reason" in refused.value.message_dict


def test_a_reopened_case_is_in_progress_again_and_counts_the_reopening(closed_case, csm):
    reopen_case(case=closed_case, actor=csm, reason="The invoices are wrong again")

    closed_case.refresh_from_db()
    assert closed_case.status == CaseStatus.IN_PROGRESS
    assert closed_case.reopened_count == 1
    assert closed_case.closed_at is None
    assert closed_case.outcome == ""


def test_a_reopened_case_needs_a_new_post_mortem(closed_case, csm):
    reopen_case(case=closed_case, actor=csm, reason="The invoices are wrong again")

    assert step_status(closed_case, StepKind.POST_MORTEM) == StepStatus.TODO


def test_reopening_suppresses_surveys_again(closed_case, csm):
    old_suppression = closed_case.suppression

    reopen_case(case=closed_case, actor=csm, reason="The invoices are wrong again")

    closed_case.refresh_from_db()
    assert closed_case.suppression != old_suppression
    assert not survey_clearance(email=closed_case.contact.email).allowed


def test_reopening_is_on_the_timeline_with_the_reason(closed_case, csm):
    reopen_case(case=closed_case, actor=csm, reason="The invoices are wrong again")

    event = closed_case.events.filter(kind="status_changed").last()
    assert event.actor == csm
    assert event.message == "Reopened: The invoices are wrong again"


def test_an_open_case_cannot_be_reopened(case, csm):
    with pytest.raises(CaseActionRefused, match="open already"):
        reopen_case(case=case, actor=csm, reason="Why not")


def test_a_customer_never_reached_closes_as_unreachable_after_attempts(case, csm, root_cause):
    call = case.steps.get(kind=StepKind.QUALIFICATION_CALL)
    with pytest.raises(CaseActionRefused, match="Log your call attempts"):
        close_case(
            case=case,
            actor=csm,
            outcome=CaseOutcome.UNREACHABLE,
            post_mortem="Tried.",
            root_cause=root_cause,
        )
    for _ in range(3):
        log_call(step=call, actor=csm, reached=False, notes="Voicemail.")

    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.UNREACHABLE,
        post_mortem="Three voicemails.",
        root_cause=root_cause,
    )

    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.UNREACHABLE)
    call.refresh_from_db()
    assert call.status == StepStatus.SKIPPED
    assert len(call.result["attempts"]) == 3  # the attempts stay on the step


def test_attempts_do_not_let_a_case_close_as_resolved(case, csm, root_cause):
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=False)

    with pytest.raises(CaseActionRefused, match="Required steps are still open"):
        close_case(
            case=case,
            actor=csm,
            outcome=CaseOutcome.RESOLVED,
            post_mortem="Done.",
            root_cause=root_cause,
        )


# --- escalations settled by closing ---------------------------------------------------


@pytest.fixture
def escalated_case(worked_case, csm, manager):
    """The worked case with three escalations: one waiting, one acknowledged, one resolved."""
    waiting = raise_escalation(case=worked_case, actor=csm, reason="They threaten to leave")
    taken = raise_escalation(case=worked_case, actor=csm, reason="The CFO called", level=2)
    acknowledge_escalation(escalation=taken, actor=manager)
    done = raise_escalation(case=worked_case, actor=csm, reason="Wrong invoice")
    resolve_escalation(escalation=done, actor=manager, resolution="Credit note sent")
    worked_case.refresh_from_db()
    return worked_case, {"waiting": waiting, "taken": taken, "done": done}


def test_closing_resolves_the_open_escalations_by_whoever_closed(escalated_case, csm, root_cause):
    case, escalations = escalated_case

    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem=POST_MORTEM,
        root_cause=root_cause,
    )

    case.refresh_from_db()
    for name in ("waiting", "taken"):
        escalation = escalations[name]
        escalation.refresh_from_db()
        assert not escalation.is_open, name
        assert escalation.resolved_by == csm
        assert escalation.resolved_at == case.closed_at
        assert escalation.resolution == "Case closed."
    escalations["taken"].refresh_from_db()
    assert escalations["taken"].acknowledged_at is not None


def test_closing_leaves_an_escalation_resolved_before_as_it_was(
    escalated_case, csm, manager, root_cause
):
    case, escalations = escalated_case

    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem=POST_MORTEM,
        root_cause=root_cause,
    )

    done = escalations["done"]
    done.refresh_from_db()
    assert (done.resolved_by, done.resolution) == (manager, "Credit note sent")


def test_the_timeline_shows_each_escalation_the_closing_resolved(escalated_case, csm, root_cause):
    case, escalations = escalated_case

    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem=POST_MORTEM,
        root_cause=root_cause,
    )

    by_closing = case.events.filter(kind="escalation_resolved", details__by_closing=True)
    assert sorted(e.details["escalation"] for e in by_closing) == sorted(
        [escalations["waiting"].pk, escalations["taken"].pk]
    )
    assert {(e.actor, e.message) for e in by_closing} == {
        (csm, "Escalation resolved. Case closed.")
    }


def test_a_refused_close_leaves_the_escalations_open(escalated_case, csm, root_cause):
    case, escalations = escalated_case

    with pytest.raises(ValidationError):
        close_case(
            case=case,
            actor=csm,
            outcome=CaseOutcome.RESOLVED,
            post_mortem="  ",
            root_cause=root_cause,
        )

    escalations["waiting"].refresh_from_db()
    assert escalations["waiting"].is_open
    assert not case.events.filter(details__by_closing=True).exists()


def test_the_managers_no_longer_see_them_as_open(client, escalated_case, csm, manager, root_cause):
    case, escalations = escalated_case
    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem=POST_MORTEM,
        root_cause=root_cause,
    )
    client.force_login(manager)

    waiting = client.get(reverse("escalation-list"), {"tab": "waiting"}).context["page"]
    taken = client.get(reverse("escalation-list"), {"tab": "acknowledged"}).context["page"]
    resolved = client.get(reverse("escalation-list"), {"tab": "resolved"})

    assert list(waiting.object_list) == list(taken.object_list) == []
    assert len(resolved.context["page"].object_list) == 3
    assert "Case closed." in resolved.content.decode()


def test_a_french_reader_reads_case_closed_in_french(client, escalated_case, csm, root_cause):
    case, _ = escalated_case
    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem=POST_MORTEM,
        root_cause=root_cause,
    )
    csm.language = "fr"
    csm.save()
    client.force_login(csm)

    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    assert f"Résolue par {csm.name}\xa0:" in html
    assert "Escalade résolue. Dossier clos." in html
    assert "Case closed." not in html
