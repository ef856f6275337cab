"""Before launching, managers and admins see a campaign's email in each language, exactly as
it is sent, and send it to themselves; a few test emails at most."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from core.roles import Role, set_role
from surveys.models import Invitation
from surveys.services.campaigns import create_campaign
from tests.factories import AccountFactory, CampaignFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sending(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NPS_BASE_URL = "https://nps.example.com"
    settings.DEFAULT_FROM_EMAIL = "nps@localhost"


@pytest.fixture
def campaign():
    account = AccountFactory(name="Globex")
    ContactFactory(account=account, name="Ada Lovelace", language="en")
    ContactFactory(account=account, name="Zoé Martin", language="fr")
    return create_campaign(
        actor=None,
        name="Q1",
        question_en="How likely are you to recommend Initech?",
        question_fr="Recommanderiez-vous Initech ?",
    )


def preview(campaign, language: str) -> str:
    return reverse("campaign-email", args=[campaign.pk, language])


def frame(campaign, language: str) -> str:
    return reverse("campaign-email-html", args=[campaign.pk, language])


def said(reply) -> list[str]:
    return [str(message) for message in get_messages(reply.wsgi_request)]


def test_the_french_preview_is_the_email_a_french_contact_of_the_audience_gets(
    client, manager, campaign
):
    client.force_login(manager)

    page = client.get(preview(campaign, "fr")).content.decode()
    html = client.get(frame(campaign, "fr")).content.decode()

    assert "Une question, un clic" in page
    assert "Zoé Martin" in page
    assert "nps@localhost" in page
    assert "Bonjour Zoé," in page  # the plain-text part
    assert "Recommanderiez-vous Initech ?" in html
    assert "Se désabonner" in html
    assert "https://nps.example.com/s/example/?score=10" in html


def test_the_preview_of_an_audience_with_nobody_addresses_an_example_person(client, manager):
    campaign = create_campaign(actor=None, name="Nobody yet")
    client.force_login(manager)

    page = client.get(preview(campaign, "en")).content.decode()

    assert "Alex Example" in page
    assert "Hello Alex," in page
    assert "the audience has nobody yet" in page


def test_the_email_frame_allows_the_inline_styles_of_emails_and_only_our_own_pages(
    client, manager, campaign
):
    client.force_login(manager)

    reply = client.get(frame(campaign, "en"))

    assert reply["Content-Type"] == "text/html; charset=utf-8"
    assert reply["X-Frame-Options"] == "SAMEORIGIN"
    policy = reply["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy
    assert "frame-ancestors 'self'" in policy
    assert "script-src 'none'" in policy


def test_a_language_we_do_not_send_in_and_a_campaign_of_another_tool_have_no_email(
    client, manager, campaign
):
    client.force_login(manager)
    assert client.get(preview(campaign, "de")).status_code == 404
    assert client.get(preview(CampaignFactory(), "en")).status_code == 404


def test_send_me_a_test_emails_the_signed_in_person_once_in_the_chosen_language(
    client, manager, campaign
):
    client.force_login(manager)

    reply = client.post(preview(campaign, "fr"))

    assert reply.status_code == 302
    [message] = mail.outbox
    assert message.to == [manager.email]
    assert message.subject == "Une question, un clic"
    assert "Recommanderiez-vous Initech ?" in message.body
    assert "X-NPS-Loop-Invitation" not in message.extra_headers
    assert said(reply) == [f"The test email in Français is on its way to {manager.email}."]
    assert not Invitation.objects.exists()


def test_a_sixth_test_email_within_ten_minutes_is_refused_with_the_wait(client, manager, campaign):
    client.force_login(manager)
    for _ in range(5):
        client.post(preview(campaign, "en"))

    reply = client.post(preview(campaign, "en"))

    assert len(mail.outbox) == 5
    assert said(reply)[-1].startswith(
        "You sent 5 test emails within 10 minutes: send the next one in "
    )


def test_someone_without_an_email_address_is_told_and_nothing_is_sent(client, campaign):
    person = UserFactory(email="")
    set_role(person, Role.MANAGER)
    client.force_login(person)

    reply = client.post(preview(campaign, "en"))

    assert mail.outbox == []
    assert said(reply)[0].startswith("Your profile has no email address to send the test to")


def test_a_csm_may_neither_preview_nor_send_a_test(client, csm, campaign):
    client.force_login(csm)
    assert client.get(preview(campaign, "en")).status_code == 403
    assert client.get(frame(campaign, "en")).status_code == 403
    assert client.post(preview(campaign, "en")).status_code == 403
    assert mail.outbox == []


def test_an_admin_previews_too_and_the_draft_page_links_to_the_preview(
    client, admin_user, campaign
):
    client.force_login(admin_user)
    page = client.get(reverse("campaign-detail", args=[campaign.pk])).content.decode()
    assert preview(campaign, "en") in page
    assert client.get(preview(campaign, "en")).status_code == 200
