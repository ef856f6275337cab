"""After an erasure: no path surveys, stores or imports the person again; retention."""

import datetime as dt
import hashlib
import hmac
import io
import json

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import Contact
from accounts.services.erasure import remember_erased_address
from imports.services.answers import import_responses
from imports.services.customers import import_contacts
from surveys.audience import campaign_audience
from surveys.models import IntegrationKind, InvitationStatus, Response
from surveys.services.erasure import EXPIRED
from surveys.services.integrations import create_integration
from surveys.tasks import expire_old_comments
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EmailCampaignFactory,
    InvitationFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db

EMAIL = "gone@customer.example"


@pytest.fixture
def erased():
    remember_erased_address(email=EMAIL)


def test_a_contacts_file_does_not_bring_an_erased_person_back(erased):
    account = AccountFactory(external_id="ACC-9")

    result = import_contacts(
        file=io.BytesIO(
            f"email,name,account_external_id\n{EMAIL.upper()},Back Again,ACC-9\n"
            "kept@customer.example,Kept,ACC-9\n".encode()
        ),
        skip_invalid=True,
    )

    assert result.created == 1
    (error,) = result.errors
    assert "erased from NPS Loop at their request" in str(error)
    assert EMAIL not in str(error).lower()  # the report is kept: it does not repeat it
    assert list(Contact.objects.values_list("email", flat=True)) == ["kept@customer.example"]
    assert account.contacts.count() == 1


def test_an_answers_file_does_not_store_an_erased_persons_answer(erased):
    result = import_responses(
        file=io.BytesIO(f"external_id,email,score\nr-1,{EMAIL},2\n".encode()),
    )

    assert result.created == 0
    assert "erased from NPS Loop at their request" in str(result.errors[0])
    assert not Response.objects.exists()


def test_an_erased_contact_is_left_out_of_campaign_audiences(db):
    account = AccountFactory()
    kept = ContactFactory(account=account)
    ContactFactory(account=account, erased_at=timezone.now())

    assert list(campaign_audience(EmailCampaignFactory())) == [kept]


def test_the_sender_never_sends_to_an_erased_address(erased, mailoutbox):
    from surveys.services.sending import send_due_invitations

    # A row that slipped in with the address (restored from a backup, say).
    contact = ContactFactory()
    Contact.objects.filter(pk=contact.pk).update(email=EMAIL)
    invitation = InvitationFactory(
        contact=contact, status=InvitationStatus.SCHEDULED, sent_at=None, expires_at=None
    )

    send_due_invitations(limit=10)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXCLUDED
    assert mailoutbox == []


def test_the_webhook_of_a_survey_tool_acknowledges_an_erased_answer_and_stores_nothing(db):
    from tests.surveys.test_hook_delighted import deliver, payload

    create_integration(name="delighted", kind=IntegrationKind.DELIGHTED, signing_secret="s3cret")
    remember_erased_address(email="charlie.gravis@acme.example")
    body = json.dumps(payload("response_created")).encode()
    digest = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()

    reply = deliver(Client(), body, headers={"X-Delighted-Webhook-Signature": f"sha256={digest}"})

    assert reply.status_code == 200  # the tool must not retry: there is nothing to fix
    assert "erased" in reply.json()["ignored"]
    assert not Response.objects.exists() and not Contact.objects.exists()


# --- retention ---------------------------------------------------------------------------


@pytest.fixture
def old_and_new():
    now = timezone.now()
    old = ResponseFactory(
        score=3,
        comment="Ancient grievance about billing",
        answered_at=now - dt.timedelta(days=400),
        payload={"comment": "Ancient grievance about billing", "score": 3},
    )
    new = ResponseFactory(score=9, comment="Fresh praise", answered_at=now - dt.timedelta(days=5))
    return old, new


@override_settings(NPS_RETENTION_DAYS=365)
def test_retention_blanks_old_comments_and_keeps_scores_and_recent_ones(old_and_new, caplog):
    old, new = old_and_new
    caplog.set_level("INFO")

    assert expire_old_comments() == 1

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.score, old.comment, old.payload) == (3, EXPIRED, {"comment": EXPIRED, "score": 3})
    assert (new.score, new.comment) == (9, "Fresh praise")
    assert "comments of 1 answers older than 365 days blanked" in caplog.text
    assert "grievance" not in caplog.text.lower()


@override_settings(NPS_RETENTION_DAYS=365)
def test_retention_run_twice_changes_nothing_the_second_time(old_and_new):
    expire_old_comments()

    assert expire_old_comments() == 0


@override_settings(NPS_RETENTION_DAYS=None)
def test_without_a_retention_period_every_comment_is_kept(old_and_new):
    assert expire_old_comments() == 0
    assert Response.objects.filter(comment=EXPIRED).count() == 0


@pytest.mark.parametrize("value", ["two years", "0"])
def test_a_retention_period_that_is_not_a_number_of_days_stops_the_start(value):
    from tests.core.test_check_deploy import manage

    result = manage("check", DJANGO_DEBUG="true", NPS_RETENTION_DAYS=value)

    assert result.returncode != 0
    assert "NPS_RETENTION_DAYS" in result.stderr and "whole number of days" in result.stderr


def test_a_survey_link_sent_before_the_erasure_leads_nowhere(client):
    from django.urls import reverse

    from playbooks.services.erasure import erase_contact_by_id

    invitation = InvitationFactory()
    erase_contact_by_id(contact_id=invitation.contact_id)

    reply = client.post(reverse("survey-answer", args=[invitation.token]), {"score": 3})

    assert reply.status_code == 404
    assert not Response.objects.exists()
