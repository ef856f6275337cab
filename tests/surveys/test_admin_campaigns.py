"""Campaigns and invitations in the Django admin: visible, never rewritten behind the services."""

import pytest
from django.urls import reverse

from surveys.models import CampaignStatus, DeliveryEvent, DeliveryKind
from tests.factories import EmailCampaignFactory, InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_admin_sees_invitations_and_what_became_of_them_without_their_token(admin_client):
    invitation = InvitationFactory(contact__email="ada@acme.example")

    listing = admin_client.get(reverse("admin:surveys_invitation_changelist"))
    detail = admin_client.get(reverse("admin:surveys_invitation_change", args=[invitation.pk]))

    assert "ada@acme.example" in listing.text
    assert detail.status_code == 200
    assert invitation.token not in detail.text  # the key to the answer page stays secret


def test_invitations_cannot_be_added_changed_or_deleted_in_the_admin(admin_client):
    invitation = InvitationFactory()
    change = reverse("admin:surveys_invitation_change", args=[invitation.pk])

    assert admin_client.get(reverse("admin:surveys_invitation_add")).status_code == 403
    admin_client.post(change, {"status": "answered"})
    invitation.refresh_from_db()
    assert invitation.status == "sent"
    delete = reverse("admin:surveys_invitation_delete", args=[invitation.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_a_launched_email_campaign_is_read_only_in_the_admin(admin_client):
    campaign = EmailCampaignFactory(name="Q4", status=CampaignStatus.SENDING)
    change = reverse("admin:surveys_campaign_change", args=[campaign.pk])

    page = admin_client.get(change)
    admin_client.post(change, {"name": "Renamed", "status": "draft"})

    assert 'name="name"' not in page.text
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status) == ("Q4", CampaignStatus.SENDING)


def test_an_admin_sees_what_the_email_provider_reported_and_cannot_change_it(admin_client):
    invitation = InvitationFactory()
    event = DeliveryEvent.objects.create(
        provider="Postmark",
        event_id="4323372036854775807",
        kind=DeliveryKind.BOUNCED,
        invitation=invitation,
        recipient=invitation.contact.email,
        description="Mailbox not found",
    )

    listing = admin_client.get(reverse("admin:surveys_deliveryevent_changelist"))
    page = admin_client.get(reverse("admin:surveys_deliveryevent_change", args=[event.pk]))

    assert listing.status_code == page.status_code == 200
    assert "Mailbox not found" in listing.content.decode()
    assert admin_client.get(reverse("admin:surveys_deliveryevent_add")).status_code == 403
