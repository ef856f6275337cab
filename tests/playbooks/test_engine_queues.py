"""Live answers before bulk ones: the queues of the engine, on the real Redis broker, and the
batches an import's answers are processed in."""

import base64
import io
import json

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from core.background import enqueue
from imports.services.answers import import_responses
from nps_loop.celery import app
from playbooks.models import (
    Case,
    CaseStep,
    Escalation,
    PlaybookStep,
    ProcessingFailure,
    StepKind,
)
from playbooks.services import notifications
from playbooks.tasks import deliver_steps, process_responses
from surveys.answers import AnswerIn
from surveys.models import Response, Source
from surveys.services import record_response
from tests.celery_worker import purge_queue, running_worker, wait_for
from tests.factories import ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(default_playbooks, no_shared_worker):
    """The test broker with its queues declared (as a worker declares them) and empty, and no
    worker taking what the test sends."""
    with app.connection_for_write() as connection:
        for queue in app.conf.task_queues:
            queue(connection.default_channel).declare()
    purge_queue()
    yield redis.Redis.from_url(settings.CELERY_BROKER_URL)
    purge_queue()


def queued(broker, queue: str) -> list[tuple[str, dict]]:
    """The tasks waiting in `queue`, oldest first: (task name, keyword arguments)."""
    tasks = []
    for raw in reversed(broker.lrange(queue, 0, -1)):  # Redis pushes on the left
        message = json.loads(raw)
        _, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], kwargs))
    return tasks


def csv_of(rows: list[tuple[str, str, int]]) -> io.BytesIO:
    lines = ["external_id,email,score,answered_at"]
    now = timezone.now().isoformat()
    lines += [f"{external_id},{email},{score},{now}" for external_id, email, score in rows]
    return io.BytesIO("\n".join(lines).encode())


def test_an_answer_sent_through_the_api_is_queued_alone_on_the_live_queue(broker):
    recorded = record_response(
        answer=AnswerIn(source=Source.API, external_id="a-1", email="dana@acme.example", score=2)
    )

    assert queued(broker, "live") == [
        ("playbooks.process_response", {"response_id": recorded.response.pk})
    ]
    assert queued(broker, "celery") == []
    assert queued(broker, "bulk") == []


def test_other_work_goes_to_the_default_queue_alone(broker):
    enqueue("playbooks.deliver_step", step_id=1)

    assert queued(broker, "celery") == [("playbooks.deliver_step", {"step_id": 1})]
    assert queued(broker, "live") == []
    assert queued(broker, "bulk") == []


def test_an_imports_answers_are_queued_in_batches_on_the_bulk_queue(broker, settings):
    settings.NPS_ENGINE_BATCH_SIZE = 2
    rows = [(f"csv-{n}", f"person{n}@acme.example", n) for n in range(5)]

    result = import_responses(file=csv_of(rows))

    assert result.created == 5
    ids = list(Response.objects.order_by("pk").values_list("pk", flat=True))
    assert queued(broker, "bulk") == [
        ("playbooks.process_responses", {"response_ids": ids[0:2]}),
        ("playbooks.process_responses", {"response_ids": ids[2:4]}),
        ("playbooks.process_responses", {"response_ids": ids[4:5]}),
    ]
    assert queued(broker, "live") == []
    assert queued(broker, "celery") == []


def test_a_worker_takes_a_live_answer_before_the_bulk_ones_queued_earlier(broker, tmp_path):
    rows = [(f"csv-{n}", f"person{n}@acme.example", 2) for n in range(60)]
    import_responses(file=csv_of(rows))
    live = record_response(
        answer=AnswerIn(source=Source.API, external_id="a-1", email="dana@acme.example", score=2)
    ).response

    with running_worker(tmp_path) as worker:
        wait_for(
            lambda: not Response.objects.filter(processed_at__isnull=True).exists(),
            timeout=120,
            what="every answer processed",
        )

    first_case = Case.objects.order_by("pk").first()
    # On failure, the worker's log says which task it received first, and any retry.
    assert first_case.response_id == live.pk, worker.log()
    assert Case.objects.count() == 61


def test_one_failing_answer_of_a_batch_is_dead_lettered_and_the_others_get_their_cases(
    default_playbooks,
):
    # An escalation threshold an admin mistyped: detractors fail on it, other answers do not.
    step = default_playbooks["detractor"].steps.get(kind=StepKind.ESCALATION)
    PlaybookStep.objects.filter(pk=step.pk).update(options={"detractor_count": "three"})
    promoter = ResponseFactory(contact=ContactFactory(), score=10)
    detractor = ResponseFactory(contact=ContactFactory(), score=2)
    passive = ResponseFactory(contact=ContactFactory(), score=7)

    done = process_responses(response_ids=[promoter.pk, detractor.pk, passive.pk])

    assert done == 2
    assert Case.objects.filter(response__in=[promoter, passive]).count() == 2
    assert not Case.objects.filter(response=detractor).exists()
    failure = ProcessingFailure.objects.get(response=detractor)
    assert "three" in failure.error
    detractor.refresh_from_db()
    assert detractor.processed_at is None


def test_a_batch_run_twice_opens_each_case_once(default_playbooks):
    answers = [ResponseFactory(contact=ContactFactory(), score=score) for score in (1, 8, 9)]
    ids = [answer.pk for answer in answers]

    process_responses(response_ids=ids)
    process_responses(response_ids=ids)

    assert Case.objects.filter(response_id__in=ids).count() == 3


def test_the_emails_of_a_batch_of_cases_go_to_the_worker_in_one_task(broker):
    answers = [ResponseFactory(contact=ContactFactory(), score=2) for _ in range(3)]
    purge_queue()  # their own processing, queued as they were stored

    process_responses(response_ids=[answer.pk for answer in answers])

    emailing = CaseStep.objects.filter(
        case__response__in=answers, kind__in=[StepKind.NOTIFY, StepKind.ACKNOWLEDGE]
    )
    assert emailing.count() >= 3
    escalations = Escalation.objects.filter(case__response__in=answers)
    assert escalations.exists()
    assert sorted(queued(broker, "bulk")) == [
        (
            "playbooks.deliver_escalations",
            {"escalation_ids": sorted(escalations.values_list("pk", flat=True))},
        ),
        ("playbooks.deliver_steps", {"step_ids": sorted(emailing.values_list("pk", flat=True))}),
    ]


def test_an_email_of_a_batch_that_fails_is_sent_again_alone_with_its_retries(broker, monkeypatch):
    sent = []

    def deliver(*, step_id):
        if step_id == 2:
            raise notifications.DeliveryFailed("the mail server is down")
        sent.append(step_id)
        return True

    monkeypatch.setattr(notifications, "deliver_step", deliver)

    assert deliver_steps(step_ids=[1, 2, 3]) == 2

    assert sent == [1, 3]
    assert queued(broker, "celery") == [("playbooks.deliver_step", {"step_id": 2})]
