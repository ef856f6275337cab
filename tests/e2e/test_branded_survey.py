"""A manager previews a branded campaign's email in French, sends it to themselves, and a
customer answers on the branded pages: the logo loads and the policy blocks nothing."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from core.branding import LogoImage
from core.services import UploadedLogo, update_survey_branding
from surveys.services.answering import answer_invitation
from surveys.services.campaigns import create_campaign
from tests.core.images import png
from tests.factories import AccountFactory, ContactFactory, InvitationFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def branded(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path
    settings.NPS_BASE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    update_survey_branding(
        brand_name="Initech",
        survey_sender_name="Initech Customer Success",
        survey_sender_address="cs@initech.example",
        survey_reply_to="",
        brand_colour="#6d28d9",
        logo=UploadedLogo(content=png(300, 100), image=LogoImage("png", 300, 100)),
    )


def test_a_branded_email_is_previewed_tested_and_answered_on_branded_pages(
    page, new_tab, sign_in, manager, branded, screenshots, broken_requests,
    serious_accessibility_violations,
):  # fmt: skip
    ContactFactory(account=AccountFactory(), name="Zoé Martin", language="fr")
    campaign = create_campaign(actor=manager, name="Printemps")
    sign_in(manager)
    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="Preview the email, send me a test").click()
    page.get_by_role("link", name="Français").click()

    expect(page.locator("[data-subject]")).to_have_text("Une question, un clic")
    expect(page.locator("[data-from]")).to_have_text(
        "Initech Customer Success <cs@initech.example>"
    )
    email = page.frame_locator("iframe.email-preview-frame")
    expect(email.get_by_text("Bonjour Zoé,")).to_be_visible()
    logo = email.get_by_role("img", name="Initech")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.naturalWidth") == 300
    screenshots("campaign-email-preview")
    assert serious_accessibility_violations() == []

    page.get_by_role("button", name="Send me a test").click()
    expect(page.get_by_role("alert").or_(page.locator(".alert"))).to_contain_text(
        f"The test email in Français is on its way to {manager.email}."
    )
    [message] = mail.outbox
    assert message.subject == "Une question, un clic"

    invitation = InvitationFactory(contact=ContactFactory(name="Ada Lovelace"), language="fr")
    answer_invitation(invitation=invitation, score=9)
    customer = new_tab()
    customer.goto(f"/s/{invitation.token}/thanks/")
    expect(customer.get_by_role("heading", level=1)).to_have_text("Merci, Ada !")
    expect(customer.get_by_role("img", name="Initech")).to_be_visible()
    border = customer.locator(".survey-card").evaluate(
        "card => getComputedStyle(card).borderTopColor"
    )
    assert border == "rgb(109, 40, 217)"
    screenshots("survey-thanks-branded", tab=customer)
    assert serious_accessibility_violations(customer) == []
    assert broken_requests == []
