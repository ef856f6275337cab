"""A manager's week in the browser: the dashboard follows its pickers, an escalation is
acknowledged from the list, the recurring issues lead to their cases."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Segment
from playbooks.defaults import install_default_playbooks
from playbooks.models import Escalation
from playbooks.services.engine import process_response
from surveys.defaults import install_default_themes
from surveys.services.themes import tag_themes
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, closed_case

pytestmark = pytest.mark.e2e


@pytest.fixture
def answers():
    install_default_playbooks()
    install_default_themes()
    big = AccountFactory(name="Globex", segment=Segment.ENTERPRISE, arr=900_000)
    small = AccountFactory(name="Initech", segment=Segment.SMB, arr=9_000)
    for account, score, comment in (
        (big, 2, "Billing is wrong every month"),
        (big, 9, ""),
        (small, 10, "Love it"),
        (small, 6, "Support is slow"),
    ):
        answer = ResponseFactory(
            contact=ContactFactory(account=account), score=score, comment=comment
        )
        tag_themes(response=answer)
        if score <= 6:
            process_response(response_id=answer.pk)


def test_the_dashboard_follows_the_pickers_and_an_escalation_is_acknowledged(
    page, sign_in, manager, answers, screenshots, serious_accessibility_violations, broken_requests
):
    sign_in(manager)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_text("4 answers", exact=False).first).to_be_visible()
    expect(page.locator("[data-nps-chart] canvas")).to_be_visible()  # drawn by Chart.js
    screenshots("dashboard")
    assert serious_accessibility_violations() == []

    page.get_by_label("Segment", exact=True).select_option("enterprise")
    expect(page).to_have_url(re.compile(r"segment=enterprise"))
    expect(page.get_by_text("2 answers", exact=False).first).to_be_visible()
    expect(page.locator("[data-score-chart] canvas")).to_be_visible()  # redrawn after the swap

    page.get_by_role("link", name="Escalations", exact=True).click()
    waiting = Escalation.objects.filter(acknowledged_at__isnull=True).count()
    assert waiting >= 1
    screenshots("escalations")
    assert serious_accessibility_violations() == []
    page.get_by_role("button", name=re.compile("^Acknowledge")).first.click()
    expect(
        page.get_by_text(re.compile(r"Escalation of case #\d+ acknowledged\.")).first
    ).to_be_visible()
    assert Escalation.objects.filter(acknowledged_at__isnull=True).count() == waiting - 1
    assert broken_requests == []


def test_the_monthly_line_stops_over_a_month_without_answers_and_names_its_band(
    page, sign_in, manager
):
    for day, score in (("2026-01-15", 9), ("2026-01-20", 3), ("2026-03-10", 10)):
        ResponseFactory(score=score, answered_at=dt.datetime.fromisoformat(f"{day}T10:00:00+00:00"))
    sign_in(manager)

    page.goto("/dashboard/?start=2026-01-01&end=2026-03-31")

    expect(page.locator("[data-nps-chart] canvas")).to_be_visible()
    chart = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector("[data-nps-chart] canvas"));
          const line = chart.data.datasets[2];
          return {
            labels: chart.data.labels,
            nps: line.data,
            joined: chart.data.datasets.some((set) => set.spanGaps),
            legend: chart.legend.legendItems.map((item) => item.text),
          };
        }"""
    )
    assert chart["labels"] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert chart["nps"] == [0, None, 100]
    assert chart["joined"] is False
    assert chart["legend"] == ["95% interval", "NPS"]


def test_recurring_issues_lead_from_a_root_cause_to_its_cases(
    page, sign_in, manager, csm, root_cause, screenshots, serious_accessibility_violations
):
    account = AccountFactory(name="Globex", arr=900_000)
    closed = [closed_case(root_cause=root_cause, actor=csm, account=account) for _ in range(2)]
    sign_in(manager)

    page.get_by_role("link", name="Recurring issues", exact=True).click()
    page.wait_for_load_state()  # its sort follows the form once htmx has bound it
    expect(
        page.get_by_role("row", name=re.compile(r"^Support Mark as fixed — Support 2 1 2 €900,000"))
    ).to_be_visible()
    screenshots("recurring-issues")
    assert serious_accessibility_violations() == []
    page.get_by_label("Sort").select_option("arr")
    expect(page).to_have_url(re.compile(r"sort=arr"))

    page.get_by_role("link", name="Response time", exact=True).click()
    expect(page.get_by_text("Root cause: Support › Response time")).to_be_visible()
    for case in closed:
        expect(page.locator(f'a[href="/cases/{case.pk}/"]')).to_be_visible()
