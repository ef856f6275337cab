"""Themes, campaigns, keys and answers changed in the Django admin keep the app's rules."""

import pytest
from django.urls import reverse

from surveys.models import Campaign, CampaignStatus, Integration, Theme
from surveys.services.integrations import create_integration
from tests.factories import CampaignFactory, EmailCampaignFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def theme_form(theme: Theme, **changes) -> dict:
    return {
        "name": theme.name,
        "name_fr": theme.name_fr,
        "active": "on" if theme.active else None,
        "keywords_en": theme.keywords_en,
        "keywords_fr": theme.keywords_fr,
        **changes,
    }


def without_none(data: dict) -> dict:
    return {key: value for key, value in data.items() if value is not None}


def test_a_theme_answers_carry_is_not_deleted_from_the_admin(admin_client):
    theme = Theme.objects.create(name="Parking fees", keywords_en="valet")
    ResponseFactory(comment="valet").themes.add(theme)

    response = admin_client.post(
        reverse("admin:surveys_theme_delete", args=[theme.pk]), {"post": "yes"}
    )

    assert Theme.objects.filter(pk=theme.pk).exists()
    assert "answers carry it, so it stays. Switch it off instead." in response.text


def test_an_unused_theme_is_deleted_from_the_admin(admin_client):
    theme = Theme.objects.create(name="Parking fees", keywords_en="valet")

    admin_client.post(reverse("admin:surveys_theme_delete", args=[theme.pk]), {"post": "yes"})

    assert not Theme.objects.filter(pk=theme.pk).exists()


def test_a_theme_switched_off_in_the_admin_stops_tagging_new_answers(admin_client):
    theme = Theme.objects.create(name="Parking fees", keywords_en="valet", active=True)

    admin_client.post(
        reverse("admin:surveys_theme_change", args=[theme.pk]),
        without_none(theme_form(theme, active=None, keywords_en="valet, shuttle")),
    )

    theme.refresh_from_db()
    assert (theme.active, theme.keywords_en) == (False, "valet\nshuttle")


def test_a_launched_email_campaign_cannot_be_deleted_from_the_admin(admin_client):
    campaign = EmailCampaignFactory(status=CampaignStatus.SENDING)

    response = admin_client.post(
        reverse("admin:surveys_campaign_delete", args=[campaign.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_a_draft_email_campaign_edited_in_the_admin_keeps_its_sending_fields(admin_client):
    campaign = EmailCampaignFactory(name="Q1", status=CampaignStatus.DRAFT)
    page = admin_client.get(reverse("admin:surveys_campaign_change", args=[campaign.pk]))

    assert 'name="name"' in page.text
    assert 'name="invitations_sent"' not in page.text


def test_a_key_renamed_in_the_admin_is_stored_trimmed(admin_client):
    integration = create_integration(name="Zapier").integration

    admin_client.post(
        reverse("admin:surveys_integration_change", args=[integration.pk]),
        {"name": "  Zapier (prod)  "},
    )

    assert Integration.objects.get(pk=integration.pk).name == "Zapier (prod)"


def test_an_answers_campaign_is_corrected_in_the_admin_without_touching_its_score(admin_client):
    answer = ResponseFactory(score=3)
    campaign = CampaignFactory()

    admin_client.post(
        reverse("admin:surveys_response_change", args=[answer.pk]),
        {"campaign": campaign.pk, "language": "fr"},
    )

    answer.refresh_from_db()
    assert (answer.campaign, answer.language, answer.score) == (campaign, "fr", 3)


def test_another_tools_campaign_is_deleted_from_the_admin_and_its_answers_stay(admin_client):
    campaign = CampaignFactory()
    answer = ResponseFactory(campaign=campaign)

    admin_client.post(reverse("admin:surveys_campaign_delete", args=[campaign.pk]), {"post": "yes"})

    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    answer.refresh_from_db()
    assert answer.campaign is None
