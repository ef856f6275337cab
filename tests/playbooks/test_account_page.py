"""The account page: its NPS over time and by persona, its people, answers and cases."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Persona
from core.models import ExchangeRate
from playbooks.models import Case
from playbooks.selectors.account_page import ANSWERS_SHOWN, CASES_SHOWN, CONTACTS_PER_PAGE
from playbooks.services.cases import reassign_case
from playbooks.services.engine import process_response
from surveys.models import Suppression, SuppressionReason
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(account) -> str:
    return reverse("account-detail", args=[account.pk])


@pytest.fixture
def account(csm):
    return AccountFactory(csm=csm, name="Globex")


def test_an_anonymous_visitor_is_sent_to_sign_in(client, account):
    assert client.get(url(account)).status_code == 302


def test_a_user_without_a_role_is_refused(client, account):
    client.force_login(UserFactory())

    assert client.get(url(account)).status_code == 403


def test_the_accounts_csm_and_the_managers_open_it(client, account, csm, manager):
    for user in (csm, manager):
        client.force_login(user)
        assert client.get(url(account)).status_code == 200


def test_another_csm_gets_a_404(client, account, other_csm):
    client.force_login(other_csm)

    assert client.get(url(account)).status_code == 404


def test_a_csm_holding_a_case_of_the_account_opens_it(
    client, default_playbooks, other_csm, manager
):
    account = AccountFactory(csm=None)
    response = ResponseFactory(contact=ContactFactory(account=account), score=2)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    reassign_case(case=case, actor=manager, owner=other_csm)
    client.force_login(other_csm)

    assert client.get(url(account)).status_code == 200


def test_the_accounts_csm_sees_all_its_cases_and_a_colleague_only_the_one_they_hold(
    client, default_playbooks, account, csm, other_csm, manager
):
    cases = [
        Case.objects.get(
            pk=process_response(
                response_id=ResponseFactory(contact=ContactFactory(account=account), score=2).pk
            ).case_id
        )
        for _ in range(3)
    ]
    reassign_case(case=cases[0], actor=manager, owner=other_csm)

    client.force_login(csm)
    page = client.get(url(account)).context["page"]
    assert (page.case_count, {case.pk for case in page.cases}) == (3, {c.pk for c in cases})

    client.force_login(other_csm)
    page = client.get(url(account)).context["page"]
    assert (page.case_count, [case.pk for case in page.cases]) == (1, [cases[0].pk])


def test_nps_is_pooled_and_shown_by_persona(client, account, csm):
    champion = ContactFactory(account=account, persona=Persona.CHAMPION, name="Ann Champion")
    user = ContactFactory(account=account, persona=Persona.USER)
    ResponseFactory(contact=champion, score=10)
    ResponseFactory(contact=user, score=2)
    ResponseFactory(contact=user, score=3)
    client.force_login(csm)

    reply = client.get(url(account))

    page = reply.context["page"]
    assert page.nps.nps == pytest.approx(100 * (1 - 2) / 3)
    assert {entry.label: entry.nps.responses for entry in page.by_persona} == {
        "User": 2,
        "Champion": 1,
    }
    assert page.voices == 2
    assert "Ann Champion" in reply.content.decode()


def test_each_contact_shows_their_last_score(client, account, csm):
    contact = ContactFactory(account=account)
    ResponseFactory(contact=contact, score=4, answered_at="2026-01-10T10:00:00Z")
    ResponseFactory(contact=contact, score=9, answered_at="2026-06-10T10:00:00Z")
    client.force_login(csm)

    page = client.get(url(account)).context["page"]

    assert [c.last_score for c in page.contacts if c.pk == contact.pk] == [9]


def test_comments_are_escaped(client, account, csm):
    ResponseFactory(contact=ContactFactory(account=account), score=1, comment="<script>x</script>")
    client.force_login(csm)

    page = client.get(url(account)).content.decode()

    assert "<script>x</script>" not in page


def test_the_arr_in_another_currency_shows_its_converted_amount_beside_it(client, account, csm):
    account.currency = "USD"
    account.save(update_fields=["currency"])
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.5"))
    client.force_login(csm)

    html = client.get(url(account)).content.decode()

    assert f"${account.arr:,.0f} (€{account.arr / 2:,.0f})" in html


@pytest.mark.parametrize("answers", [3, 300])
def test_the_query_count_does_not_grow_with_the_answers(
    client, account, csm, answers, django_assert_max_num_queries
):
    for _ in range(answers):
        ResponseFactory(contact=ContactFactory(account=account), score=7)
    client.force_login(csm)

    # 24: the settings row too, read once for the reporting currency of the ARR shown; the
    # latest answers' ids, picked before their details; the suppressions' people; how many
    # cases there are beside the latest ones shown
    with django_assert_max_num_queries(24):
        assert client.get(url(account)).status_code == 200


def test_the_nps_chart_has_every_month_since_the_first_answer_gaps_included(client, account, csm):
    contact = ContactFactory(account=account)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    three_months_ago = (this_month - dt.timedelta(days=80)).replace(day=1)  # always M-3
    ResponseFactory(contact=contact, score=10, answered_at=timezone.now())
    ResponseFactory(
        contact=contact,
        score=0,
        answered_at=timezone.make_aware(dt.datetime.combine(three_months_ago, dt.time(12))),
    )
    client.force_login(csm)

    html = client.get(url(account)).content.decode()
    series = json.loads(html.split('id="nps-by-month" type="application/json">')[1].split("<")[0])

    assert [point["nps"] for point in series] == [-100.0, None, None, 100.0]
    assert [point["answers"] for point in series] == [1, 0, 0, 1]
    assert series[0]["low"] < -50 < 50 < series[-1]["high"]
    assert 'data-chart-table="nps-by-month" open' in html  # readable without JavaScript


def test_the_paused_surveys_are_the_account_s_and_its_people_s_still_running(client, account, csm):
    now = timezone.now()
    paused = ContactFactory(account=account, email="paused@globex.example")
    elsewhere = ContactFactory(account=AccountFactory(), email="elsewhere@initech.example")
    Suppression.objects.create(
        account=account, reason=SuppressionReason.MANUAL, note="Renewal talks", starts_at=now
    )
    Suppression.objects.create(
        contact=paused, reason=SuppressionReason.BOUNCED, starts_at=now - dt.timedelta(days=1)
    )
    Suppression.objects.create(contact=elsewhere, reason=SuppressionReason.MANUAL, starts_at=now)
    Suppression.objects.create(
        contact=paused,
        reason=SuppressionReason.MANUAL,
        note="Over",
        starts_at=now - dt.timedelta(days=9),
        ends_at=now - dt.timedelta(days=2),
    )
    client.force_login(csm)

    shown = client.get(url(account)).context["page"].suppressions

    assert [(s.contact.email if s.contact else None, s.note) for s in shown] == [
        (None, "Renewal talks"),
        ("paused@globex.example", ""),
    ]


def test_the_latest_answers_come_newest_first_and_offer_a_case_only_without_one(
    client, account, csm, default_playbooks
):
    contact = ContactFactory(account=account)
    now = timezone.now()
    with_case = ResponseFactory(contact=contact, score=2, answered_at=now - dt.timedelta(days=1))
    process_response(response_id=with_case.pk)
    without = ResponseFactory(contact=contact, score=9, answered_at=now)
    client.force_login(csm)

    reply = client.get(url(account))

    assert [(a.pk, a.has_case) for a in reply.context["page"].answers] == [
        (without.pk, False),
        (with_case.pk, True),
    ]
    html = reply.content.decode()
    assert reverse("answer-open-case", args=[without.pk]) in html
    assert reverse("answer-open-case", args=[with_case.pk]) not in html


def test_the_people_of_a_large_account_come_a_page_at_a_time(client, account, csm):
    for n in range(CONTACTS_PER_PAGE + 5):
        ContactFactory(account=account, name=f"Person {n:02d}")
    client.force_login(csm)

    first = client.get(url(account))
    second = client.get(url(account), {"contacts": 2})

    assert [c.name for c in first.context["page"].contacts] == [
        f"Person {n:02d}" for n in range(CONTACTS_PER_PAGE)
    ]
    assert [c.name for c in second.context["page"].contacts] == [
        f"Person {n:02d}" for n in range(CONTACTS_PER_PAGE, CONTACTS_PER_PAGE + 5)
    ]
    html = first.content.decode()
    assert f"Contacts ({CONTACTS_PER_PAGE + 5})" in html
    assert "?contacts=2#contacts-title" in html


def test_a_large_account_shows_its_latest_answers_and_leads_to_all_of_them(client, account, csm):
    contact = ContactFactory(account=account)
    now = timezone.now()
    for n in range(ANSWERS_SHOWN + 3):
        ResponseFactory(contact=contact, score=8, answered_at=now - dt.timedelta(days=n))
    client.force_login(csm)

    reply = client.get(url(account))

    assert len(reply.context["page"].answers) == ANSWERS_SHOWN
    html = reply.content.decode()
    assert f'href="{reverse("answer-list")}?account={account.pk}"' in html
    assert f"All {ANSWERS_SHOWN + 3} answers" in html


def test_a_large_account_shows_its_latest_cases_and_leads_to_all_of_them_in_the_queue(
    client, account, csm, default_playbooks
):
    contact = ContactFactory(account=account)
    now = timezone.now()
    for n in range(CASES_SHOWN + 2):
        answer = ResponseFactory(contact=contact, score=3, answered_at=now - dt.timedelta(hours=n))
        process_response(response_id=answer.pk)
    client.force_login(csm)

    reply = client.get(url(account))

    page = reply.context["page"]
    assert len(page.cases) == CASES_SHOWN
    assert [case.opened_at for case in page.cases] == sorted(
        (case.opened_at for case in page.cases), reverse=True
    )
    html = reply.content.decode()
    assert f"Cases ({CASES_SHOWN + 2})" in html
    queue = f"{reverse('case-queue')}?status=all&amp;account={account.pk}"
    assert f'href="{queue}">All {CASES_SHOWN + 2} cases, in the queue</a>' in html

    listed = client.get(reverse("case-queue"), {"status": "all", "account": account.pk})

    assert listed.context["page"].paginator.count == CASES_SHOWN + 2
    assert "Account: <a" in listed.content.decode()


def test_a_small_account_lists_every_case_without_a_link(client, account, csm, default_playbooks):
    answer = ResponseFactory(contact=ContactFactory(account=account), score=3)
    process_response(response_id=answer.pk)
    client.force_login(csm)

    html = client.get(url(account)).content.decode()

    assert "Cases (1)" in html
    assert "cases, in the queue" not in html
