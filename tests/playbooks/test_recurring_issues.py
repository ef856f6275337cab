"""Recurring issues: the root causes of the cases closed in a period and the themes of its
answers, with their cases, accounts, detractor answers and ARR, against the period before;
the page, its CSV, the API and the drill-down to cases and answers."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import ExchangeRate
from playbooks.models import RootCause
from playbooks.selectors.recurring import BY_ARR, recurring_issues
from surveys.models import Theme
from surveys.services.integrations import create_integration
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, closed_case

pytestmark = pytest.mark.django_db

MARCH = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31)}
PAGE = reverse("recurring-issues")
EXPORT = reverse("recurring-issues-export")
API = reverse("api-recurring-issues")


def on(day: int, month: int = 3) -> dt.datetime:
    """Noon of a day of 2026, in the server's time zone."""
    return timezone.make_aware(dt.datetime(2026, month, day, 12))


def cause(name: str) -> RootCause:
    return RootCause.objects.get(name=name)


def row_of(rows, name: str):
    return next(row for row in rows if row.name == name)


@pytest.fixture
def accounts(db):
    return {
        "acme": AccountFactory(name="Acme", arr=Decimal("100000")),
        "globex": AccountFactory(name="Globex", arr=Decimal("50000")),
    }


@pytest.fixture
def march(root_cause, csm, accounts):
    """Support › Response time twice at Acme (one detractor, one passive) and Support ›
    Quality of answers once at Globex in March; Response time once in February (the
    previous period) and once in April (after it)."""
    acme, globex = accounts["acme"], accounts["globex"]
    quality = cause("Quality of answers")
    return [
        closed_case(root_cause=root_cause, actor=csm, account=acme, closed_at=on(3), score=2),
        closed_case(root_cause=root_cause, actor=csm, account=acme, closed_at=on(20), score=8),
        closed_case(root_cause=quality, actor=csm, account=globex, closed_at=on(31), score=5),
        closed_case(root_cause=root_cause, actor=csm, account=globex, closed_at=on(14, 2)),
        closed_case(root_cause=root_cause, actor=csm, account=globex, closed_at=on(1, 4)),
    ]


# --- the figures ----------------------------------------------------------------------------


def test_the_previous_period_is_the_same_number_of_days_just_before():
    issues = recurring_issues(**MARCH)

    assert (issues.previous_start, issues.previous_end) == (
        dt.date(2026, 1, 29),
        dt.date(2026, 2, 28),
    )


def test_a_sub_cause_counts_the_cases_closed_with_it_in_the_period(march):
    support = row_of(recurring_issues(**MARCH).root_causes, "Support")
    response_time = row_of(support.sub_rows, "Response time")

    assert response_time.now.cases == 2
    assert (response_time.previous_count, response_time.change) == (1, 1)


def test_a_cause_adds_up_its_sub_causes(march):
    support = row_of(recurring_issues(**MARCH).root_causes, "Support")

    assert [row.name for row in support.sub_rows] == ["Response time", "Quality of answers"]
    assert support.now.cases == 3
    assert support.before.cases == 1


def test_arr_counts_each_account_once(march):
    support = row_of(recurring_issues(**MARCH).root_causes, "Support")
    response_time = row_of(support.sub_rows, "Response time")

    assert (response_time.now.accounts, response_time.now.arr) == (1, Decimal("100000"))
    assert (support.now.accounts, support.now.arr) == (2, Decimal("150000"))
    assert (support.before.accounts, support.before.arr) == (1, Decimal("50000"))


def test_detractor_answers_are_those_scored_0_to_6(march):
    support = row_of(recurring_issues(**MARCH).root_causes, "Support")

    assert support.now.detractor_answers == 2  # the 2 and the 5, not the 8


def test_the_totals_count_every_case_closed_with_a_root_cause(march):
    issues = recurring_issues(**MARCH)

    assert (issues.closed.cases, issues.closed.accounts, issues.closed.arr) == (
        3,
        2,
        Decimal("150000"),
    )
    assert issues.closed_before.cases == 1
    assert issues.currency == "EUR"
    assert issues.currencies == ["EUR"]
    assert issues.unconverted_currencies == []


def test_arr_in_other_currencies_is_converted_to_the_reporting_currency(march, accounts):
    accounts["globex"].currency = "USD"
    accounts["globex"].save(update_fields=["currency"])
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.8"))

    issues = recurring_issues(**MARCH)

    assert issues.closed.arr == Decimal("140000.00")  # 100 000 EUR + 50 000 USD × 0.8
    assert row_of(issues.root_causes, "Support").sub_rows[1].now.arr == Decimal("40000.00")
    assert issues.unconverted_currencies == []


def test_arr_in_a_currency_without_a_rate_is_left_out_and_named(march, accounts):
    accounts["globex"].currency = "CHF"
    accounts["globex"].save(update_fields=["currency"])

    issues = recurring_issues(**MARCH)

    assert (issues.closed.accounts, issues.closed.arr) == (2, Decimal("100000"))
    assert issues.unconverted_currencies == ["CHF"]


def test_the_page_shows_the_arr_with_the_symbol_and_names_a_currency_without_a_rate(
    client, manager, march, accounts
):
    accounts["globex"].currency = "CHF"
    accounts["globex"].save(update_fields=["currency"])
    client.force_login(manager)

    page = client.get(PAGE, {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()

    assert "€100,000" in page
    assert "The ARR of accounts in CHF is left out" in page
    assert "not converted" not in page


def test_cases_with_nothing_to_fix_are_left_out_and_counted_apart(csm):
    closed_case(root_cause=cause("Nothing to fix"), actor=csm, closed_at=on(5), score=10)

    issues = recurring_issues(**MARCH)

    assert issues.root_causes == []
    assert issues.closed_with_no_issue == 1


def test_a_case_closed_before_root_causes_is_counted_apart(csm, root_cause):
    case = closed_case(root_cause=root_cause, actor=csm, closed_at=on(5))
    type(case).objects.filter(pk=case.pk).update(root_cause=None)

    issues = recurring_issues(**MARCH)

    assert issues.root_causes == []
    assert issues.closed_without_root_cause == 1


def test_a_root_cause_gone_since_the_previous_period_shows_its_fall(csm, root_cause):
    closed_case(root_cause=root_cause, actor=csm, closed_at=on(14, 2))

    support = recurring_issues(**MARCH).root_causes[0]

    assert (support.now.cases, support.previous_count, support.change) == (0, 1, -1)


def test_rows_sort_by_arr_when_asked(csm, accounts, root_cause):
    closed_case(root_cause=root_cause, actor=csm, account=accounts["globex"], closed_at=on(2))
    closed_case(root_cause=root_cause, actor=csm, account=accounts["globex"], closed_at=on(3))
    product = cause("Billing errors")
    closed_case(root_cause=product, actor=csm, account=accounts["acme"], closed_at=on(4))

    by_cases = recurring_issues(**MARCH).root_causes
    by_arr = recurring_issues(**MARCH, sort=BY_ARR).root_causes

    assert [row.name for row in by_cases] == ["Support", "Product"]
    assert [row.name for row in by_arr] == ["Product", "Support"]


def test_a_theme_counts_its_answers_cases_accounts_detractors_and_arr(csm, accounts, root_cause):
    billing = Theme.objects.create(name="Invoicing", name_fr="Factures", keywords_en="invoice")
    acme, globex = accounts["acme"], accounts["globex"]
    with_case = closed_case(root_cause=root_cause, actor=csm, account=acme, score=3)
    with_case.response.themes.add(billing)
    type(with_case.response).objects.filter(pk=with_case.response_id).update(answered_at=on(2))
    for score, account in ((9, acme), (6, globex)):
        answer = ResponseFactory(
            contact=ContactFactory(account=account), score=score, answered_at=on(10)
        )
        answer.themes.add(billing)
    earlier = ResponseFactory(contact=ContactFactory(account=acme), answered_at=on(10, 2))
    earlier.themes.add(billing)

    row = row_of(recurring_issues(**MARCH).themes, "Invoicing")

    assert row.now.answers == 3
    assert row.now.cases == 1
    assert (row.now.accounts, row.now.arr) == (2, Decimal("150000"))
    assert row.now.detractor_answers == 2
    assert (row.previous_count, row.change) == (1, 2)


# --- the page -------------------------------------------------------------------------------


def test_a_csm_may_not_open_the_page_nor_its_csv(client, csm):
    client.force_login(csm)

    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_someone_signed_out_is_sent_to_sign_in(client):
    assert client.get(PAGE)["Location"].startswith(reverse("login"))


def test_managers_find_it_beside_the_dashboard_and_on_their_home(client, manager, csm):
    client.force_login(manager)
    assert f'href="{PAGE}"' in client.get(reverse("dashboard")).content.decode()
    assert f'href="{PAGE}"' in client.get(reverse("home")).content.decode()

    client.force_login(csm)
    assert f'href="{PAGE}"' not in client.get(reverse("home")).content.decode()


def test_the_menu_shows_the_dashboard_as_the_current_section(client, manager):
    client.force_login(manager)

    html = client.get(PAGE).content.decode()

    assert f'<a class="nav-link active" href="{reverse("dashboard")}"' in html


def test_the_page_lists_causes_with_drill_downs_to_their_cases(client, manager, march):
    client.force_login(manager)

    html = client.get(PAGE, {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()

    support = cause("Support")
    drill_down = (
        f"/cases/?status=all&amp;root_cause={support.pk}"
        "&amp;closed_from=2026-03-01&amp;closed_to=2026-03-31"
    )
    assert f'<a href="{drill_down}">Support</a>' in html
    assert "Response time" in html and "Quality of answers" in html
    assert '<span class="figure-change issue-worse">+2</span>' in html  # Support: 3 against 1


def test_the_page_says_how_to_go_on_when_nothing_recurred(client, manager):
    client.force_login(manager)

    html = client.get(PAGE, {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()

    assert "Nothing recurred in this period" in html
    assert "See the last 12 months" in html


def test_a_period_that_ends_before_it_starts_falls_back_to_the_last_12_months(client, manager):
    client.force_login(manager)

    issues = client.get(PAGE, {"start": "2026-03-31", "end": "2026-03-01"}).context["issues"]

    assert issues.end == timezone.localdate()


def test_a_wrong_date_keeps_the_order_asked_for(client, manager):
    client.force_login(manager)

    issues = client.get(PAGE, {"start": "someday", "sort": "arr"}).context["issues"]

    assert issues.sort == "arr"


def test_the_page_reads_in_french(client, manager, march):
    manager.language = "fr"
    manager.save()
    client.force_login(manager)

    html = client.get(PAGE, {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()

    assert "Problèmes récurrents" in html
    assert "Délai de réponse" in html
    assert "Causes racines" in html
    assert "Recurring issues" not in html


def test_the_query_count_does_not_grow_with_the_data(
    client, manager, csm, root_cause, django_assert_max_num_queries
):
    client.force_login(manager)
    query = {"start": "2026-03-01", "end": "2026-03-31"}

    def add(count: int) -> None:
        for n in range(count):
            case = closed_case(root_cause=root_cause, actor=csm, closed_at=on(n + 1), score=n)
            case.response.themes.add(*Theme.objects.all()[:2])
            type(case.response).objects.filter(pk=case.response_id).update(answered_at=on(n + 1))

    add(2)
    with django_assert_max_num_queries(20) as few:
        client.get(PAGE, query)
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(PAGE, query)


# --- the CSV --------------------------------------------------------------------------------


def read_csv(reply) -> list[list[str]]:
    return list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))


def test_the_csv_has_the_figures_of_the_page(client, manager, march):
    client.force_login(manager)

    reply = client.get(EXPORT, {"start": "2026-03-01", "end": "2026-03-31"})

    assert reply["Content-Disposition"] == (
        'attachment; filename="recurring-issues-2026-03-01-2026-03-31.csv"'
    )
    rows = read_csv(reply)
    assert rows[0] == [
        "Kind",
        "Cause",
        "Name",
        "Answers",
        "Cases",
        "Accounts",
        "Detractor answers",
        "ARR affected (EUR)",
        "Previous period",
        "Change",
    ]
    assert rows[1] == ["Root cause", "", "Support", "", "3", "2", "2", "150000.00", "1", "2"]
    assert rows[2] == [
        "Sub-cause",
        "Support",
        "Response time",
        "",
        "2",
        "1",
        "1",
        "100000.00",
        "1",
        "1",
    ]


def test_the_csv_writes_a_name_a_spreadsheet_would_run_behind_a_quote(client, manager, csm):
    formula = RootCause.objects.create(name='=HYPERLINK("http://x")')
    closed_case(root_cause=formula, actor=csm, closed_at=on(5))
    client.force_login(manager)

    rows = read_csv(client.get(EXPORT, {"start": "2026-03-01", "end": "2026-03-31"}))

    assert rows[1][2] == '\'=HYPERLINK("http://x")'
    assert rows[1][-1] == "1"  # a number stays a number


# --- the API --------------------------------------------------------------------------------


def test_the_api_gives_the_figures_of_the_page(api_client, march):
    body = api_client.get(API, {"from": "2026-03-01", "to": "2026-03-31"}).json()

    assert body["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    assert body["previous_period"] == {"start": "2026-01-29", "end": "2026-02-28"}
    support = body["root_causes"][0]
    assert (support["name"], support["change"]) == ("Support", 2)
    assert support["current"] == {
        "cases": 3,
        "accounts": 2,
        "detractor_answers": 2,
        "arr": "150000.00",
    }
    assert support["previous"]["cases"] == 1
    assert [sub["name_fr"] for sub in support["sub_causes"]] == [
        "Délai de réponse",
        "Qualité des réponses",
    ]
    assert body["closed"]["cases"] == 3
    assert body["currencies"] == ["EUR"]


def test_the_api_refuses_a_period_that_ends_before_it_starts(api_client):
    reply = api_client.get(API, {"from": "2026-03-31", "to": "2026-03-01"})

    assert reply.status_code == 400
    assert reply.json()["error"]["fields"] == {
        "to": ["The period ends before it starts: give a day from 2026-03-31 on."]
    }


@pytest.mark.parametrize(
    ("query", "field"), [({"from": "31/03/2026"}, "from"), ({"to": "2026-02-30"}, "to")]
)
def test_the_api_names_a_date_it_cannot_read(api_client, query, field):
    reply = api_client.get(API, query)

    assert reply.status_code == 400
    assert list(reply.json()["error"]["fields"]) == [field]


def test_the_api_is_for_api_keys_managers_and_admins_only(client, csm, manager):
    tool_key = create_integration(name="Delighted", kind="delighted").key

    assert client.get(API).status_code == 401
    assert client.get(API, headers={"Authorization": f"Bearer {tool_key}"}).status_code == 403
    client.force_login(csm)
    assert client.get(API).status_code == 403
    client.force_login(manager)
    assert client.get(API).status_code == 200


# --- the drill-down -------------------------------------------------------------------------


def test_the_queue_narrows_to_a_cause_its_sub_causes_and_the_days_closed(client, manager, march):
    client.force_login(manager)
    support = cause("Support")

    reply = client.get(
        reverse("case-queue"),
        {
            "status": "all",
            "root_cause": support.pk,
            "closed_from": "2026-03-01",
            "closed_to": "2026-03-31",
        },
    )

    listed = {case.pk for case in reply.context["page"].object_list}
    assert listed == {case.pk for case in march[:3]}
    html = reply.content.decode()
    assert '<span class="badge root-cause-badge">Support</span>' in html
    assert "Remove this filter" in html


def test_the_queue_narrows_to_a_sub_cause_alone(client, manager, march):
    client.force_login(manager)
    quality = cause("Quality of answers")

    reply = client.get(reverse("case-queue"), {"status": "all", "root_cause": quality.pk})

    assert [case.pk for case in reply.context["page"].object_list] == [march[2].pk]


def test_an_unknown_root_cause_in_the_queue_filters_nothing(client, manager, march):
    client.force_login(manager)

    reply = client.get(reverse("case-queue"), {"status": "all", "root_cause": "987654"})

    assert len(reply.context["page"].object_list) == len(march)


def test_a_theme_leads_to_its_answers_of_the_period(client, manager, accounts):
    billing = Theme.objects.create(name="Invoicing", keywords_en="invoice")
    inside = ResponseFactory(contact=ContactFactory(account=accounts["acme"]), answered_at=on(9))
    outside = ResponseFactory(
        contact=ContactFactory(account=accounts["acme"]), answered_at=on(9, 4)
    )
    for answer in (inside, outside):
        answer.themes.add(billing)
    client.force_login(manager)

    html = client.get(PAGE, {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    link = f"/responses/?theme={billing.pk}&amp;answered_from=2026-03-01&amp;answered_to=2026-03-31"
    assert link in html
    listed = client.get(link.replace("&amp;", "&")).context["page"].object_list

    assert [answer.pk for answer in listed] == [inside.pk]
