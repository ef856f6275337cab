"""The shared cache (Redis) may be down: answers are still taken and settings still read."""

import pytest
from django.urls import reverse

from core.models import LoopSettings
from surveys.models import InvitationStatus, Response
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every cache call fails to connect.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
}


@pytest.fixture
def cache_down(settings):
    settings.CACHES = UNREACHABLE_REDIS


def test_a_one_click_answer_is_recorded_while_the_cache_is_down(client, cache_down):
    invitation = InvitationFactory()
    page = reverse("survey-answer", args=[invitation.token])

    reply = client.get(page, {"score": 4})

    assert reply.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert Response.objects.get(pk=invitation.response_id).score == 4
    assert "What is the main reason" in client.get(page).text


def test_settings_are_read_and_saved_from_the_database_while_the_cache_is_down(cache_down):
    loop = LoopSettings.current()
    loop.survey_throttle_days = 45
    loop.save()

    assert LoopSettings.current().survey_throttle_days == 45
