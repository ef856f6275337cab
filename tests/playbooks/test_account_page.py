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
from playbooks.services.cases import reassign_case
from playbooks.services.engine import process_response
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

    # 21: the settings row too, read once for the reporting currency of the ARR shown
    with django_assert_max_num_queries(21):
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
