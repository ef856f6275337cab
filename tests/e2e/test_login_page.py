"""Signing in with a real browser: the page, the way to home, and its accessibility."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"  # the factories' password


def sign_in(page: Page, *, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_csm_opening_the_product_signs_in_and_lands_on_home_with_their_name(
    page, live_server, csm, broken_requests, screenshots, serious_accessibility_violations
):
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    # Bootstrap and the product's stylesheet are both in use.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 247, 249)"
    screenshots("login")
    assert serious_accessibility_violations() == []

    sign_in(page, username=csm.username, password=PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {csm.name}")
    expect(page.get_by_role("button", name=csm.name)).to_be_visible()
    screenshots("home")
    assert serious_accessibility_violations() == []
    assert broken_requests == []


def test_wrong_password_keeps_the_person_on_the_sign_in_page_with_the_reason(page, csm):
    page.goto("/login/")

    sign_in(page, username=csm.username, password="not the password")

    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
    expect(page.get_by_label("Username")).to_have_value(csm.username)


def test_sign_out_from_the_user_menu_returns_to_the_sign_in_page(page, csm):
    page.goto("/")
    sign_in(page, username=csm.username, password=PASSWORD)

    page.get_by_role("button", name=csm.name).click()
    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_a_csm_switches_the_interface_to_french_from_the_user_menu(
    page, live_server, csm, screenshots, serious_accessibility_violations
):
    page.goto("/")
    sign_in(page, username=csm.username, password=PASSWORD)
    page.goto("/responses/")

    page.get_by_role("button", name=csm.name).click()
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{live_server.url}/responses/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Réponses")
    expect(page.get_by_text("La langue de l'interface est enregistrée")).to_be_visible()
    assert page.get_attribute("html", "lang") == "fr"
    page.get_by_role("link", name="Dossiers").click()
    expect(page.get_by_role("heading", name="Rien à suivre pour le moment")).to_be_visible()
    screenshots("queue-french")
    assert serious_accessibility_violations() == []
