"""The risk-ranked queue: each case's score, stored where it lasts and kept right, and the
queue sorted by it."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Influence, Persona
from accounts.services.customers import save_account, save_contact
from core.models import LoopSettings
from imports.services.crm_sync import update_contact
from imports.services.customers import import_accounts
from playbooks import risk
from playbooks.models import Case
from playbooks.selectors import queue_rows, with_overdue, with_risk
from playbooks.selectors.queue import overdue
from playbooks.selectors.risk import risk_now
from playbooks.services.cases import raise_escalation
from playbooks.services.engine import process_response
from playbooks.services.risk import refresh_risk_base
from surveys.services.answering import answer_invitation, correct_answer
from tests.factories import AccountFactory, ContactFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

URL = reverse("case-queue")
FAR = 400  # days to a renewal beyond the horizon: no renewal points


def open_case(
    owner,
    *,
    score=3,
    arr="20000",
    renewal_in=FAR,
    persona=Persona.USER,
    influence=Influence.MEDIUM,
) -> Case:
    renewal = None if renewal_in is None else timezone.localdate() + dt.timedelta(renewal_in)
    account = AccountFactory(csm=owner, arr=Decimal(arr), renewal_date=renewal)
    contact = ContactFactory(account=account, persona=persona, influence=influence)
    response = ResponseFactory(contact=contact, score=score)
    return Case.objects.get(pk=process_response(response_id=response.pk).case_id)


def expected_base(case: Case) -> int:
    case = Case.objects.select_related("account", "contact", "response").get(pk=case.pk)
    return risk.base_points(
        arr=case.account.arr if case.account else 0,
        score=case.response.score,
        persona=case.contact.persona,
        influence=case.contact.influence,
        weights=risk.RiskWeights.of(LoopSettings.current()),
    )


def stored_base(case: Case) -> int:
    return Case.objects.values_list("risk_base", flat=True).get(pk=case.pk)


def rows(reply) -> list[int]:
    return [case.pk for case in reply.context["page"].object_list]


# --- the stored part ------------------------------------------------------------------


def test_a_case_opens_with_its_lasting_points_stored(default_playbooks, csm):
    case = open_case(
        csm, score=0, arr="100000", persona=Persona.DECISION_MAKER, influence=Influence.HIGH
    )

    assert stored_base(case) == 25 + 20 + 15


@pytest.mark.parametrize("score", [0, 4, 6, 8, 10])
@pytest.mark.parametrize("arr", ["0", "1999.99", "2000", "37123.45", "250000"])
def test_the_sql_update_agrees_with_the_arithmetic(default_playbooks, csm, score, arr):
    cases = [
        open_case(csm, score=score, arr=arr, persona=persona, influence=influence)
        for persona, influence in [
            (Persona.CHAMPION, Influence.HIGH),
            (Persona.ADMIN, Influence.MEDIUM),
            (Persona.OTHER, Influence.LOW),
        ]
    ]
    Case.objects.update(risk_base=0)

    refresh_risk_base(cases=Case.objects.all())

    assert [stored_base(case) for case in cases] == [expected_base(case) for case in cases]


def test_an_account_whose_arr_changes_moves_its_cases_score(default_playbooks, csm):
    case = open_case(csm, arr="10000")
    before = stored_base(case)
    account = case.account

    account.arr = Decimal("100000")
    save_account(account=account)

    assert stored_base(case) == before + 25 - 3
    assert stored_base(case) == expected_base(case)


def test_a_csv_import_of_accounts_moves_their_cases_score(default_playbooks, csm):
    case = open_case(csm, arr="0")
    csv = f"external_id,name,arr\n{case.account.external_id},Initech,100000\n"

    import_accounts(file=io.StringIO(csv))

    assert stored_base(case) == expected_base(case)
    assert stored_base(case) - risk.score_points(3, risk.RiskWeights()) - 4 == 25


def test_a_contact_who_becomes_a_decision_maker_raises_their_cases_score(default_playbooks, csm):
    case = open_case(csm, persona=Persona.USER, influence=Influence.LOW)
    before = stored_base(case)
    contact = case.contact

    contact.persona = Persona.DECISION_MAKER
    contact.influence = Influence.HIGH
    save_contact(contact=contact)

    assert stored_base(case) == before - 2 + 15


def test_a_contact_updated_through_the_api_moves_their_cases_score(default_playbooks, csm):
    case = open_case(csm, persona=Persona.USER, influence=Influence.LOW)

    update_contact(contact=case.contact, values={"persona": Persona.EXEC_SPONSOR})

    assert stored_base(case) == expected_base(case)
    assert stored_base(case) == risk.base_points(
        arr=Decimal("20000"),
        score=3,
        persona=Persona.EXEC_SPONSOR,
        influence=Influence.LOW,
        weights=risk.RiskWeights(),
    )


def test_a_corrected_score_moves_the_cases_score(default_playbooks):
    invitation = InvitationFactory()
    response = answer_invitation(invitation=invitation, score=5).response
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    before = stored_base(case)

    correct_answer(invitation=invitation, score=0)

    case.refresh_from_db()
    assert case.superseded_at is None  # the same playbook: the same case
    assert stored_base(case) == before + 20 - 9


def test_new_weights_recompute_every_case_on_save(client, admin_user, default_playbooks, csm):
    from tests.core.loop_settings_form import settings_form

    cases = [open_case(csm, arr="100000"), open_case(csm, score=9, arr="0")]
    client.force_login(admin_user)

    reply = client.post(
        reverse("configure-general"),
        settings_form(risk_weight_arr="45", risk_weight_renewal="0"),
    )

    assert reply.status_code == 302
    assert LoopSettings.current().risk_weight_arr == 45
    assert stored_base(cases[0]) == 45 + 13 + 4
    assert stored_base(cases[1]) == 0 + 0 + 4


# --- the score now, and the queue -----------------------------------------------------


@pytest.mark.parametrize("renewal_in", [None, -40, -30, -1, 0, 1, 45, 90, 179, 180, FAR])
def test_the_sql_score_now_agrees_with_the_parts_shown(default_playbooks, csm, renewal_in):
    case = open_case(csm, renewal_in=renewal_in)
    raise_escalation(case=case, actor=csm, reason="The sponsor is furious")
    Case.objects.filter(pk=case.pk).update(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    now = timezone.now()
    weights = risk.RiskWeights.of(LoopSettings.current())

    in_sql = (
        Case.objects.filter(pk=case.pk)
        .annotate(risk=risk_now(weights, today=timezone.localdate(now), overdue=overdue(now)))
        .values_list("risk", flat=True)
        .get()
    )
    [shown] = queue_rows(user=csm, case_ids=[case.pk], now=now)

    assert in_sql == shown.risk.total
    parts = {part.name: part.points for part in shown.risk.parts}
    assert parts["escalation"] == 10
    assert parts["overdue"] == 10
    assert parts["renewal"] == risk.renewal_points(
        case.account.renewal_date, timezone.localdate(now), weights
    )


def test_the_queue_puts_the_riskiest_case_first(client, default_playbooks, csm, manager):
    calm = open_case(manager, score=9, arr="5000")
    big = open_case(csm, score=2, arr="300000", persona=Persona.DECISION_MAKER)
    renewing = open_case(csm, score=6, arr="40000", renewal_in=10)
    client.force_login(manager)

    # The manager's own case does not jump the queue: risk comes first for everyone.
    assert rows(client.get(URL)) == [big.pk, renewing.pk, calm.pk]


def test_an_escalation_moves_a_case_up_the_queue(client, default_playbooks, csm):
    first = open_case(csm, score=4)
    second = open_case(csm, score=5)
    client.force_login(csm)
    assert rows(client.get(URL)) == [first.pk, second.pk]

    raise_escalation(case=second, actor=csm, reason="Threatens to leave")

    assert rows(client.get(URL)) == [second.pk, first.pk]


def test_equal_scores_keep_the_oldest_case_first(client, default_playbooks, csm):
    older = open_case(csm)
    newer = open_case(csm)
    client.force_login(csm)

    assert rows(client.get(URL)) == [older.pk, newer.pk]


def test_each_row_shows_its_score_and_the_parts_behind_it(client, default_playbooks, csm):
    case = open_case(
        csm, score=0, arr="100000", persona=Persona.DECISION_MAKER, influence=Influence.HIGH
    )
    client.force_login(csm)

    page = client.get(URL).content.decode()

    # 100 000 of ARR is over the escalation rule's threshold: the case opens escalated.
    assert 'aria-label="Risk score 70 of 100"' in page
    assert f'data-risk-parts="risk-parts-{case.pk}"' in page
    tooltip = page.split(f'<template id="risk-parts-{case.pk}">')[1].split("</template>")[0]
    assert "ARR at stake" in tooltip and "25 of 25" in tooltip
    assert "Contact&#x27;s influence" in tooltip and "15 of 15" in tooltip
    assert "Renewal" in tooltip and "0 of 20" in tooltip
    assert "Escalated" in tooltip and "10 of 10" in tooltip
    assert "js/risk-tooltips.js" in page


def test_the_case_page_lists_the_parts(client, default_playbooks, csm):
    case = open_case(csm, score=0, arr="50000")
    client.force_login(csm)

    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    section = page.split('id="risk-title"')[1].split("</section>")[0]
    assert "Risk score" in section
    assert "13 of 25" in section  # ARR at stake: half the full amount, rounded up
    assert "20 of 20" in section  # a score of 0


def test_a_french_reader_reads_the_score_in_french(client, default_playbooks, csm):
    csm.language = "fr"
    csm.save()
    case = open_case(csm, score=0, arr="100000")
    client.force_login(csm)

    queue = client.get(URL).content.decode()
    detail = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    assert "Score de risque 59 sur 100" in queue
    assert "Risque 59 sur 100" in queue  # the title of its parts
    assert "ARR en jeu" in queue
    assert "Plus risqués d’abord" in queue
    assert "ARR at stake" not in queue
    assert "Score de risque" in detail
    assert "Influence du contact" in detail


def test_the_api_gives_the_score_and_its_parts(api_client, default_playbooks, csm):
    case = open_case(csm, score=0, arr="100000", renewal_in=0)

    listed = api_client.get("/api/v1/cases").json()["results"][0]
    detail = api_client.get(f"/api/v1/cases/{case.pk}").json()

    # ARR, renewal, answer, a user of medium influence, and the ARR rule's escalation.
    assert listed["risk_score"] == detail["risk_score"] == 25 + 20 + 20 + 4 + 10
    assert listed["risk_parts"] == detail["risk_parts"]
    assert detail["risk_parts"][:2] == [
        {"name": "arr", "points": 25, "weight": 25},
        {"name": "renewal", "points": 20, "weight": 20},
    ]
    assert [part["name"] for part in detail["risk_parts"]] == list(risk.PART_LABELS)


def test_rows_read_without_the_overdue_annotation_count_no_overdue_points(default_playbooks, csm):
    case = open_case(csm)
    Case.objects.filter(pk=case.pk).update(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    now = timezone.now()

    [annotated] = with_risk(list(with_overdue(Case.objects.filter(pk=case.pk), now=now)), now=now)

    assert {p.name: p.points for p in annotated.risk.parts}["overdue"] == 10
