"""An endpoint whose deliveries have failed for 5 days is disabled, and the admins told."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from webhooks.models import WebhookEndpoint
from webhooks.selectors import is_wanted
from webhooks.services.endpoints import add_endpoint, disable_failing_endpoints, enable_endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing(allow_private, admin_user) -> WebhookEndpoint:
    admin_user.email = "morgan@nps.example"
    admin_user.save()
    endpoint = add_endpoint(url="https://hooks.acme.example/nps", event_types=["case.opened"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now())
    return endpoint


def test_an_endpoint_failing_for_4_days_stays_enabled(failing):
    assert disable_failing_endpoints(now=timezone.now() + dt.timedelta(days=4)) == []

    failing.refresh_from_db()
    assert failing.enabled
    assert mail.outbox == []


def test_an_endpoint_failing_for_5_days_is_disabled_and_the_admins_emailed(failing):
    assert disable_failing_endpoints(now=timezone.now() + dt.timedelta(days=5, minutes=1)) == [
        failing.pk
    ]

    failing.refresh_from_db()
    assert not failing.enabled and failing.disabled_at is not None
    assert not is_wanted("case.opened")
    [email] = mail.outbox
    assert email.to == ["morgan@nps.example"]
    assert "https://hooks.acme.example/nps" in email.subject
    assert f"/configure/webhooks/{failing.pk}/" in email.body


def test_a_disabled_endpoint_is_not_disabled_twice(failing):
    later = timezone.now() + dt.timedelta(days=6)
    disable_failing_endpoints(now=later)

    assert disable_failing_endpoints(now=later) == []
    assert len(mail.outbox) == 1


def test_enabling_again_forgets_the_failures(failing):
    disable_failing_endpoints(now=timezone.now() + dt.timedelta(days=6))

    enable_endpoint(endpoint=failing)

    failing.refresh_from_db()
    assert failing.enabled and failing.failing_since is None
    assert is_wanted("case.opened")
