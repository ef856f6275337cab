"""Survey emails and pages carry the company's brand: the sender customers know, its logo,
colour and name; with nothing set they keep the default look and sender."""

import pytest
from django.core import mail

from core.branding import LogoImage
from core.models import LoopSettings
from core.services import UploadedLogo, update_survey_branding
from surveys.services.campaigns import create_campaign, launch_campaign, plan_campaign
from surveys.services.sending import send_due_invitations
from tests.core.images import png
from tests.factories import ContactFactory, InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sending(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NPS_SURVEY_EMAILS_PER_MINUTE = 100_000
    settings.NPS_BASE_URL = "https://nps.example.com"
    settings.DEFAULT_FROM_EMAIL = "nps@localhost"
    settings.MEDIA_ROOT = tmp_path


def brand(**changes) -> LoopSettings:
    fields = {
        "brand_name": "Acme",
        "survey_sender_name": "Acme Customer Success",
        "survey_sender_address": "cs@acme.example",
        "survey_reply_to": "team@acme.example",
        "brand_colour": "#1d4ed8",
        "logo": UploadedLogo(content=png(400, 100), image=LogoImage("png", 400, 100)),
        **changes,
    }
    return update_survey_branding(**fields)


def sent_email(manager, *, sender: str = ""):
    ContactFactory(name="Zoé Martin", language="fr")
    campaign = create_campaign(actor=manager, name="Q4", sender=sender)
    launch_campaign(campaign=campaign, actor=manager)
    plan_campaign(campaign_id=campaign.pk)
    send_due_invitations(limit=10)
    [message] = mail.outbox
    return message


def test_the_email_comes_from_the_configured_sender_with_its_reply_to_address(manager):
    brand()
    message = sent_email(manager)
    assert message.from_email == "Acme Customer Success <cs@acme.example>"
    assert message.reply_to == ["team@acme.example"]


def test_the_email_shows_the_logo_at_an_absolute_address_the_colour_and_the_name(manager):
    row = brand()
    message = sent_email(manager)
    html = message.alternatives[0][0]
    logo = "https://nps.example.com/brand/logo/" + row.brand_logo.name.rsplit("/", 1)[-1]
    assert f'<img src="{logo}" width="160" height="40" alt="Acme"' in html
    assert "background:#1d4ed8;" in html
    assert "L’équipe Acme" in message.body  # the contact's language, French
    assert "L’équipe Acme" in html


def test_the_scale_stays_neutral_whatever_the_brand_colour(manager):
    brand()
    html = sent_email(manager).alternatives[0][0]
    assert html.count("background:#374151;") == 11
    assert 'background:#1d4ed8;" aria-label="Score' not in html


def test_a_campaign_sender_wins_over_the_branding_sender(manager):
    brand()
    message = sent_email(manager, sender="Q4 Survey <q4@acme.example>")
    assert message.from_email == "Q4 Survey <q4@acme.example>"


def test_with_nothing_set_the_email_keeps_the_default_look_and_sender(manager):
    message = sent_email(manager)
    html = message.alternatives[0][0]
    assert message.from_email == "nps@localhost"
    assert message.reply_to == []
    assert "<img" not in html
    assert "/brand/" not in html
    assert "L’équipe" not in message.body


def test_the_answer_and_thank_you_pages_show_the_logo_the_name_and_the_colour(client):
    row = brand(logo=None)
    invitation = InvitationFactory()
    page = client.get(f"/s/{invitation.token}/").content.decode()
    assert '<span class="survey-brand-name">Acme</span>' in page
    assert '<link rel="stylesheet" href="/brand/colour/1d4ed8.css">' in page
    assert 'class="survey-page survey-branded"' in page

    brand(logo=UploadedLogo(content=png(80, 80), image=LogoImage("png", 80, 80)))
    row.refresh_from_db()
    client.get(f"/s/{invitation.token}/?score=9")
    thanks = client.get(f"/s/{invitation.token}/thanks/").content.decode()
    assert f'src="/brand/logo/{row.brand_logo.name.rsplit("/", 1)[-1]}"' in thanks
