"""A customer corrects their answer: a new score may call for a case the first one did not."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from playbooks.models import Case, CaseOutcome, CaseStatus, Escalation, Playbook, StepStatus
from playbooks.selectors import dashboard
from playbooks.selectors.dashboard import Slice
from playbooks.services.cases import CaseActionRefused, reopen_case
from playbooks.tasks import deliver_superseded_notice, process_response
from surveys.models import Response
from surveys.selectors import survey_clearance
from surveys.services.answering import answer_invitation, correct_answer
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    return InvitationFactory()


@pytest.fixture
def no_promoter_playbook(default_playbooks):
    """Promoters open no case: only detractors and passives have an active playbook."""
    Playbook.objects.filter(pk=default_playbooks["promoter"].pk).update(active=False)


def processed_answer(invitation, score) -> Response:
    response = answer_invitation(invitation=invitation, score=score).response
    process_response(response_id=response.pk)
    response.refresh_from_db()
    return response


def test_a_promoter_corrected_to_a_detractor_gets_the_detractor_case(
    no_promoter_playbook, invitation, django_capture_on_commit_callbacks
):
    response = processed_answer(invitation, score=9)
    assert response.processed_at is not None
    assert not Case.objects.exists()

    with django_capture_on_commit_callbacks() as callbacks:
        correct_answer(invitation=invitation, score=3)

    assert callbacks, "the corrected answer is enqueued for processing again"
    response.refresh_from_db()
    assert response.processed_at is None
    process_response(response_id=response.pk)
    case = Case.objects.get(response=response)
    assert case.playbook.name == "Detractor follow-up"
    assert case.category == "detractor"


def test_processing_the_corrected_answer_twice_opens_one_case(no_promoter_playbook, invitation):
    response = processed_answer(invitation, score=10)
    correct_answer(invitation=invitation, score=2)

    process_response(response_id=response.pk)
    process_response(response_id=response.pk)

    assert Case.objects.filter(response=response).count() == 1


def test_a_comment_added_later_does_not_process_the_answer_again(
    no_promoter_playbook, invitation, django_capture_on_commit_callbacks
):
    response = processed_answer(invitation, score=9)

    with django_capture_on_commit_callbacks() as callbacks:
        correct_answer(invitation=invitation, comment="Keep it up.")

    assert callbacks == []
    response.refresh_from_db()
    assert response.processed_at is not None


def test_a_correction_of_an_answer_with_a_case_goes_on_its_timeline_not_to_a_new_case(
    default_playbooks, invitation, django_capture_on_commit_callbacks
):
    response = processed_answer(invitation, score=5)
    case = Case.objects.get(response=response)

    with django_capture_on_commit_callbacks() as callbacks:
        correct_answer(invitation=invitation, score=2)

    assert callbacks == []
    response.refresh_from_db()
    assert response.processed_at is not None
    assert "Score corrected from 5 to 2." in case.events.get(kind="answer_amended").message
    assert Case.objects.count() == 1


def test_a_correction_before_processing_is_read_by_the_first_processing(
    no_promoter_playbook, invitation
):
    response = answer_invitation(invitation=invitation, score=9).response

    correct_answer(invitation=invitation, score=1)
    process_response(response_id=response.pk)

    assert Case.objects.get(response=response).category == "detractor"


# --- a case whose playbook no longer fits is superseded ---------------------------------


@pytest.fixture
def owned_invitation(csm):
    invitation = InvitationFactory()
    account = invitation.contact.account
    account.csm = csm
    account.save()
    csm.email = "owner@nps-loop.test"
    csm.save()
    return invitation


def correct_and_process(invitation, score, capture) -> None:
    """Correct the score, then do what the worker does with the tasks it enqueued."""
    response = invitation.response
    with capture() as callbacks:
        correct_answer(invitation=invitation, score=score)
    assert callbacks, "the correction enqueues work"
    process_response(response_id=response.pk)
    for case in Case.objects.filter(response=response, superseded_at__isnull=False):
        deliver_superseded_notice(case_id=case.pk)


def test_a_promoter_corrected_to_a_detractor_supersedes_the_thank_you_case(
    default_playbooks, owned_invitation, django_capture_on_commit_callbacks, mailoutbox
):
    response = processed_answer(owned_invitation, score=9)
    old = Case.objects.get(response=response)
    assert old.playbook == default_playbooks["promoter"]

    correct_and_process(owned_invitation, 3, django_capture_on_commit_callbacks)

    old.refresh_from_db()
    assert (old.status, old.outcome) == (CaseStatus.CLOSED, CaseOutcome.SUPERSEDED)
    assert old.superseded_at is not None
    superseded = old.events.get(kind="status_changed", details__to="closed")
    assert "from 9 to 3" in superseded.message
    assert (superseded.details["old_score"], superseded.details["new_score"]) == (9, 3)
    assert all(step.status != StepStatus.TODO for step in old.steps.all())
    # The owner is told, in their language, with a link to the case.
    told = [m for m in mailoutbox if "owner@nps-loop.test" in m.to]
    assert len(told) == 1 and f"#{old.pk}" in told[0].subject
    assert old.events.filter(kind="superseded_notice").count() == 1

    new = Case.objects.current().get(response=response)
    assert new.pk != old.pk
    assert (new.playbook, new.category, new.replaces) == (
        default_playbooks["detractor"],
        "detractor",
        old,
    )
    assert new.is_open and new.suppression is not None
    clearance = survey_clearance(email=owned_invitation.contact.email)
    assert not clearance.allowed
    assert Case.objects.filter(response=response).count() == 2


def test_a_detractor_corrected_to_a_promoter_lifts_the_suppression_and_resolves_escalations(
    default_playbooks, owned_invitation, django_capture_on_commit_callbacks
):
    response = processed_answer(owned_invitation, score=2)
    old = Case.objects.get(response=response)
    assert old.suppression is not None
    escalation = Escalation.objects.create(
        case=old, rule="manual", level=1, reason="Angry", raised_at=timezone.now()
    )

    correct_and_process(owned_invitation, 10, django_capture_on_commit_callbacks)

    old.refresh_from_db()
    escalation.refresh_from_db()
    assert old.outcome == CaseOutcome.SUPERSEDED
    assert old.suppression.lifted_at is not None
    assert escalation.resolved_at is not None
    new = Case.objects.current().get(response=response)
    assert (new.playbook, new.replaces) == (default_playbooks["promoter"], old)
    assert survey_clearance(email=owned_invitation.contact.email).allowed


def test_a_closed_case_keeps_its_outcome_and_the_new_score_gets_its_own_case(
    default_playbooks, owned_invitation, django_capture_on_commit_callbacks
):
    response = processed_answer(owned_invitation, score=9)
    old = Case.objects.get(response=response)
    Case.objects.filter(pk=old.pk).update(
        status=CaseStatus.CLOSED, outcome=CaseOutcome.RESOLVED, closed_at=timezone.now()
    )

    correct_and_process(owned_invitation, 4, django_capture_on_commit_callbacks)

    old.refresh_from_db()
    assert (old.outcome, old.superseded_at is not None) == (CaseOutcome.RESOLVED, True)
    assert "from 9 to 4" in old.events.get(kind="superseded").message
    new = Case.objects.current().get(response=response)
    assert (new.playbook, new.replaces) == (default_playbooks["detractor"], old)


def test_two_current_cases_for_one_answer_are_impossible(default_playbooks, invitation):
    response = processed_answer(invitation, score=3)
    case = Case.objects.get(response=response)

    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            response=response,
            contact=case.contact,
            playbook=case.playbook,
            category=case.category,
            opened_at=timezone.now(),
        )


def test_the_answers_page_shows_the_current_case(
    default_playbooks, owned_invitation, manager, client, django_capture_on_commit_callbacks
):
    response = processed_answer(owned_invitation, score=9)
    old = Case.objects.get(response=response)
    correct_and_process(owned_invitation, 3, django_capture_on_commit_callbacks)
    new = Case.objects.current().get(response=response)
    client.force_login(manager)

    page = client.get("/responses/").content.decode()

    assert f"Case #{new.pk}" in page
    assert f"Case #{old.pk}<" not in page


def test_the_case_pages_link_the_superseded_case_and_its_replacement(
    default_playbooks, owned_invitation, csm, client, django_capture_on_commit_callbacks
):
    response = processed_answer(owned_invitation, score=9)
    old = Case.objects.get(response=response)
    correct_and_process(owned_invitation, 2, django_capture_on_commit_callbacks)
    new = Case.objects.current().get(response=response)
    client.force_login(csm)

    old_page = client.get(f"/cases/{old.pk}/").content.decode()
    new_page = client.get(f"/cases/{new.pk}/").content.decode()

    assert f'href="/cases/{new.pk}/"' in old_page and "Superseded on" in old_page
    assert "Reopen" not in old_page
    assert f'href="/cases/{old.pk}/"' in new_page and "it replaces" in new_page


def test_a_superseded_case_cannot_be_reopened(
    default_playbooks, owned_invitation, csm, django_capture_on_commit_callbacks
):
    response = processed_answer(owned_invitation, score=9)
    old = Case.objects.get(response=response)
    correct_and_process(owned_invitation, 2, django_capture_on_commit_callbacks)
    old.refresh_from_db()

    with pytest.raises(CaseActionRefused):
        reopen_case(case=old, actor=csm, reason="Mistake")


def test_the_dashboard_counts_the_answers_current_case_only(
    default_playbooks, owned_invitation, django_capture_on_commit_callbacks
):
    response = processed_answer(owned_invitation, score=9)
    correct_and_process(owned_invitation, 2, django_capture_on_commit_callbacks)
    today = timezone.localdate()

    figures = dashboard.loop_figures(Slice(start=today, end=today))

    assert Case.objects.filter(response=response).count() == 2
    assert (figures.opened, figures.open_cases, figures.closed) == (1, 1, 0)


def test_the_cases_api_links_the_superseded_case_and_its_replacement(
    default_playbooks, owned_invitation, api_client, django_capture_on_commit_callbacks
):
    response = processed_answer(owned_invitation, score=9)
    old = Case.objects.get(response=response)
    correct_and_process(owned_invitation, 2, django_capture_on_commit_callbacks)
    new = Case.objects.current().get(response=response)

    listed = {row["id"]: row for row in api_client.get("/api/v1/cases").json()["results"]}
    open_cases = api_client.get("/api/v1/cases?status=open").json()["results"]

    assert listed[old.pk]["outcome"] == "superseded" and listed[old.pk]["superseded_at"]
    assert listed[new.pk]["replaces_id"] == old.pk
    assert listed[new.pk]["superseded_at"] is None
    assert [(row["id"], row["response_id"]) for row in open_cases] == [(new.pk, response.pk)]
