"""`manage.py add_webhook_endpoint`, for scripted set-ups."""

import io

import pytest
from django.core.management import CommandError, call_command

from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_the_command_adds_the_endpoint_and_prints_the_secret_alone_on_its_last_line(
    allow_private,
):
    out = io.StringIO()

    call_command(
        "add_webhook_endpoint",
        "https://hooks.acme.example/nps",
        "--events",
        "case.opened,case.closed",
        stdout=out,
    )

    endpoint = WebhookEndpoint.objects.get()
    assert out.getvalue().splitlines()[-1] == endpoint.secret
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.event_types == ["case.opened", "case.closed"]


def test_the_command_names_unknown_events_and_bad_urls():
    with pytest.raises(CommandError) as refused:
        call_command("add_webhook_endpoint", "http://127.0.0.1/x", "--events", "case.opened,nope")

    assert "url: " in str(refused.value)
    assert "event_types: Unknown events: nope" in str(refused.value)
    assert not WebhookEndpoint.objects.exists()
