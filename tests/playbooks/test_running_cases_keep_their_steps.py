"""Editing a playbook changes the cases it opens next, never the cases already running."""

import pytest

from playbooks.models import Case, CaseStatus, Playbook, StepKind
from playbooks.services.engine import process_response
from playbooks.services.playbooks import update_step
from tests.factories import ContactFactory, PlaybookFactory, PlaybookStepFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def playbook():
    Playbook.objects.update(active=False)  # only this playbook matches
    playbook = PlaybookFactory(name="Detractors")
    PlaybookStepFactory(
        playbook=playbook,
        position=1,
        kind=StepKind.QUALIFICATION_CALL,
        title="Call them",
        instructions="Listen first.",
        due_in_days=2,
    )
    PlaybookStepFactory(playbook=playbook, position=2, title="Write the plan", due_in_days=10)
    return playbook


@pytest.fixture
def case(playbook):
    response = ResponseFactory(contact=ContactFactory(), score=2)
    return Case.objects.get(pk=process_response(response_id=response.pk).case_id)


def snapshot(case):
    """What the CSM sees of the case's steps."""
    return list(case.steps.values_list("title", "instructions", "due_at", "required", "kind"))


def test_the_case_starts_with_a_copy_of_the_playbook_steps(case):
    assert [(title, instructions) for title, instructions, *_ in snapshot(case)] == [
        ("Call them", "Listen first."),
        ("Write the plan", "Do it well."),
    ]


def test_renaming_a_step_and_rewriting_its_instructions_leaves_the_case_alone(playbook, case):
    before = snapshot(case)
    step = playbook.steps.get(position=1)
    step.title, step.instructions = "Email them", "Send the template."
    step.save()

    assert snapshot(case) == before


def test_changing_due_days_or_required_leaves_the_case_alone(playbook, case):
    before = snapshot(case)
    playbook.steps.update(due_in_days=30, required=False)

    assert snapshot(case) == before


def test_adding_a_step_leaves_the_case_alone(playbook, case):
    before = snapshot(case)
    PlaybookStepFactory(playbook=playbook, position=3, title="Send flowers")

    assert snapshot(case) == before


def test_removing_a_step_leaves_the_case_alone(playbook, case):
    before = snapshot(case)
    playbook.steps.get(position=2).delete()

    assert snapshot(case) == before


def test_deactivating_the_playbook_leaves_the_case_running(playbook, case):
    before = snapshot(case)
    playbook.active = False
    playbook.save()

    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert case.playbook == playbook
    assert snapshot(case) == before


def test_the_next_case_gets_the_edited_steps(playbook, case):
    # Through the editor's service, as admins do: the engine's cached playbooks follow.
    update_step(step=playbook.steps.get(position=1), fields={"title": "Email them"})
    response = ResponseFactory(contact=ContactFactory(), score=2)

    next_case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)

    assert next_case.steps.get(position=1).title == "Email them"
    assert case.steps.get(position=1).title == "Call them"
