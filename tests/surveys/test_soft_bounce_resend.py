"""A soft-bounced survey email goes again later: after each delay, a bounded number of times,
once, and only while the person may still be surveyed."""

import datetime as dt
import itertools

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from surveys.deliveries import DeliveryReport
from surveys.models import DeliveryKind, Exclusion, InvitationStatus, Suppression
from surveys.services.answering import answer_invitation
from surveys.services.deliveries import RESEND_DELAYS, record_delivery_event, resends_due
from surveys.services.sending import release_stuck_invitations
from surveys.services.suppressions import suppress_surveys
from surveys.tasks import resend_invitation
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

event_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NPS_BASE_URL = "https://nps.example.com"


def reported(invitation, kind=DeliveryKind.SOFT_BOUNCED):
    """The provider reports `kind` about the invitation's email, now."""
    return record_delivery_event(
        report=DeliveryReport(
            provider="Postmark",
            event_id=str(next(event_ids)),
            kind=kind,
            recipient=invitation.contact.email,
            message_id="",
            invitation_id=invitation.pk,
            description="Mailbox full",
            occurred_at=timezone.now(),
        )
    )


def later(delay: dt.timedelta):
    return time_machine.travel(timezone.now() + delay + dt.timedelta(minutes=1), tick=False)


def test_a_soft_bounced_invitation_goes_again_once_its_delay_is_over():
    invitation = InvitationFactory()
    reported(invitation)

    assert resend_invitation(invitation_id=invitation.pk) is False  # not yet
    with later(RESEND_DELAYS[0]):
        assert resends_due() == [invitation.pk]
        assert resend_invitation(invitation_id=invitation.pk) is True

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.resend_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [invitation.contact.email]
    assert invitation.message_id == mail.outbox[0].extra_headers["Message-ID"]


def test_running_the_resend_twice_sends_one_email():
    invitation = InvitationFactory()
    reported(invitation)

    with later(RESEND_DELAYS[0]):
        first = resend_invitation(invitation_id=invitation.pk)
        second = resend_invitation(invitation_id=invitation.pk)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


def test_a_second_report_of_the_same_soft_bounce_uses_no_retry():
    invitation = InvitationFactory()
    reported(invitation)
    reported(invitation)

    invitation.refresh_from_db()
    assert invitation.soft_bounces == 1


def test_after_the_last_retry_another_soft_bounce_counts_as_bounced():
    invitation = InvitationFactory()
    now = timezone.now()
    for delay in RESEND_DELAYS:
        with time_machine.travel(now, tick=False):
            reported(invitation)
        now += delay + dt.timedelta(minutes=1)
        with time_machine.travel(now, tick=False):
            assert resend_invitation(invitation_id=invitation.pk) is True
        invitation.refresh_from_db()

    with time_machine.travel(now + dt.timedelta(minutes=10), tick=False):
        reported(invitation)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BOUNCED
    assert invitation.bounced_at is not None
    assert invitation.soft_bounces == len(RESEND_DELAYS) + 1
    assert len(mail.outbox) == len(RESEND_DELAYS)
    assert not Suppression.objects.exists()  # a full mailbox is no reason to stop for good


def test_an_invitation_answered_meanwhile_is_not_sent_again():
    invitation = InvitationFactory()
    reported(invitation)

    answer_invitation(invitation=invitation, score=9)
    with later(RESEND_DELAYS[0]):
        assert resend_invitation(invitation_id=invitation.pk) is False

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert mail.outbox == []


def test_a_contact_suppressed_meanwhile_is_not_sent_again():
    invitation = InvitationFactory()
    reported(invitation)
    suppress_surveys(contact=invitation.contact, note="Escalated by hand")

    with later(RESEND_DELAYS[0]):
        assert resend_invitation(invitation_id=invitation.pk) is False

    invitation.refresh_from_db()
    assert (invitation.status, invitation.exclusion) == (
        InvitationStatus.EXCLUDED,
        Exclusion.SUPPRESSED,
    )
    assert mail.outbox == []


def test_a_hard_bounce_meanwhile_cancels_the_resend():
    invitation = InvitationFactory()
    reported(invitation)
    reported(invitation, DeliveryKind.BOUNCED)

    with later(RESEND_DELAYS[0]):
        assert resends_due() == []
        assert resend_invitation(invitation_id=invitation.pk) is False

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.BOUNCED
    assert mail.outbox == []


def test_a_late_report_about_the_email_before_the_resend_changes_nothing():
    invitation = InvitationFactory()
    reported(invitation)
    with later(RESEND_DELAYS[0]):
        resend_invitation(invitation_id=invitation.pk)

    reported(invitation)  # dated before the email that went again

    invitation.refresh_from_db()
    assert (invitation.status, invitation.soft_bounces) == (InvitationStatus.SENT, 1)


def test_a_delivery_after_a_soft_bounce_cancels_the_resend():
    invitation = InvitationFactory()
    reported(invitation)

    reported(invitation, DeliveryKind.DELIVERED)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.resend_at is None


def test_a_resend_left_half_done_by_a_dead_worker_goes_back_to_its_retries():
    invitation = InvitationFactory(status=InvitationStatus.SENDING)
    invitation.claimed_at = timezone.now() - dt.timedelta(hours=1)
    invitation.save(update_fields=["claimed_at"])

    release_stuck_invitations()

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DEFERRED
    assert resends_due() == [invitation.pk]
