"""An answer that cannot be processed goes to the dead-letter log instead of looping forever."""

import datetime as dt

import pytest
from django.utils import timezone

from playbooks.models import Case, PlaybookStep, ProcessingFailure, StepKind
from playbooks.services.failures import retry_failed_response
from playbooks.services.schedule import unprocessed_response_ids
from playbooks.tasks import process_response
from surveys.models import Response
from tests.factories import ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken_escalation_step(default_playbooks):
    """An escalation threshold an admin mistyped: processing detractors fails on it."""
    step = default_playbooks["detractor"].steps.get(kind=StepKind.ESCALATION)
    PlaybookStep.objects.filter(pk=step.pk).update(options={"detractor_count": "three"})


def test_a_failing_answer_is_logged_with_its_error_and_nothing_half_done(broken_escalation_step):
    response = ResponseFactory(score=2)

    with pytest.raises(ValueError):
        process_response(response_id=response.pk)

    failure = ProcessingFailure.objects.get(response=response)
    assert failure.attempts == 1
    assert "three" in failure.error
    assert not Case.objects.exists()
    response.refresh_from_db()
    assert response.processed_at is None


def test_the_sweep_leaves_a_dead_lettered_answer_alone_until_someone_retries_it(
    broken_escalation_step,
):
    response = ResponseFactory(score=2)
    with pytest.raises(ValueError):
        process_response(response_id=response.pk)
    Response.objects.filter(pk=response.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    one_minute_ago = timezone.now() - dt.timedelta(minutes=1)
    assert unprocessed_response_ids(older_than=one_minute_ago) == []

    retry_failed_response(failure=ProcessingFailure.objects.get(response=response))

    assert unprocessed_response_ids(older_than=one_minute_ago) == [response.pk]


def test_a_second_failure_counts_another_attempt(broken_escalation_step):
    response = ResponseFactory(score=2)
    for _ in range(2):
        with pytest.raises(ValueError):
            process_response(response_id=response.pk)

    assert ProcessingFailure.objects.get(response=response).attempts == 2
