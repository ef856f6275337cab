"""Erasing a person at their request (GDPR Art. 17): nothing of them stays, every figure does."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import serializers
from django.utils import timezone

from accounts.models import Contact, ErasedAddress, Persona
from imports.models import ImportJob, ImportKind, ImportStatus
from playbooks.models import Case, CaseOutcome, CaseStatus, StepKind
from playbooks.selectors import dashboard
from playbooks.selectors.dashboard import Slice
from playbooks.services.cases import (
    CaseActionRefused,
    add_action_item,
    log_call,
    raise_escalation,
    reopen_case,
)
from playbooks.services.engine import process_response
from playbooks.services.erasure import ContactNotFound, erase_contact
from surveys.answers import AnswerIn
from surveys.models import Invitation, InvitationStatus, Source, Suppression
from surveys.selectors import survey_clearance
from surveys.services import AddressErased, record_response
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InteractionFactory,
    InvitationFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db

EMAIL = "marie.dupont@acme-erasure.example"
NAME = "Marie Dupontel"
PHONE = "+33 6 12 34 56 78"
COMMENT = "The Zanzibar invoices were wrong three months running"


@pytest.fixture
def marie(default_playbooks, default_themes, csm):
    """A champion who answered twice, with a worked case, and a colleague whose case's 360°
    view quotes her; her details copied wherever NPS Loop copies them."""
    account = AccountFactory(csm=csm, arr=Decimal("50000"), renewal_date=None)
    contact = ContactFactory(
        account=account, email=EMAIL, name=NAME, phone=PHONE, persona=Persona.CHAMPION
    )
    first = ResponseFactory(
        contact=contact,
        score=2,
        comment=COMMENT,
        answered_at=timezone.now() - dt.timedelta(days=3),
        payload={"email": EMAIL, "name": NAME, "comment": COMMENT, "score": 2},
    )
    case = Case.objects.get(pk=process_response(response_id=first.pk).case_id)
    log_call(
        step=case.steps.get(kind=StepKind.QUALIFICATION_CALL),
        actor=csm,
        reached=True,
        notes="She wants a refund of the quarterly fee.",
    )
    add_action_item(
        case=case, actor=csm, audience="customer", text=f"Send {NAME} a goodwill voucher"
    )
    raise_escalation(case=case, actor=csm, reason=f"{NAME} threatens to leave, call {PHONE}")
    # A later comment reaches the case's timeline ("Comment: ...").
    record_response(
        answer=AnswerIn(
            source=first.source,
            external_id=first.external_id,
            email=EMAIL,
            score=2,
            comment=COMMENT + ", and nobody called back",
        )
    )
    ResponseFactory(contact=contact, score=9, comment="", answered_at=timezone.now())
    InteractionFactory(account=account, contact=contact, summary="Renewal lunch, she is unhappy")
    InvitationFactory(contact=contact, last_error=f"550 mailbox {EMAIL} full")
    colleague = ContactFactory(account=account, name="Paul Colleague")
    theirs = ResponseFactory(contact=colleague, score=4, comment="Support is slow.")
    colleagues_case = Case.objects.get(pk=process_response(response_id=theirs.pk).case_id)
    ImportJob.objects.create(
        kind=ImportKind.CONTACTS,
        file_name="crm.csv",
        stored_name="erasure-test.csv",
        size=10,
        status=ImportStatus.DONE,
        check_result={"errors": [{"line": 3, "message": f"'{EMAIL}' is on line 2 too."}]},
    )
    return {"contact": contact, "case": case, "colleagues_case": colleagues_case}


def every_row_as_text() -> str:
    """Every row of every table NPS Loop has, as JSON text."""
    return "\n".join(
        serializers.serialize("json", model.objects.all()) for model in apps.get_models()
    ).lower()


def answer_figures() -> dict:
    part = Slice(start=timezone.localdate() - dt.timedelta(days=30), end=timezone.localdate())
    return {
        "nps": dashboard.nps_of(part),
        "persona": dashboard.nps_by(part, "persona"),
        "months": dashboard.nps_by_month(part),
        "scores": dashboard.score_distribution(part),
        "comments": dashboard.comment_rate_by_month(part),
        "themes": dashboard.recurring_themes(part),
        "arr": dashboard.arr_at_risk(part),
    }


TRACES = (EMAIL, NAME, PHONE, "zanzibar", "renewal lunch", "goodwill voucher", "refund of")


def test_no_trace_of_the_person_stays_in_any_table(marie):
    before = every_row_as_text()
    assert all(trace.lower() in before for trace in TRACES)

    erase_contact(email=EMAIL)

    after = every_row_as_text()
    for trace in TRACES:
        assert trace.lower() not in after, trace


def test_scores_dates_themes_and_every_answer_figure_stay_the_same(marie):
    before = answer_figures()

    erase_contact(email=EMAIL)

    assert answer_figures() == before


def test_their_open_case_closes_as_contact_erased_and_its_suppression_ends(marie):
    case = marie["case"]
    assert case.suppression is not None

    summary = erase_contact(email=EMAIL)

    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, CaseOutcome.CONTACT_ERASED)
    assert summary.cases_closed == 1
    assert Suppression.objects.get(pk=case.suppression_id).lifted_at is not None
    assert case.events.filter(message__startswith="Contact erased").exists()
    # The colleague's case goes on: only what it said of her is gone.
    assert marie["colleagues_case"].status != CaseStatus.CLOSED


def test_the_erased_persons_case_cannot_be_reopened(marie, csm):
    erase_contact(email=EMAIL)

    with pytest.raises(CaseActionRefused):
        reopen_case(case=marie["case"], actor=csm, reason="Try again")


def test_the_contact_becomes_a_tombstone_that_keeps_persona_and_account(marie):
    contact = marie["contact"]

    erase_contact(email=EMAIL)

    contact.refresh_from_db()
    assert contact.is_erased and contact.opted_out
    assert (contact.name, contact.phone) == ("", "")
    assert contact.email == f"erased-{contact.pk}@erased.invalid"
    assert (contact.persona, contact.account_id) == (Persona.CHAMPION, marie["case"].account_id)
    assert contact.responses.count() == 2


def test_the_suppression_check_says_erased_and_no_survey_goes_to_them(marie):
    erase_contact(email=EMAIL)

    clearance = survey_clearance(email=" Marie.Dupont@ACME-erasure.example ")
    assert not clearance.allowed
    assert clearance.reason == "erased"
    assert not Invitation.objects.filter(
        contact=marie["contact"], status=InvitationStatus.SCHEDULED
    ).exists()


def test_only_a_keyed_hash_of_the_address_is_kept(marie):
    erase_contact(email=EMAIL)

    assert ErasedAddress.objects.holds(EMAIL)
    assert EMAIL not in ErasedAddress.objects.get().address_hash


def test_an_answer_arriving_after_the_erasure_is_refused_and_stores_nothing(marie):
    erase_contact(email=EMAIL)
    contacts = Contact.objects.count()

    with pytest.raises(AddressErased):
        record_response(
            answer=AnswerIn(source=Source.API, external_id="late-1", email=EMAIL, score=1)
        )

    assert Contact.objects.count() == contacts


def test_erasing_twice_changes_nothing_the_second_time(marie):
    erase_contact(email=EMAIL)
    before = every_row_as_text()

    again = erase_contact(email=EMAIL)

    assert again.already_erased
    assert every_row_as_text() == before


def test_an_unknown_address_is_refused_and_changes_nothing(db):
    with pytest.raises(ContactNotFound):
        erase_contact(email="nobody@nowhere.example")
    assert not ErasedAddress.objects.exists()


def test_the_log_carries_ids_and_counts_but_nothing_of_the_person(marie, caplog):
    caplog.set_level("INFO")

    erase_contact(email=EMAIL)

    logged = caplog.text.lower()
    assert f"contact erased id={marie['contact'].pk}" in logged
    assert EMAIL not in logged and "zanzibar" not in logged and NAME.lower() not in logged
