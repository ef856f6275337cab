"""Customers read their survey, its answer page and the thank-you page in their own language:
the contact's, when NPS Loop knows it."""

import pytest
from django.core import mail
from django.urls import reverse

from surveys.models import Invitation
from surveys.services.answering import answer_invitation
from surveys.services.campaigns import create_campaign, launch_campaign, plan_campaign
from surveys.services.sending import invite_to_follow_up, send_due_invitations
from tests.factories import ContactFactory, InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sending(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NPS_SURVEY_EMAILS_PER_MINUTE = 100_000
    settings.NPS_BASE_URL = "https://nps.example.com"


def thanks_page(client, invitation) -> str:
    answer_invitation(invitation=invitation, score=9)
    reply = client.get(reverse("survey-thanks", args=[invitation.token]))
    assert reply.status_code == 200
    return reply.content.decode()


def test_the_thank_you_page_of_a_french_invitation_is_in_french(client):
    invitation = InvitationFactory(contact=ContactFactory(name="Zoé Martin"), language="fr")

    page = thanks_page(client, invitation)

    assert '<html lang="fr">' in page
    assert "Merci, Zoé !" in page
    assert "Votre réponse est enregistrée." in page


def test_an_invitation_that_names_no_language_speaks_the_contacts(client):
    contact = ContactFactory(name="Zoé Martin", language="fr-CA")
    invitation = InvitationFactory(contact=contact, language="")

    page = thanks_page(client, invitation)

    assert "Merci, Zoé !" in page


def test_the_thank_you_page_ignores_the_browsers_language(client):
    invitation = InvitationFactory(contact=ContactFactory(name="Ada Lovelace"), language="en")
    answer_invitation(invitation=invitation, score=9)

    reply = client.get(
        reverse("survey-thanks", args=[invitation.token]), headers={"accept-language": "fr"}
    )

    assert "Thank you, Ada!" in reply.content.decode()
    assert reply["Content-Language"] == "en"


def test_a_contact_whose_language_changed_after_planning_gets_the_email_in_the_new_one(
    client, manager
):
    contact = ContactFactory(name="Zoé Martin", language="en")
    campaign = create_campaign(actor=manager, name="Q4")
    launch_campaign(campaign=campaign, actor=manager)
    plan_campaign(campaign_id=campaign.pk)
    contact.language = "fr"  # a CRM import, between planning and sending
    contact.save(update_fields=["language"])

    send_due_invitations(limit=10)

    [message] = mail.outbox
    assert message.subject == "Une question, un clic"
    invitation = Invitation.objects.get()
    assert invitation.language == "fr"
    assert "Merci, Zoé !" in thanks_page(client, invitation)


def test_a_case_follow_up_survey_is_in_the_contacts_language():
    contact = ContactFactory(name="Zoé Martin", language="fr")
    invitation, refused = invite_to_follow_up(contact=contact, ignore_suppression_ids=[])
    assert refused is None

    send_due_invitations(limit=10)

    [message] = mail.outbox
    assert message.subject == "Quelque chose a-t-il changé ? Une question, un clic"
    assert "Bonjour Zoé," in message.body
