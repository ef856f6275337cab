"""An admin gives a currency in use its rate from the warning that names it."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.models import ExchangeRate
from tests.factories import AccountFactory

pytestmark = pytest.mark.e2e


def test_an_admin_gives_a_missing_currency_its_rate(
    page, sign_in, admin_user, screenshots, serious_accessibility_violations, broken_requests
):
    AccountFactory(name="Initech", currency="USD", arr=Decimal("200000"))
    sign_in(admin_user)

    page.get_by_role("link", name="Configuration", exact=True).click()
    page.get_by_role("navigation", name="Configuration").get_by_role(
        "link", name="Exchange rates"
    ).click()
    expect(page.get_by_text("These currencies have no rate to EUR")).to_be_visible()
    assert serious_accessibility_violations() == []
    page.get_by_role("link", name="USD", exact=True).click()
    expect(page.get_by_label("Currency")).to_have_value("USD")
    page.get_by_label("Rate").fill("0")
    page.get_by_role("button", name="Save the rate").click()
    expect(page.get_by_text("Give a rate above 0")).to_be_visible()
    page.get_by_label("Rate").fill("0.92")
    page.get_by_role("button", name="Save the rate").click()

    expect(page.get_by_text("1 USD = 0.92 EUR")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^USD 0\.92"))).to_be_visible()
    expect(page.get_by_text("These currencies have no rate")).to_have_count(0)
    screenshots("exchange-rates")
    assert serious_accessibility_violations() == []
    assert ExchangeRate.objects.get().rate == Decimal("0.92")
    # the refused rate answered 422, as a form with errors does; nothing else failed
    assert [request for request in broken_requests if not request.startswith("422 ")] == []
