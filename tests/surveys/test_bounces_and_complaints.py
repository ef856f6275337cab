"""Bounces and complaints come back in: Postmark's delivery webhook, through django-anymail,
stops the surveys to an address that bounced or complained, sends a soft bounce again later
and counts them all on the campaign page."""

import base64
import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from playbooks.services.erasure import erase_contact
from surveys.models import (
    DeliveryEvent,
    DeliveryKind,
    Exclusion,
    InvitationStatus,
    Suppression,
    SuppressionReason,
)
from surveys.services.campaigns import create_campaign, launch_campaign, plan_campaign
from surveys.services.deliveries import RESEND_DELAYS
from surveys.services.sending import invite_to_follow_up, send_due_invitations
from tests.factories import ContactFactory, InvitationFactory

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parent / "payloads"
URL = reverse("anymail:postmark_tracking_webhook")
SECRET = "postmark-hooks:9Xr7-tq2LkW4-ZpQe"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def invitation():
    return InvitationFactory(contact=ContactFactory(email="ana@customer.example"))


def postmark(name: str, invitation=None, **fields) -> dict:
    """A Postmark webhook payload as Postmark sends it, about `invitation`'s email."""
    payload = json.loads((PAYLOADS / f"postmark_{name}.json").read_text())
    now = timezone.now().isoformat().replace("+00:00", "Z")
    for stamp in ("BouncedAt", "DeliveredAt", "ChangedAt"):
        if stamp in payload:
            payload[stamp] = now
    if invitation is not None:
        payload["Metadata"] = {"nps_invitation": str(invitation.pk)}
        payload["Email" if "Email" in payload else "Recipient"] = invitation.contact.email
    payload.update(fields)
    return payload


def post(client, payload: dict, *, credentials: str = SECRET):
    token = base64.b64encode(credentials.encode()).decode()
    return client.post(
        URL,
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {token}",
    )


def test_a_hard_bounce_suppresses_the_address_and_bounces_the_invitation(client, invitation):
    reply = post(client, postmark("bounce", invitation))

    assert reply.status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BOUNCED
    assert invitation.bounced_at is not None
    suppression = Suppression.objects.get(contact=invitation.contact)
    assert suppression.reason == SuppressionReason.BOUNCED
    assert suppression.ends_at is None and suppression.is_active_at(timezone.now())
    assert "unable to deliver" in suppression.note
    event = DeliveryEvent.objects.get()
    assert (event.provider, event.kind, event.invitation) == (
        "Postmark",
        DeliveryKind.BOUNCED,
        invitation,
    )


def test_the_next_campaign_leaves_a_bounced_contact_out(client, invitation, manager):
    post(client, postmark("bounce", invitation))
    campaign = create_campaign(
        actor=manager, name="Next quarter", audience_account=invitation.contact.account
    )
    launch_campaign(campaign=campaign, actor=manager)
    plan_campaign(campaign_id=campaign.pk)

    outcome = send_due_invitations(limit=10)

    assert outcome.sent == 0
    next_one = campaign.invitations.get()
    assert (next_one.status, next_one.exclusion) == (
        InvitationStatus.EXCLUDED,
        Exclusion.SUPPRESSED,
    )
    assert "The address bounced" in next_one.exclusion_note


def test_a_bounced_contact_gets_no_follow_up_survey(client, invitation):
    post(client, postmark("bounce", invitation))

    follow_up, verdict = invite_to_follow_up(contact=invitation.contact, ignore_suppression_ids=[])

    assert follow_up is None
    assert verdict.reason == Exclusion.SUPPRESSED


def test_a_spam_complaint_suppresses_the_address(client, invitation):
    reply = post(client, postmark("spam_complaint", invitation))

    assert reply.status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT  # it was delivered
    assert invitation.complained_at is not None
    suppression = Suppression.objects.get(contact=invitation.contact)
    assert suppression.reason == SuppressionReason.COMPLAINED


def test_an_unsubscription_at_the_provider_suppresses_the_address(client, invitation):
    payload = {
        "RecordType": "SubscriptionChange",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "ServerID": 23,
        "MessageStream": "outbound",
        "ChangedAt": timezone.now().isoformat(),
        "Recipient": invitation.contact.email,
        "Origin": "Recipient",
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
        "Tag": "",
        "Metadata": {"nps_invitation": str(invitation.pk)},
    }

    post(client, payload)

    suppression = Suppression.objects.get(contact=invitation.contact)
    assert suppression.reason == SuppressionReason.UNSUBSCRIBED


def test_a_soft_bounce_sends_the_email_again_later_and_suppresses_nothing(client, invitation):
    post(client, postmark("bounce", invitation, Type="SoftBounce", TypeCode=4096))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DEFERRED
    assert invitation.soft_bounces == 1
    expected = timezone.now() + RESEND_DELAYS[0]
    assert abs(invitation.resend_at - expected) < dt.timedelta(minutes=1)
    assert not Suppression.objects.exists()
    assert DeliveryEvent.objects.get().kind == DeliveryKind.SOFT_BOUNCED


def test_a_transient_bounce_is_a_soft_bounce_too(client, invitation):
    post(client, postmark("bounce", invitation, Type="Transient", TypeCode=2))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DEFERRED
    assert not Suppression.objects.exists()


def test_a_replayed_event_creates_nothing(client, invitation):
    payload = postmark("bounce", invitation)

    first, second = post(client, payload), post(client, payload)

    assert first.status_code == second.status_code == 200
    assert DeliveryEvent.objects.count() == 1
    assert Suppression.objects.count() == 1


def test_a_replayed_delivery_without_event_id_is_kept_once(client, invitation):
    payload = postmark("delivery", invitation)

    post(client, payload)
    post(client, payload)

    assert DeliveryEvent.objects.get().kind == DeliveryKind.DELIVERED


def test_a_second_bounce_of_the_address_adds_no_second_suppression(client, invitation):
    post(client, postmark("bounce", invitation))
    post(client, postmark("bounce", invitation, ID=99))

    assert DeliveryEvent.objects.count() == 2
    assert Suppression.objects.count() == 1


def test_wrong_credentials_are_refused(client, invitation):
    wrong = post(client, postmark("bounce", invitation), credentials="postmark-hooks:guess")
    missing = client.post(URL, data=json.dumps(postmark("bounce")), content_type="application/json")

    assert wrong.status_code == missing.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Basic")
    assert not DeliveryEvent.objects.exists()
    assert not Suppression.objects.exists()


def test_without_a_secret_the_webhook_is_not_served(client, settings, invitation):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}

    reply = post(client, postmark("bounce", invitation))

    assert reply.status_code == 404
    assert not DeliveryEvent.objects.exists()


def test_an_event_about_an_unknown_email_is_acknowledged_and_logged(client, caplog):
    payload = postmark("bounce", Email="stranger@elsewhere.example", MessageID="not-ours")

    with caplog.at_level(logging.WARNING, logger="surveys.services.deliveries"):
        reply = post(client, payload)

    assert reply.status_code == 200
    event = DeliveryEvent.objects.get()
    assert event.invitation is None
    assert not Suppression.objects.exists()
    assert "matches no survey invitation" in caplog.text


def test_a_bounce_is_matched_by_the_message_id_without_metadata(client, invitation):
    invitation.message_id = "<invitation-1.17@mail.vendor.example>"
    invitation.save(update_fields=["message_id"])
    other = InvitationFactory(contact=invitation.contact)  # sent later, to the same address

    post(client, postmark("bounce", MessageID="invitation-1.17@mail.vendor.example"))

    assert DeliveryEvent.objects.get().invitation == invitation
    other.refresh_from_db()
    assert other.status == InvitationStatus.SENT


def test_a_bounce_is_matched_by_its_recipient_when_nothing_else_says(client, invitation):
    post(client, postmark("bounce", Email="ANA@customer.example"))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BOUNCED
    assert Suppression.objects.get().contact == invitation.contact


def test_opens_and_clicks_are_not_kept(client, invitation):
    payload = {
        "RecordType": "Open",
        "MessageStream": "outbound",
        "Metadata": {"nps_invitation": str(invitation.pk)},
        "FirstOpen": True,
        "Recipient": invitation.contact.email,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "ReceivedAt": timezone.now().isoformat(),
        "Tag": "",
    }

    assert post(client, payload).status_code == 200
    assert not DeliveryEvent.objects.exists()


def test_the_campaign_page_counts_bounces_complaints_and_soft_bounces(client, manager):
    bounced, complained, soft, answered = (InvitationFactory() for _ in range(4))
    for other in (complained, soft, answered):
        other.campaign = bounced.campaign
        other.save(update_fields=["campaign"])
    post(client, postmark("bounce", bounced))
    post(client, postmark("spam_complaint", complained))
    post(client, postmark("bounce", soft, Type="SoftBounce", ID=7))
    answered.status = InvitationStatus.ANSWERED
    answered.save(update_fields=["status"])
    client.force_login(manager)

    page = client.get(reverse("campaign-detail", args=[bounced.campaign.pk]))
    html = " ".join(page.content.decode().split())

    assert 'data-figure="sent">4<' in html
    assert 'data-figure="bounced">1<' in html
    assert 'data-figure="complained">1<' in html
    assert 'data-figure="retrying">1 soft bounce, to be sent again<' in html


def test_the_contact_page_says_why_their_surveys_stopped(client, manager, invitation):
    post(client, postmark("spam_complaint", invitation))
    client.force_login(manager)

    page = client.get(reverse("contact-detail", args=[invitation.contact.pk]))

    html = page.content.decode()
    assert 'data-suppression="complained"' in html
    assert "Marked a survey as spam" in html


def test_the_contact_and_campaign_pages_say_it_in_french_too(client, manager, invitation):
    post(client, postmark("spam_complaint", invitation))
    manager.language = "fr"
    manager.save(update_fields=["language"])
    client.force_login(manager)

    page = client.get(reverse("contact-detail", args=[invitation.contact.pk]))
    campaign_page = client.get(reverse("campaign-detail", args=[invitation.campaign.pk]))

    assert "A signalé une enquête comme spam" in page.content.decode()
    assert "Signalé comme spam" in campaign_page.content.decode()


def test_each_survey_email_carries_what_its_delivery_events_find_it_by(manager):
    contact = ContactFactory()
    campaign = create_campaign(actor=manager, name="Q1", audience_account=contact.account)
    launch_campaign(campaign=campaign, actor=manager)
    plan_campaign(campaign_id=campaign.pk)

    send_due_invitations(limit=10)

    invitation = campaign.invitations.get()
    (sent,) = mail.outbox
    assert invitation.message_id == sent.extra_headers["Message-ID"]
    assert f"invitation-{invitation.pk}" in invitation.message_id
    assert sent.metadata == {"nps_invitation": str(invitation.pk)}


@pytest.mark.parametrize("postmark_type", ["DMARCPolicy", "Unconfirmed"])
def test_a_refusal_for_the_sender_bounces_the_email_but_spares_the_address(
    client, invitation, postmark_type
):
    post(client, postmark("bounce", invitation, Type=postmark_type, Description="Not allowed"))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BOUNCED
    assert DeliveryEvent.objects.get().kind == DeliveryKind.REJECTED
    assert not Suppression.objects.exists()


def test_a_provider_refusal_of_a_bad_address_suppresses_it(client, invitation):
    post(client, postmark("bounce", invitation, Type="BadEmailAddress"))

    assert Suppression.objects.get().reason == SuppressionReason.BOUNCED


def test_erasing_the_person_blanks_their_address_in_the_delivery_events(client, invitation):
    post(client, postmark("bounce", invitation))
    post(client, postmark("bounce", invitation, ID=8, Type="SoftBounce"))

    erase_contact(email=invitation.contact.email)

    assert set(DeliveryEvent.objects.values_list("recipient", "description")) == {("", "")}


def test_a_replay_after_the_erasure_stores_the_address_no_more(client, invitation):
    payload = postmark("bounce", invitation)
    post(client, payload)
    erase_contact(email=invitation.contact.email)

    post(client, payload)

    assert DeliveryEvent.objects.count() == 1
    assert DeliveryEvent.objects.get().recipient == ""
