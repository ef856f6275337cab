"""Unsubscribing from an invitation's link: a confirmation page, and RFC 8058 one-click POSTs."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation, InvitationStatus
from surveys.services.answering import answer_invitation
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    return InvitationFactory()


def unsubscribe_url(invitation):
    return reverse("survey-unsubscribe", args=[invitation.token])


def test_the_link_asks_for_confirmation_and_opts_no_one_out(client, invitation):
    reply = client.get(unsubscribe_url(invitation))

    assert reply.status_code == 200
    page = reply.content.decode()
    assert "Stop receiving surveys?" in page
    assert 'method="post"' in page
    invitation.contact.refresh_from_db()
    assert not invitation.contact.opted_out
    assert reply["Referrer-Policy"] == "same-origin"
    assert "no-store" in reply["Cache-Control"]


def test_confirming_opts_the_contact_out_and_marks_the_invitation(client, invitation):
    reply = client.post(unsubscribe_url(invitation))

    assert reply.status_code == 200
    assert "You are unsubscribed" in reply.content.decode()
    invitation.refresh_from_db()
    invitation.contact.refresh_from_db()
    assert invitation.contact.opted_out
    assert invitation.status == InvitationStatus.OPTED_OUT
    assert invitation.opted_out_at is not None


def test_a_mail_clients_one_click_post_without_csrf_token_unsubscribes(invitation):
    mail_client = Client(enforce_csrf_checks=True)

    reply = mail_client.post(
        unsubscribe_url(invitation),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert reply.status_code == 200
    invitation.contact.refresh_from_db()
    assert invitation.contact.opted_out


def test_unsubscribing_twice_keeps_the_first_time(client, invitation):
    client.post(unsubscribe_url(invitation))
    invitation.refresh_from_db()
    first = invitation.opted_out_at

    again = client.post(unsubscribe_url(invitation))

    invitation.refresh_from_db()
    assert again.status_code == 200
    assert invitation.opted_out_at == first


def test_the_link_of_an_opted_out_contact_says_so_without_a_button(client, invitation):
    client.post(unsubscribe_url(invitation))

    page = client.get(unsubscribe_url(invitation)).content.decode()

    assert "You are unsubscribed" in page
    assert "<form" not in page


def test_an_answered_invitation_stays_answered_when_its_contact_unsubscribes(client, invitation):
    answer_invitation(invitation=invitation, score=8)

    client.post(unsubscribe_url(invitation))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert invitation.opted_out_at is not None
    invitation.contact.refresh_from_db()
    assert invitation.contact.opted_out


def test_an_expired_link_still_unsubscribes(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=10)
    )

    reply = client.post(unsubscribe_url(invitation))

    assert reply.status_code == 200
    invitation.contact.refresh_from_db()
    assert invitation.contact.opted_out


def test_an_unknown_token_unsubscribes_no_one(client, invitation):
    reply = Client(enforce_csrf_checks=True).post("/s/" + "y" * 32 + "/unsubscribe/")

    assert reply.status_code == 404
    assert "This link does not work" in reply.content.decode()
    invitation.contact.refresh_from_db()
    assert not invitation.contact.opted_out


def test_a_head_request_unsubscribes_no_one(client, invitation):
    client.head(unsubscribe_url(invitation))

    invitation.contact.refresh_from_db()
    assert not invitation.contact.opted_out
