"""A customer corrects their answer: a new score may call for a case the first one did not."""

import pytest

from playbooks.models import Case, Playbook
from playbooks.tasks import process_response
from surveys.models import Response
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
    assert "Score corrected to 2." in case.events.get(kind="answer_amended").message
    assert Case.objects.count() == 1


def test_a_correction_before_processing_is_read_by_the_first_processing(
    no_promoter_playbook, invitation
):
    response = answer_invitation(invitation=invitation, score=9).response

    correct_answer(invitation=invitation, score=1)
    process_response(response_id=response.pk)

    assert Case.objects.get(response=response).category == "detractor"
