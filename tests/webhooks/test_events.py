"""Which events are announced, in what order, and with what in their bodies."""

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imports.services.customers import import_contacts
from playbooks.models import ActionAudience, ActionStatus, Case, CaseOutcome, StepKind
from playbooks.services.cases import (
    add_action_item,
    close_case,
    log_call,
    raise_escalation,
    set_action_item_status,
)
from playbooks.services.engine import process_response, process_responses
from playbooks.services.erasure import erase_contact_by_id
from surveys.answers import AnswerIn
from surveys.services import record_response
from surveys.services.responses import opt_out_contact
from tests.factories import AccountFactory, ContactFactory, ResponseFactory
from webhooks.events import EVENT_TYPES, SAMPLES, shape
from webhooks.models import Delivery, WebhookEvent
from webhooks.selectors import subscriptions
from webhooks.services.outbox import emit
from webhooks.services.sending import send_test

pytestmark = pytest.mark.django_db


def bodies(event_type: str | None = None) -> list[dict]:
    events = WebhookEvent.objects.order_by("pk")
    if event_type:
        events = events.filter(event_type=event_type)
    return [json.loads(event.body) for event in events]


@pytest.fixture
def everything(subscribe):
    return subscribe(*EVENT_TYPES)


def open_case(csm, **answer) -> Case:
    response = ResponseFactory(
        contact=ContactFactory(account=AccountFactory(csm=csm)), **{"score": 2, **answer}
    )
    return Case.objects.get(pk=process_response(response_id=response.pk).case_id)


def close(case: Case, csm, root_cause) -> None:
    """Work the case through its required steps, then close it."""
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Fix")
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    case.refresh_from_db()
    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem="Fixed.",
        root_cause=root_cause,
    )


def test_an_event_nobody_subscribed_to_is_not_stored_and_costs_no_query(db):
    subscriptions()  # cached, as in a running process

    with CaptureQueriesContext(connection) as captured:
        emit("case.opened", object_key="case:1", data={"id": 1})

    assert captured.captured_queries == []
    assert not WebhookEvent.objects.exists()


def test_events_of_one_case_are_numbered_in_order(
    everything, default_playbooks, csm, manager, root_cause
):
    case = open_case(csm)
    raise_escalation(case=case, actor=csm, reason="The customer threatens to leave.")
    close(case, csm, root_cause)

    of_case = [
        (body["type"], body["data"]["sequence"])
        for body in bodies()
        if body["type"].startswith("case.")
    ]
    assert of_case[0] == ("case.opened", 1)
    assert of_case[-2:] == [
        ("case.escalated", len(of_case) - 1),
        ("case.closed", len(of_case)),
    ]
    assert [sequence for _, sequence in of_case] == list(range(1, len(of_case) + 1))


def test_an_answer_recorded_then_corrected_is_announced_twice_in_order(everything, db):
    answer = AnswerIn(source="api", external_id="a-1", email="jo@acme.example", score=8)
    record_response(answer=answer)
    record_response(answer=AnswerIn(**{**answer.__dict__, "score": 3}))

    recorded, updated = bodies("response.recorded") + bodies("response.updated")
    assert recorded["data"]["score"] == 8 and recorded["data"]["sequence"] == 1
    assert updated["data"]["score"] == 3 and updated["data"]["sequence"] == 2
    assert updated["data"]["changed"] == ["score"]


def test_every_real_event_has_the_shape_of_its_sample(
    everything, default_playbooks, csm, root_cause
):
    AccountFactory(external_id="ACME")
    answer = AnswerIn(
        source="api",
        external_id="a-2",
        email="kim@acme.example",
        score=9,
        account_external_id="ACME",
    )
    record_response(answer=answer)
    record_response(answer=AnswerIn(**{**answer.__dict__, "score": 2, "comment": "Slow"}))
    case = open_case(csm)
    raise_escalation(case=case, actor=csm, reason="Urgent.")
    close(case, csm, root_cause)
    opt_out_contact(email=case.contact.email)
    before_erasure = bodies()  # erasing the contact deletes the events that name them
    erase_contact_by_id(contact_id=case.contact_id, actor=None)

    seen = {}
    for body in before_erasure + bodies():
        seen.setdefault(body["type"], body)
    for event_type, body in seen.items():
        assert shape(body["data"]) == shape({**SAMPLES[event_type], "sequence": 1}), event_type
    assert {"response.recorded", "response.updated", "case.opened", "case.escalated"} <= set(seen)
    assert "contact.erased" in seen


def test_the_test_event_has_exactly_the_shape_of_a_real_one(everything, default_playbooks, csm):
    open_case(csm)
    [real] = bodies("case.opened")

    send_test(endpoint=everything, event_type="case.opened")

    sample = json.loads(Delivery.objects.get(event__is_test=True).event.body)
    assert shape(sample) == shape(real)


def test_an_erased_contact_is_announced_without_personal_data_and_their_events_go(
    everything, default_playbooks, csm
):
    case = open_case(csm, comment="Call me on 555-0100")
    contact_id, email = case.contact_id, case.contact.email

    erase_contact_by_id(contact_id=contact_id, actor=None)

    [erased] = bodies()
    assert erased["type"] == "contact.erased"
    assert set(erased["data"]) == {"id", "erased_at", "sequence"}
    assert erased["data"]["id"] == contact_id
    assert email not in WebhookEvent.objects.get().body


def test_a_contact_who_opts_out_is_announced(everything, db):
    contact = ContactFactory(email="lee@acme.example")

    opt_out_contact(email="lee@acme.example")
    opt_out_contact(email="lee@acme.example")  # twice: announced once

    [opted_out] = bodies("contact.opted_out")
    assert opted_out["data"]["id"] == contact.pk
    assert opted_out["data"]["email"] == "lee@acme.example"


def test_a_case_won_back_is_announced_with_its_follow_up_answer(
    everything, default_playbooks, csm, root_cause
):
    case = open_case(csm)
    close(case, csm, root_cause)
    Case.objects.filter(pk=case.pk).update(
        follow_up_requested_at=timezone.now() - dt.timedelta(days=1)
    )
    follow_up = ResponseFactory(contact=case.contact, score=9)

    process_response(response_id=follow_up.pk)

    [won_back] = bodies("case.won_back")
    assert won_back["data"]["id"] == case.pk
    assert won_back["data"]["follow_up"] == {
        "response_id": follow_up.pk,
        "score": 9,
        "category": "promoter",
    }
    assert won_back["data"]["won_back_at"] is not None
    assert won_back["data"]["root_cause"]["id"] == root_cause.pk
    assert shape(won_back["data"]) == shape({**SAMPLES["case.won_back"], "sequence": 1})


def test_a_batch_of_answers_announces_each_answer_and_each_case(everything, default_playbooks, csm):
    account = AccountFactory(csm=csm)
    answers = [ResponseFactory(contact=ContactFactory(account=account), score=2) for _ in range(3)]

    process_responses(response_ids=[answer.pk for answer in answers])

    opened = bodies("case.opened")
    assert sorted(body["data"]["response_id"] for body in opened) == [a.pk for a in answers]
    assert {body["data"]["sequence"] for body in opened} == {1}
    assert Delivery.objects.filter(event__event_type="case.opened").count() == 3


def test_contacts_a_csv_import_opts_out_are_announced(everything, db):
    known = ContactFactory(email="jane@acme.example")

    import_contacts(
        file=io.BytesIO(b"email,opted_out\njane@acme.example,yes\nnew@acme.example,yes\n")
    )

    announced = {body["data"]["email"] for body in bodies("contact.opted_out")}
    assert announced == {known.email, "new@acme.example"}
