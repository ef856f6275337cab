"""process_response: an answer becomes one case with its steps, and the automatic steps run."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Persona
from playbooks.models import (
    Case,
    CaseStatus,
    CaseStep,
    Escalation,
    EscalationRule,
    StepKind,
    StepStatus,
)
from playbooks.services.engine import process_response
from playbooks.services.notifications import deliver_step
from surveys.answers import AnswerIn
from surveys.models import Suppression
from surveys.services import record_response
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InteractionFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(csm):
    csm.email = "owner@nps-loop.test"
    csm.save()
    return csm


@pytest.fixture
def account(owner):
    return AccountFactory(
        csm=owner,
        arr=Decimal("20000"),
        renewal_date=timezone.localdate() + dt.timedelta(days=300),
    )


def test_a_detractor_becomes_a_case_with_the_detractor_playbook_steps(
    default_playbooks, account, owner
):
    response = ResponseFactory(contact=ContactFactory(account=account), score=3)

    outcome = process_response(response_id=response.pk)

    case = Case.objects.get(pk=outcome.case_id)
    assert case.response == response
    assert case.playbook == default_playbooks["detractor"]
    assert case.owner == owner
    assert case.status == CaseStatus.NEW
    assert case.arr_at_risk == Decimal("20000")
    titles = list(case.steps.values_list("title", flat=True))
    assert titles == list(
        default_playbooks["detractor"].steps.order_by("position").values_list("title", flat=True)
    )
    response.refresh_from_db()
    assert response.processed_at is not None


def test_processing_twice_opens_one_case(default_playbooks, account):
    response = ResponseFactory(contact=ContactFactory(account=account), score=2)

    first = process_response(response_id=response.pk)
    second = process_response(response_id=response.pk)

    assert second.already
    assert second.case_id == first.case_id
    assert Case.objects.filter(response=response).count() == 1


def test_automatic_steps_are_done_with_their_results(default_playbooks, account, owner):
    contact = ContactFactory(account=account)
    InteractionFactory(account=account, summary="Ticket about invoices")
    response = ResponseFactory(contact=contact, score=4, comment="Invoices are always wrong")

    case_id = process_response(response_id=response.pk).case_id

    steps = {step.kind: step for step in CaseStep.objects.filter(case_id=case_id)}
    lookup = steps[StepKind.LOOKUP_360]
    assert lookup.status == StepStatus.DONE
    assert lookup.result["account"]["arr"] == "20000.00"
    assert lookup.result["interactions"][0]["summary"] == "Ticket about invoices"
    assert steps[StepKind.SUPPRESS_SURVEYS].status == StepStatus.DONE
    assert Suppression.objects.get(contact=contact).lifted_at is None
    assert steps[StepKind.QUALIFICATION_CALL].status == StepStatus.TODO
    assert steps[StepKind.NOTIFY].status == StepStatus.DONE


def test_the_notify_step_emails_the_owner_once(default_playbooks, account, owner):
    response = ResponseFactory(contact=ContactFactory(account=account), score=4, comment="Slow")
    case_id = process_response(response_id=response.pk).case_id
    notify = CaseStep.objects.get(case_id=case_id, kind=StepKind.NOTIFY)

    assert deliver_step(step_id=notify.pk) is True
    assert deliver_step(step_id=notify.pk) is False  # a second delivery sends nothing

    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "scored 4" in mail.outbox[0].subject
    assert "Slow" in mail.outbox[0].body


def test_a_champion_detractor_is_escalated_with_a_reason(default_playbooks, account):
    contact = ContactFactory(account=account, persona=Persona.CHAMPION)
    response = ResponseFactory(contact=contact, score=1)

    case_id = process_response(response_id=response.pk).case_id

    escalation = Escalation.objects.get(case_id=case_id)
    assert escalation.rule == EscalationRule.KEY_CONTACT
    assert "champion" in escalation.reason


def test_an_account_without_csm_goes_to_the_managers(default_playbooks):
    response = ResponseFactory(contact=ContactFactory(account=AccountFactory(csm=None)), score=5)

    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)

    assert case.owner is None


def test_promoter_gets_the_promoter_playbook(default_playbooks, account):
    response = ResponseFactory(contact=ContactFactory(account=account), score=10)

    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)

    assert case.playbook == default_playbooks["promoter"]
    assert case.arr_at_risk == 0
    assert not Suppression.objects.exists()


def test_a_comment_delivered_after_the_case_opened_shows_on_its_timeline(
    default_playbooks, default_themes, account
):
    contact = ContactFactory(account=account)
    first = record_response(
        answer=AnswerIn(source="delighted", external_id="d-1", email=contact.email, score=3)
    )
    case = Case.objects.get(pk=process_response(response_id=first.response.pk).case_id)

    record_response(
        answer=AnswerIn(
            source="delighted",
            external_id="d-1",
            email=contact.email,
            score=3,
            comment="Support takes a week to answer",
        )
    )

    event = case.events.get(kind="answer_amended")
    assert "Support takes a week to answer" in event.message
    assert "Support" in set(first.response.themes.values_list("name", flat=True))
