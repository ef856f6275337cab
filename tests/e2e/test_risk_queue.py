"""The queue ranked by risk in the browser: the badge of each case explains its score on
keyboard focus and on hover, Escape hides it, and the page stays accessible."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Influence, Persona
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e


def open_case(csm, *, name, score, arr, renewal_in, persona=Persona.USER) -> Case:
    account = AccountFactory(
        csm=csm,
        name=name,
        arr=Decimal(arr),
        renewal_date=timezone.localdate() + dt.timedelta(days=renewal_in),
    )
    contact = ContactFactory(account=account, persona=persona, influence=Influence.HIGH)
    response = ResponseFactory(contact=contact, score=score, comment="Support is too slow.")
    return Case.objects.get(pk=process_response(response_id=response.pk).case_id)


def test_the_riskiest_case_leads_and_its_badge_explains_itself(
    page, sign_in, csm, screenshots, serious_accessibility_violations, broken_requests
):
    install_default_playbooks()
    open_case(csm, name="Calm Co", score=8, arr="8000", renewal_in=300)
    open_case(
        csm,
        name="Globex Logistics",
        score=1,
        arr="180000",
        renewal_in=20,
        persona=Persona.DECISION_MAKER,
    )

    sign_in(csm)
    page.goto("/cases/")

    rows = page.locator("table.queue-table tbody tr")
    expect(rows.first).to_contain_text("Globex Logistics")
    badge = rows.first.get_by_role("button", name="Risk score")
    expect(badge).to_have_text("86")  # 25 + 18 + 18 + 15 + 10 (escalated) + 0

    # Keyboard: tabbing onto the badge shows its parts; Escape hides them.
    badge.focus()
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Risk 86 of 100")
    expect(tooltip).to_contain_text("ARR at stake")
    expect(tooltip).to_contain_text("25 of 25")
    expect(badge).to_have_attribute("aria-describedby", tooltip.get_attribute("id"))
    assert serious_accessibility_violations() == []
    screenshots("risk-queue-tooltip")
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()

    # Hover shows them too, on the other row.
    rows.nth(1).get_by_role("button", name="Risk score").hover()
    expect(page.get_by_role("tooltip")).to_contain_text("Answer")

    # Sorting oldest first swaps the rows in place (htmx), and the new badges still explain.
    # The pointer leaves the badges first: left where it is, it would hover the badge that
    # the swap brings under it, and show that one's tooltip beside the focused one's.
    page.mouse.move(0, 0)
    expect(page.get_by_role("tooltip")).to_have_count(0)
    page.get_by_label("Sort").select_option("oldest")
    expect(rows.first).to_contain_text("Calm Co")
    rows.first.get_by_role("button", name="Risk score").focus()
    expect(page.get_by_role("tooltip")).to_contain_text("Overdue work")
    assert serious_accessibility_violations() == []
    assert broken_requests == []


def test_an_admin_rebalances_the_weights_from_the_keyboard(
    page, sign_in, admin_user, csm, screenshots, serious_accessibility_violations, broken_requests
):
    install_default_playbooks()
    case = open_case(csm, name="Globex Logistics", score=1, arr="180000", renewal_in=20)
    sign_in(admin_user)
    page.goto("/configure/general/")

    arr = page.get_by_role("spinbutton", name="ARR at stake")
    arr.fill("35")
    arr.press("Enter")  # the form is submitted from the keyboard

    expect(page.get_by_text("The risk points add up to 110")).to_be_visible()
    assert serious_accessibility_violations() == []
    page.get_by_text("The risk points add up to 110").scroll_into_view_if_needed()
    screenshots("risk-settings-error")

    page.get_by_role("spinbutton", name="Renewal", exact=True).fill("10")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    page.goto(f"/cases/{case.pk}/")
    risk = page.get_by_role("region", name="Risk score")
    expect(risk).to_contain_text("35 of 35")  # 180 000 is past the ARR that counts in full
    expect(risk).to_contain_text("9 of 10")  # 20 days to the renewal, now out of 10
    assert serious_accessibility_violations() == []
    screenshots("risk-case-page")
    # The refused form answers 422, on purpose; nothing else failed.
    assert [line for line in broken_requests if not line.startswith("422 ")] == []
