"""Working a case's steps, reassigning it, and changes made meanwhile by someone else."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from playbooks.models import (
    AssigneeKind,
    Case,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    StepKind,
    StepStatus,
)
from playbooks.services.cases import (
    CaseActionRefused,
    close_case,
    complete_step,
    move_case,
    reassign_case,
    skip_step,
)
from playbooks.services.engine import process_response
from playbooks.transitions import TransitionNotAllowed
from tests.factories import (
    AccountFactory,
    ContactFactory,
    PlaybookFactory,
    PlaybookStepFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def step(case, kind):
    return case.steps.get(kind=kind)


# --- completing and skipping steps ----------------------------------------------------


def test_completing_a_step_marks_it_done_by_whom_with_the_note(case, csm):
    share = step(case, StepKind.SHARE_WITH_CHAMPION)

    complete_step(step=share, actor=csm, note="Told Marie, their champion")

    share.refresh_from_db()
    assert (share.status, share.done_by) == (StepStatus.DONE, csm)
    assert share.result["note"] == "Told Marie, their champion"


def test_a_completed_step_is_on_the_timeline_with_who_did_it(case, csm):
    complete_step(step=step(case, StepKind.SHARE_WITH_CHAMPION), actor=csm)

    event = case.events.get(kind="step_done")
    assert (event.actor, event.message) == (
        csm,
        "Done: Share the situation with the customer's champion.",
    )


def test_completing_a_step_starts_a_new_case(case, csm):
    complete_step(step=step(case, StepKind.SHARE_WITH_CHAMPION), actor=csm)

    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_a_step_cannot_be_completed_twice(case, csm):
    share = step(case, StepKind.SHARE_WITH_CHAMPION)
    complete_step(step=share, actor=csm)

    with pytest.raises(CaseActionRefused, match="already done"):
        complete_step(step=share, actor=csm)


def test_completing_a_stale_copy_of_a_done_step_says_it_is_done(case, csm):
    stale = step(case, StepKind.SHARE_WITH_CHAMPION)
    complete_step(step=step(case, StepKind.SHARE_WITH_CHAMPION), actor=csm)

    with pytest.raises(CaseActionRefused, match="is already done"):
        complete_step(step=stale, actor=csm)


def test_an_automatic_step_cannot_be_completed_by_hand(case, csm):
    with pytest.raises(CaseActionRefused, match="done by the system"):
        complete_step(step=step(case, StepKind.NOTIFY), actor=csm)


def test_the_post_mortem_step_is_completed_by_closing(case, csm):
    with pytest.raises(CaseActionRefused, match="when the case is closed"):
        complete_step(step=step(case, StepKind.POST_MORTEM), actor=csm)


def test_an_optional_step_is_skipped_with_a_reason(case, csm):
    share = step(case, StepKind.SHARE_WITH_CHAMPION)

    skip_step(step=share, actor=csm, reason="The champion left the company")

    share.refresh_from_db()
    assert share.status == StepStatus.SKIPPED
    assert share.result["skip_reason"] == "The champion left the company"
    event = case.events.get(kind="step_skipped")
    assert event.actor == csm
    assert "The champion left the company" in event.message


def test_a_required_step_cannot_be_skipped(case, csm):
    call = step(case, StepKind.QUALIFICATION_CALL)

    with pytest.raises(CaseActionRefused, match="is required: it cannot be skipped"):
        skip_step(step=call, actor=csm, reason="Busy")

    call.refresh_from_db()
    assert call.status == StepStatus.TODO


def test_skipping_needs_a_reason(case, csm):
    with pytest.raises(ValidationError) as refused:
        skip_step(step=step(case, StepKind.SHARE_WITH_CHAMPION), actor=csm, reason=" ")

    assert "reason" in refused.value.message_dict


def test_a_done_step_cannot_be_skipped(case, csm):
    share = step(case, StepKind.SHARE_WITH_CHAMPION)
    complete_step(step=share, actor=csm)

    with pytest.raises(CaseActionRefused, match="already done"):
        skip_step(step=share, actor=csm, reason="Changed my mind")


# --- reassigning ----------------------------------------------------------------------


def test_a_manager_reassigns_a_case_and_the_owner_s_steps_follow(case, manager, other_csm):
    reassign_case(case=case, actor=manager, owner=other_csm)

    case.refresh_from_db()
    assert case.owner == other_csm
    assert step(case, StepKind.QUALIFICATION_CALL).assignee == other_csm


def test_steps_already_done_stay_with_who_held_them(case, csm, manager, other_csm):
    complete_step(step=step(case, StepKind.SHARE_WITH_CHAMPION), actor=csm)

    reassign_case(case=case, actor=manager, owner=other_csm)

    assert step(case, StepKind.SHARE_WITH_CHAMPION).assignee == csm


def test_a_reassignment_is_on_the_timeline(case, csm, manager, other_csm):
    reassign_case(case=case, actor=manager, owner=other_csm)

    event = case.events.get(kind="reassigned")
    assert event.actor == manager
    assert event.message == f"Reassigned from {csm} to {other_csm}."


def test_a_csm_cannot_reassign_a_case(case, csm, other_csm):
    with pytest.raises(PermissionDenied, match="Only a manager"):
        reassign_case(case=case, actor=csm, owner=other_csm)

    case.refresh_from_db()
    assert case.owner == csm


def test_a_case_cannot_go_to_someone_without_a_role(case, manager):
    with pytest.raises(ValidationError) as refused:
        reassign_case(case=case, actor=manager, owner=UserFactory())

    assert "owner" in refused.value.message_dict


def test_a_case_of_the_managers_given_to_a_csm_gives_them_its_csm_steps(
    default_playbooks, manager, csm
):
    playbook = PlaybookFactory(priority=100)
    PlaybookStepFactory(playbook=playbook, position=1, title="Call")
    PlaybookStepFactory(
        playbook=playbook, position=2, title="Approve", assignee_kind=AssigneeKind.MANAGERS
    )
    response = ResponseFactory(contact=ContactFactory(account=AccountFactory(csm=None)), score=2)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)

    reassign_case(case=case, actor=manager, owner=csm)

    assert CaseStep.objects.get(case=case, title="Call").assignee == csm
    assert CaseStep.objects.get(case=case, title="Approve").assignee is None


# --- changes made meanwhile -----------------------------------------------------------


def test_a_status_moved_meanwhile_is_not_overwritten(case, csm):
    seen = Case.objects.get(pk=case.pk)
    move_case(case=case, target=CaseStatus.IN_PROGRESS, actor=csm)

    with pytest.raises(TransitionNotAllowed, match="reload it"):
        move_case(case=seen, target=CaseStatus.CLOSED, actor=csm)

    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_closing_a_case_someone_else_closed_meanwhile_is_refused(case, csm, manager, root_cause):
    seen = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, outcome=CaseOutcome.CHURNED, post_mortem="They left."
    )

    with pytest.raises(CaseActionRefused, match="closed"):
        close_case(
            case=seen,
            actor=manager,
            outcome=CaseOutcome.RESOLVED,
            post_mortem="Fixed.",
            root_cause=root_cause,
        )

    case.refresh_from_db()
    assert (case.outcome, case.post_mortem) == (CaseOutcome.CHURNED, "They left.")


def test_a_status_change_is_on_the_timeline_with_who_made_it(case, csm):
    move_case(case=case, target=CaseStatus.IN_PROGRESS, actor=csm)

    event = case.events.get(kind="status_changed")
    assert event.actor == csm
    assert event.message == "Status: New → In progress."
    assert event.details == {"from": "new", "to": "in_progress"}


def test_a_qualification_call_is_logged_not_ticked(case, csm):
    with pytest.raises(CaseActionRefused, match="Log the call instead"):
        complete_step(step=step(case, StepKind.QUALIFICATION_CALL), actor=csm)


def test_without_a_call_step_the_first_step_done_is_the_first_contact(default_playbooks, csm):
    response = ResponseFactory(contact=ContactFactory(account=AccountFactory(csm=csm)), score=10)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    assert case.first_contact_at is None

    thanks = case.steps.filter(kind=StepKind.TASK).order_by("position").first()
    complete_step(step=thanks, actor=csm, note="Sent a handwritten card")

    case.refresh_from_db()
    assert case.first_contact_at is not None
