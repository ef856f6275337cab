"""A locked-out sign-in in a real browser: the page says why, in the person's language."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"  # the factories' password


def sign_in(page: Page, *, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_after_five_wrong_passwords_the_right_one_is_refused_with_the_reason(
    page, csm, broken_requests, screenshots, serious_accessibility_violations
):
    page.goto("/login/")
    for _ in range(5):
        sign_in(page, username=csm.username, password="not the password")

    sign_in(page, username=csm.username, password=PASSWORD)

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Too many failed sign-in attempts")
    expect(alert).to_contain_text("blocked for 15 minutes, even with the right password")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value(csm.username)
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    assert page.url.endswith("/login/")
    assert broken_requests[-1].startswith("429 ")
    screenshots("login-locked-out")
    assert serious_accessibility_violations() == []
