"""Launching a campaign and sending it: planning, drip days, exclusions, emails, failures."""

import datetime as dt
import email
import email.policy
import re
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from accounts.models import Segment
from surveys.models import (
    Campaign,
    CampaignStatus,
    Exclusion,
    Invitation,
    InvitationStatus,
)
from surveys.services.campaigns import (
    cancel_campaign,
    create_campaign,
    launch_campaign,
    plan_campaign,
    unplanned_campaign_ids,
)
from surveys.services.sending import SENDER_LOCK, release_stuck_invitations, send_due_invitations
from surveys.services.suppressions import suppress_surveys
from surveys.tasks import send_invitations
from tests.factories import AccountFactory, ContactFactory, InvitationFactory

pytestmark = pytest.mark.django_db

FRIDAY_10 = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fast_sender(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NPS_SURVEY_EMAILS_PER_MINUTE = 100_000
    settings.NPS_BASE_URL = "https://nps.example.com"


def launched(campaign: Campaign, *, actor=None, now=None) -> Campaign:
    launch_campaign(campaign=campaign, actor=actor, now=now)
    plan_campaign(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


def statuses(campaign: Campaign) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in campaign.invitations.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_launching_creates_one_invitation_per_contact_of_the_audience(manager):
    account = AccountFactory(segment=Segment.ENTERPRISE)
    people = [ContactFactory(account=account) for _ in range(3)]
    ContactFactory(account=AccountFactory(segment=Segment.SMB))
    campaign = create_campaign(actor=manager, name="Q4", audience_segment=Segment.ENTERPRISE)

    campaign = launched(campaign, actor=manager)

    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.launched_by == manager
    assert sorted(campaign.invitations.values_list("contact_id", flat=True)) == sorted(
        p.pk for p in people
    )
    tokens = list(campaign.invitations.values_list("token", flat=True))
    assert len(set(tokens)) == 3 and all(len(token) >= 32 for token in tokens)


def test_planning_twice_creates_nothing_more(manager):
    ContactFactory()
    campaign = launched(create_campaign(actor=manager, name="Q4"))
    assert plan_campaign(campaign_id=campaign.pk) == 0
    assert campaign.invitations.count() == 1


def test_a_campaign_cannot_be_launched_twice_or_with_nobody_in_it(manager):
    with pytest.raises(ValidationError, match="No contact matches"):
        launch_campaign(campaign=create_campaign(actor=manager, name="Empty"), actor=manager)
    ContactFactory()
    campaign = launched(create_campaign(actor=manager, name="Q4"))
    with pytest.raises(ValidationError, match="already launched"):
        launch_campaign(campaign=campaign, actor=manager)


def test_sending_emails_every_due_invitation_and_completes_the_campaign(manager):
    for _ in range(3):
        ContactFactory()
    campaign = launched(create_campaign(actor=manager, name="Q4"))

    outcome = send_due_invitations(limit=10)

    assert outcome.sent == 3
    assert len(mail.outbox) == 3
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED
    assert campaign.invitations_sent == 3
    assert campaign.started_at is not None
    invitation = campaign.invitations.first()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.expires_at - invitation.sent_at == dt.timedelta(days=30)
    assert send_due_invitations(limit=10).claimed == 0  # nothing is sent twice


def test_the_email_has_eleven_one_click_links_an_unsubscribe_link_and_both_parts(manager):
    ContactFactory(name="Ada Lovelace", language="en", account=AccountFactory(name="Acme Corp"))
    campaign = launched(create_campaign(actor=manager, name="Q4"))
    send_due_invitations(limit=10)

    [message] = mail.outbox
    token = campaign.invitations.get().token
    page = f"https://nps.example.com/s/{token}/"
    html = message.alternatives[0][0]
    assert message.subject == "One question, one click"
    assert "Hello Ada," in message.body
    assert "How likely are you to recommend us to a friend or colleague?" in message.body
    for score in range(11):
        assert f"{page}?score={score}" in message.body
        assert f'href="{page}?score={score}"' in html
    assert message.extra_headers["List-Unsubscribe"] == f"<{page}unsubscribe/>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{page}unsubscribe/" in message.body
    assert message.alternatives[0][1] == "text/html"
    # Nothing but the first name: not the account, not the full name.
    assert "Acme" not in message.body + html
    assert "Lovelace" not in message.body + html
    # One colour for every score: a red 0 and a green 10 would nudge the answer.
    colours = re.findall(r'background:(#[0-9a-fA-F]{6});" aria-label="Score', html)
    assert (len(colours), len(set(colours))) == (11, 1)


def test_a_french_contact_gets_the_email_and_the_question_in_french(manager):
    ContactFactory(name="Zoé Martin", language="fr")
    campaign = launched(create_campaign(actor=manager, name="Q4"))
    send_due_invitations(limit=10)

    [message] = mail.outbox
    assert message.subject == "Une question, un clic"
    assert "Bonjour Zoé," in message.body
    assert campaign.question_fr in message.body
    assert campaign.question_fr in message.alternatives[0][0]
    assert "Se désabonner" in message.alternatives[0][0]
    assert campaign.invitations.get().language == "fr"


def test_the_campaign_sender_is_the_from_address(manager):
    ContactFactory()
    launched(create_campaign(actor=manager, name="Q4", sender="Acme CS <cs@acme.example>"))
    send_due_invitations(limit=10)
    assert mail.outbox[0].from_email == "Acme CS <cs@acme.example>"


def test_people_who_may_not_be_surveyed_are_excluded_with_their_reason(manager):
    opted_out = ContactFactory(opted_out=True)
    suppressed = ContactFactory()
    suppress_surveys(contact=suppressed)
    throttled = ContactFactory()
    InvitationFactory(contact=throttled, sent_at=timezone.now() - dt.timedelta(days=10))
    welcome = ContactFactory()
    campaign = launched(create_campaign(actor=manager, name="Q4"))

    outcome = send_due_invitations(limit=10)

    assert (outcome.sent, outcome.excluded) == (1, 3)
    assert [m.to for m in mail.outbox] == [[welcome.email]]
    reasons = dict(campaign.invitations.values_list("contact_id", "exclusion"))
    assert reasons == {
        opted_out.pk: Exclusion.OPTED_OUT,
        suppressed.pk: Exclusion.SUPPRESSED,
        throttled.pk: Exclusion.THROTTLED,
        welcome.pk: "",
    }
    assert campaign.invitations.get(contact=throttled).exclusion_note.startswith("Surveyed or")


def test_a_contact_opting_out_after_the_launch_is_excluded_when_their_day_comes(manager):
    contact = ContactFactory()
    campaign = launched(create_campaign(actor=manager, name="Q4"))
    contact.opted_out = True
    contact.save()

    send_due_invitations(limit=10)

    assert mail.outbox == []
    assert campaign.invitations.get().exclusion == Exclusion.OPTED_OUT


def test_a_drip_campaign_sends_a_share_each_working_day_with_time_frozen(manager):
    for _ in range(9):
        ContactFactory()
    with time_machine.travel(FRIDAY_10 - dt.timedelta(hours=1), tick=False):
        campaign = create_campaign(actor=manager, name="Drip", send_at=FRIDAY_10, drip_days=3)
        campaign = launched(campaign, actor=manager)
        assert send_invitations() == 0  # not yet ten o'clock
    with time_machine.travel(FRIDAY_10 + dt.timedelta(minutes=1), tick=False):
        assert send_invitations() == 3
    with time_machine.travel(FRIDAY_10 + dt.timedelta(days=1), tick=False):  # Saturday
        assert send_invitations() == 0
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, 5, tzinfo=dt.UTC), tick=False):
        assert send_invitations() == 3
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.SENDING
    with time_machine.travel(dt.datetime(2026, 12, 8, 10, 5, tzinfo=dt.UTC), tick=False):
        assert send_invitations() == 3
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED
    sent_days = sorted({i.sent_at.date() for i in campaign.invitations.all()})
    assert sent_days == [dt.date(2026, 12, 4), dt.date(2026, 12, 7), dt.date(2026, 12, 8)]


def test_a_campaign_scheduled_for_later_waits_for_its_time(manager):
    ContactFactory()
    later = timezone.now() + dt.timedelta(hours=2)
    campaign = launched(create_campaign(actor=manager, name="Later", send_at=later))
    assert send_invitations() == 0
    with time_machine.travel(later + dt.timedelta(seconds=1), tick=False):
        assert send_invitations() == 1
    assert statuses(campaign) == {InvitationStatus.SENT: 1}


def test_only_one_sender_runs_at_a_time(manager):
    ContactFactory()
    launched(create_campaign(actor=manager, name="Q4"))
    cache.add(SENDER_LOCK, "another worker", timeout=60)
    assert send_invitations() == 0
    assert mail.outbox == []
    cache.delete(SENDER_LOCK)
    assert send_invitations() == 1


def test_cancelling_drops_what_was_not_sent_yet(manager):
    for _ in range(4):
        ContactFactory()
    campaign = launched(create_campaign(actor=manager, name="Drip", drip_days=2))
    send_due_invitations(limit=10)

    dropped = cancel_campaign(campaign=campaign, actor=manager)

    assert dropped == 2
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    assert statuses(campaign) == {InvitationStatus.SENT: 2, InvitationStatus.EXCLUDED: 2}
    assert set(campaign.invitations.exclude(exclusion="").values_list("exclusion", flat=True)) == {
        Exclusion.CANCELLED
    }
    with pytest.raises(ValidationError):
        cancel_campaign(campaign=campaign, actor=manager)


class RefusingBackend(EmailBackend):
    """A mail server that refuses one address for good and is down for another."""

    def send_messages(self, messages):
        for message in messages:
            if message.to[0].startswith("gone@"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
            if message.to[0].startswith("later@"):
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_a_refused_address_bounces_and_a_server_outage_is_retried_later(manager, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    ContactFactory(email="gone@customer.example")
    ContactFactory(email="later@customer.example")
    ContactFactory(email="fine@customer.example")
    campaign = launched(create_campaign(actor=manager, name="Q4"))

    outcome = send_due_invitations(limit=10)

    assert (outcome.sent, outcome.bounced, outcome.retrying) == (1, 1, 1)
    bounced = campaign.invitations.get(contact__email="gone@customer.example")
    assert bounced.status == InvitationStatus.BOUNCED and "No such user" in bounced.last_error
    later = campaign.invitations.get(contact__email="later@customer.example")
    assert later.status == InvitationStatus.SCHEDULED
    assert later.attempts == 1 and later.scheduled_for > timezone.now()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING  # one invitation is still to go


def test_an_invitation_that_keeps_failing_is_given_up_after_five_attempts(manager, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    ContactFactory(email="later@customer.example")
    campaign = launched(create_campaign(actor=manager, name="Q4"))
    for _ in range(5):
        Invitation.objects.update(scheduled_for=timezone.now())
        send_due_invitations(limit=10)
    assert campaign.invitations.get().status == InvitationStatus.FAILED
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED


def test_invitations_a_dead_worker_held_go_back_on_the_schedule(manager):
    ContactFactory()
    campaign = launched(create_campaign(actor=manager, name="Q4"))
    campaign.invitations.update(
        status=InvitationStatus.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=20)
    )
    assert release_stuck_invitations() == 1
    assert send_due_invitations(limit=10).sent == 1


def test_a_launch_whose_planning_was_lost_is_found_by_the_sweep(manager):
    ContactFactory()
    campaign = create_campaign(actor=manager, name="Q4")
    launch_campaign(campaign=campaign, actor=manager)  # the planning task never ran
    assert unplanned_campaign_ids() == []  # give the queue two minutes first
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert unplanned_campaign_ids() == [campaign.pk]


def test_the_email_is_a_valid_mime_message_with_text_and_html(manager):
    ContactFactory(name="Ada Lovelace")
    launched(create_campaign(actor=manager, name="Q4"))
    send_due_invitations(limit=10)

    parsed = email.message_from_bytes(
        mail.outbox[0].message().as_bytes(), policy=email.policy.default
    )
    types = [part.get_content_type() for part in parsed.walk()]
    assert types == ["multipart/alternative", "text/plain", "text/html"]
    assert parsed["List-Unsubscribe"].strip().startswith("<https://nps.example.com/s/")
