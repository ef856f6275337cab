"""One account, one case: with a playbook that groups the answers of one account, a new
answer from an account with an open case of that playbook joins it."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from playbooks.models import (
    ActionAudience,
    ActionStatus,
    Case,
    CaseAnswer,
    CaseOutcome,
    CaseStatus,
    EscalationRule,
    Playbook,
    StepKind,
)
from playbooks.services.cases import (
    add_action_item,
    close_case,
    log_call,
    set_action_item_status,
)
from playbooks.services.engine import process_response, process_responses
from surveys.services.responses import AnswerIn, record_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/suppressions/check"


@pytest.fixture
def grouping(default_playbooks):
    playbook = default_playbooks["detractor"]
    playbook.group_by_account = True
    playbook.save(update_fields=["group_by_account"])
    return playbook


@pytest.fixture
def account(csm):
    # Below the ARR threshold and with no renewal date: only the detractor count escalates.
    return AccountFactory(csm=csm, arr=Decimal("1000"), renewal_date=None)


def answer(account, score, name=None, **fields):
    contact = ContactFactory(account=account, **({"name": name} if name else {}))
    return ResponseFactory(contact=contact, score=score, **fields)


def test_two_detractors_of_one_account_make_one_case_with_both_answers(grouping, account):
    first, second = answer(account, 3), answer(account, 5, name="Bea Martin")

    case_id = process_response(response_id=first.pk).case_id
    joined = process_response(response_id=second.pk)

    assert joined.case_id == case_id
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert [row.response for row in case.joined_answers.all()] == [second]
    event = case.events.get(kind="answer_joined")
    assert "Bea Martin" in event.message and "answered 5" in event.message


def test_replaying_a_joined_answer_creates_nothing(grouping, account):
    first, second = answer(account, 3), answer(account, 4)
    process_response(response_id=first.pk)
    case_id = process_response(response_id=second.pk).case_id

    replay = process_response(response_id=second.pk)

    assert replay.already and replay.case_id == case_id
    assert Case.objects.count() == 1
    assert CaseAnswer.objects.count() == 1
    assert Case.objects.get().events.filter(kind="answer_joined").count() == 1


def test_without_grouping_each_answer_opens_its_own_case(default_playbooks, account):
    process_response(response_id=answer(account, 3).pk)
    process_response(response_id=answer(account, 4).pk)

    assert Case.objects.count() == 2
    assert not CaseAnswer.objects.exists()


def test_a_closed_case_is_not_joined(grouping, account, csm):
    first = answer(account, 3)
    case = Case.objects.get(pk=process_response(response_id=first.pk).case_id)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)

    outcome = process_response(response_id=answer(account, 2).pk)

    assert outcome.case_id != case.pk
    assert Case.objects.count() == 2


def test_answers_of_other_accounts_and_other_playbooks_do_not_join(grouping, account, csm):
    case_id = process_response(response_id=answer(account, 3).pk).case_id

    elsewhere = process_response(response_id=answer(AccountFactory(csm=csm), 3).pk)
    promoter = process_response(response_id=answer(account, 10).pk)

    assert case_id not in (elsewhere.case_id, promoter.case_id)
    assert not CaseAnswer.objects.exists()


def test_two_answers_of_one_account_in_one_batch_make_one_case(grouping, account):
    first, second = answer(account, 3), answer(account, 6)

    batch = process_responses(response_ids=[first.pk, second.pk])

    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert {outcome.case_id for outcome in batch.processed} == {case.pk}
    assert case.response == first
    assert list(case.joined_answers.values_list("response", flat=True)) == [second.pk]


def test_the_third_detractor_joining_escalates_the_case(grouping, account):
    case_id = process_response(response_id=answer(account, 3).pk).case_id
    process_response(response_id=answer(account, 4).pk)
    case = Case.objects.get(pk=case_id)
    assert not case.escalations.filter(rule=EscalationRule.REPEATED_DETRACTORS).exists()

    process_response(response_id=answer(account, 2).pk)

    escalation = case.escalations.get(rule=EscalationRule.REPEATED_DETRACTORS)
    assert escalation.reason.startswith("3 detractors at this account")
    assert case.events.filter(kind="escalation_raised").exists()
    case.refresh_from_db()
    assert case.priority >= 2


def test_a_joined_answer_corrected_to_a_promoter_leaves_the_case(grouping, account):
    contact = ContactFactory(account=account)
    process_response(response_id=answer(account, 3).pk)
    fields = {"source": "api", "external_id": "grouped-1", "email": contact.email}
    joined = record_response(answer=AnswerIn(**fields, score=4)).response
    case_id = process_response(response_id=joined.pk).case_id

    record_response(answer=AnswerIn(**fields, score=10))
    outcome = process_response(response_id=joined.pk)

    assert not CaseAnswer.objects.exists()
    assert outcome.case_id != case_id  # the promoter's own thank-you case
    case = Case.objects.get(pk=case_id)
    assert "leaves this case" in case.events.get(kind="joined_answer_amended").message


def test_the_case_and_account_pages_list_the_joined_answers(grouping, account, client, csm):
    case_id = process_response(response_id=answer(account, 3).pk).case_id
    process_response(response_id=answer(account, 5, comment="Still slow").pk)
    client.force_login(csm)

    case_page = client.get(reverse("case-detail", args=[case_id]))
    account_page = client.get(reverse("account-detail", args=[account.pk]))

    for page in (case_page, account_page):
        assert page.status_code == 200
        assert "Joined answers" in page.content.decode()
        assert "Still slow" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_two_answers_of_one_account_open_one_case(grouping, account):
    answers = [answer(account, score) for score in (2, 3, 4, 5)]
    barrier = threading.Barrier(len(answers))

    def work(response):
        try:
            barrier.wait(timeout=10)
            return process_response(response_id=response.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(answers)) as pool:
        outcomes = list(pool.map(work, answers))

    assert Case.objects.count() == 1
    assert {outcome.case_id for outcome in outcomes} == {Case.objects.get().pk}
    assert CaseAnswer.objects.count() == 3


def _statements(captured) -> list[str]:
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT"
    return statements[1:-1]


@pytest.mark.django_db(transaction=True)
def test_grouping_costs_two_statements_more_to_open_and_one_more_to_join(grouping, account):
    """The lock on (playbook, account) and the look for its open case: 8 + 2 to open; a
    joining answer writes no case or steps, and stays within 8 + 3, its escalation rule
    judged again and (a colleague of the case's contact) the survey pause widened to the
    account included."""
    process_response(response_id=answer(account, 2).pk)  # settings and playbooks read
    opening, joining = answer(AccountFactory(csm=account.csm), 3), answer(account, 4)

    with CaptureQueriesContext(connection) as opened:
        process_response(response_id=opening.pk)
    with CaptureQueriesContext(connection) as joined:
        outcome = process_response(response_id=joining.pk)

    assert len(_statements(opened)) <= 10, "\n".join(_statements(opened))
    assert len(_statements(joined)) <= 11, "\n".join(_statements(joined))
    assert CaseAnswer.objects.get(response=joining).case_id == outcome.case_id


def test_a_joined_answer_leads_to_its_case_from_the_answers_page_and_gets_no_second_case(
    grouping, account, client, csm
):
    case_id = process_response(response_id=answer(account, 3).pk).case_id
    joined = answer(account, 5)
    process_response(response_id=joined.pk)
    client.force_login(csm)

    listed = client.get(reverse("answer-list"), {"case": "with"}).content.decode()
    opened = client.post(
        reverse("answer-open-case", args=[joined.pk]), {"playbook": grouping.pk}, follow=True
    )

    assert reverse("case-detail", args=[case_id]) in listed
    assert "Joined the account's case" in listed
    assert opened.redirect_chain[-1][0] == reverse("case-detail", args=[case_id])
    assert Case.objects.count() == 1


def test_an_admin_turns_grouping_on_in_the_playbook_editor(client, admin_user, default_playbooks):
    client.force_login(admin_user)
    trigger = {
        "name": "Enterprise detractors",
        "active": "on",
        "for_detractors": "on",
        "priority": "10",
        "sla_business_days": "1",
        "group_by_account": "on",
    }

    form = client.get(reverse("playbook-new")).content.decode()
    client.post(reverse("playbook-new"), trigger)

    assert "group answers of one account" in form.lower()
    assert Playbook.objects.get(name="Enterprise detractors").group_by_account
    assert not default_playbooks["detractor"].group_by_account  # off unless turned on


def test_the_api_lists_every_answer_of_a_grouped_case_and_finds_it_by_any(
    grouping, account, api_client
):
    first, second = answer(account, 2), answer(account, 5)
    case_id = process_response(response_id=first.pk).case_id
    process_response(response_id=second.pk)
    other = Case.objects.get(
        pk=process_response(response_id=answer(AccountFactory(), 1).pk).case_id
    )

    rows = api_client.get("/api/v1/cases").json()["results"]
    detail = api_client.get(f"/api/v1/cases/{case_id}").json()
    by_joined = api_client.get("/api/v1/cases", {"response": second.pk}).json()["results"]

    assert {row["id"]: row["response_ids"] for row in rows} == {
        case_id: [first.pk, second.pk],
        other.pk: [other.response_id],
    }
    assert detail["response_ids"] == [first.pk, second.pk]
    assert [row["id"] for row in by_joined] == [case_id]
    assert api_client.get("/api/v1/cases", {"response": first.pk}).json()["count"] == 1
    assert api_client.get("/api/v1/cases", {"response": ""}).json()["count"] == 2
    reply = api_client.get("/api/v1/cases", {"response": "x"})
    assert (reply.status_code, list(reply.json()["error"]["fields"])) == (400, ["response"])


def test_a_colleague_joining_pauses_surveys_to_the_whole_account_until_the_case_closes(
    grouping, account, api_client, csm, root_cause
):
    first = answer(account, 2)
    case = Case.objects.get(pk=process_response(response_id=first.pk).case_id)
    colleague = answer(account, 4)
    bystander = ContactFactory(account=account)

    def may_survey(contact) -> bool:
        return api_client.get(CHECK, {"email": contact.email}).json()["allowed"]

    assert (may_survey(first.contact), may_survey(colleague.contact)) == (False, True)

    process_response(response_id=colleague.pk)

    assert [may_survey(c) for c in (first.contact, colleague.contact, bystander)] == [False] * 3
    assert case.events.filter(kind="suppression_widened").count() == 1
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Call")
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem="Fixed.",
        root_cause=root_cause,
    )
    assert [may_survey(c) for c in (first.contact, colleague.contact, bystander)] == [True] * 3


def test_the_same_person_answering_again_keeps_the_pause_on_them_alone(
    grouping, account, api_client
):
    first = answer(account, 2)
    case_id = process_response(response_id=first.pk).case_id
    process_response(response_id=ResponseFactory(contact=first.contact, score=3).pk)

    bystander = ContactFactory(account=account)
    assert api_client.get(CHECK, {"email": bystander.email}).json()["allowed"] is True
    assert not Case.objects.get(pk=case_id).events.filter(kind="suppression_widened").exists()
