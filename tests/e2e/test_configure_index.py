"""An admin opens Configuration from the menu: a start page with every configuration page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_the_configuration_menu_leads_to_a_page_of_every_configuration_page(
    page, sign_in, admin_user, screenshots, serious_accessibility_violations, broken_requests
):
    sign_in(admin_user)

    page.get_by_role("link", name="Configuration", exact=True).click()
    expect(page).to_have_url(re.compile(r"/configure/$"))
    expect(page.get_by_role("heading", name="Set NPS Loop up")).to_be_visible()
    cards = page.get_by_role("list", name="Configuration pages").get_by_role("listitem")
    expect(cards).to_have_count(14)  # webhooks, root causes, branding and rates included
    screenshots("configure-index")
    assert serious_accessibility_violations() == []

    cards.filter(has_text="Themes").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/configure/themes/$"))
    assert broken_requests == []
