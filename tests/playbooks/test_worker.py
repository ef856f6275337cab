"""The engine on the real queue: a Celery worker against Redis and PostgreSQL."""

import datetime as dt
import json
import urllib.request
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Persona
from nps_loop.celery import app
from playbooks.models import Case, CaseEvent, Escalation, StepKind, StepStatus
from playbooks.tasks import requeue_unprocessed
from surveys.answers import AnswerIn
from surveys.models import Response, Suppression
from surveys.services import record_response
from surveys.services.integrations import create_integration
from tests.celery_worker import database_url, purge_queue, running_web_app, running_worker, wait_for
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE_BROKER = "redis://127.0.0.1:1/15"  # nothing listens on port 1


@pytest.fixture
def queue(default_playbooks):
    purge_queue()
    yield
    purge_queue()


@pytest.fixture
def account(csm):
    csm.email = "camille@nps-loop.test"
    csm.save()
    return AccountFactory(
        csm=csm,
        name="Acme Logistics",
        arr=Decimal("150000"),
        renewal_date=timezone.localdate() + dt.timedelta(days=40),
    )


def post_answer(base_url: str, key: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/v1/responses",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def case_of(response_id: int) -> Case | None:
    return Case.objects.filter(response_id=response_id).first()


def test_an_answer_posted_to_the_api_becomes_a_case_run_by_the_worker(
    live_server, queue, account, csm, celery_worker
):
    ContactFactory(account=account, email="dana@acme.example", persona=Persona.CHAMPION)
    key = create_integration(name="crm").key
    worker = celery_worker

    answer = post_answer(
        live_server.url,
        key,
        {
            "external_id": "w-1",
            "email": "dana@acme.example",
            "score": 2,
            "comment": "Support never answers our tickets",
        },
    )
    case = wait_for(lambda: case_of(answer["id"]), timeout=30, what="the case")
    wait_for(lambda: worker.emails(), timeout=30, what="the notification email")

    steps = {step.kind: step for step in case.steps.all()}
    assert case.owner == csm
    assert steps[StepKind.LOOKUP_360].status == StepStatus.DONE
    assert steps[StepKind.LOOKUP_360].result["account"]["name"] == "Acme Logistics"
    assert steps[StepKind.QUALIFICATION_CALL].status == StepStatus.TODO
    assert Suppression.objects.filter(contact__email="dana@acme.example").exists()
    rules = set(Escalation.objects.filter(case=case).values_list("rule", flat=True))
    assert rules == {"arr_at_stake", "key_contact", "renewal_soon"}
    assert Response.objects.get(pk=answer["id"]).processed_at is not None
    emails = worker.emails()
    to_owner = [m for m in emails if m["To"] == "camille@nps-loop.test"]
    assert to_owner and "scored 2" in to_owner[0]["Subject"]


def get_json(base_url: str, key: str, path: str) -> dict:
    request = urllib.request.Request(
        f"{base_url}{path}", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def test_a_score_corrected_through_the_api_gets_its_detractor_case_within_20_seconds(
    live_server, queue, account, csm, celery_worker
):
    ContactFactory(account=account, email="eve@acme.example")
    key = create_integration(name="crm").key
    body = {"external_id": "fix-1", "email": "eve@acme.example", "score": 9}
    answer = post_answer(live_server.url, key, body)
    wait_for(lambda: case_of(answer["id"]), timeout=30, what="the promoter's case")

    corrected = post_answer(live_server.url, key, {**body, "score": 3})
    assert (corrected["id"], corrected["category"]) == (answer["id"], "detractor")

    def detractor_case_listed():
        listed = get_json(live_server.url, key, "/api/v1/cases?status=open")["results"]
        return [
            case
            for case in listed
            if Case.objects.filter(
                pk=case["id"], response_id=answer["id"], playbook__name="Detractor follow-up"
            ).exists()
        ]

    wait_for(detractor_case_listed, timeout=20, what="the detractor case in the API")
    clearance = get_json(live_server.url, key, "/api/v1/suppressions/check?email=eve@acme.example")
    assert clearance["allowed"] is False
    old = Case.objects.get(response_id=answer["id"], superseded_at__isnull=False)
    assert old.outcome == "superseded"


def test_answers_accepted_while_the_broker_is_down_are_processed_when_it_is_back(
    queue, account, tmp_path, shared_worker
):
    key = create_integration(name="crm").key
    with running_web_app(tmp_path, broker_url=UNREACHABLE_BROKER) as url:
        answers = [
            post_answer(url, key, {"external_id": f"down-{n}", "email": "a@x.example", "score": n})
            for n in (1, 9)
        ]

    ids = [answer["id"] for answer in answers]
    assert Response.objects.filter(pk__in=ids, processed_at__isnull=True).count() == 2
    # The minute sweep picks answers unprocessed for a minute: make these a minute old.
    Response.objects.filter(pk__in=ids).update(created_at=timezone.now() - dt.timedelta(minutes=2))

    shared_worker.ready()
    assert requeue_unprocessed() == 2
    wait_for(
        lambda: Case.objects.filter(response_id__in=ids).count() == 2,
        timeout=30,
        what="both cases",
    )
    assert not Response.objects.filter(pk__in=ids, processed_at__isnull=True).exists()


def test_a_worker_killed_mid_task_leaves_no_half_case_and_the_retry_makes_one(
    queue, account, tmp_path, no_shared_worker
):
    contact = ContactFactory(account=account)
    response = record_response(
        answer=AnswerIn(source="api", external_id="kill-1", email=contact.email, score=3)
    ).response
    purge_queue()  # enqueue it ourselves below, once the trap is set

    # Hold the timeline table so that the worker blocks on its first case event,
    # after it has inserted the case and its steps in its transaction.
    blocker = psycopg.connect(database_url().replace("postgres://", "postgresql://"))
    try:
        blocker.execute("LOCK TABLE playbooks_caseevent IN SHARE MODE")
        with running_worker(tmp_path, name="doomed") as worker:
            app.send_task("playbooks.process_response", kwargs={"response_id": response.pk})
            wait_for(
                lambda: _waiting_on_case_events() > 0,
                timeout=30,
                what="the worker to block inside its transaction",
            )
            worker.kill()
    finally:
        blocker.rollback()
        blocker.close()

    wait_for(lambda: _waiting_on_case_events() == 0, timeout=30, what="the rollback")
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    response.refresh_from_db()
    assert response.processed_at is None

    Response.objects.filter(pk=response.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=2)
    )
    with running_worker(tmp_path, name="second"):
        requeue_unprocessed()
        wait_for(lambda: case_of(response.pk), timeout=30, what="the case")
        # The task the killed worker held may come back too: still one case.
        app.send_task("playbooks.process_response", kwargs={"response_id": response.pk})
        wait_for(
            lambda: not Response.objects.filter(processed_at__isnull=True).exists(),
            timeout=30,
            what="processing",
        )
    assert Case.objects.filter(response=response).count() == 1


def _waiting_on_case_events() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE %s AND datname = current_database()",
            ['INSERT INTO "playbooks_caseevent"%'],
        )
        return cursor.fetchone()[0]
