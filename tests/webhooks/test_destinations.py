"""The SSRF guard: no webhook to this machine or its private network, unless allowed."""

import pytest
from django.core.exceptions import ValidationError

from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services.endpoints import add_endpoint
from webhooks.services.sending import deliver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://10.0.0.5/hooks",
        "http://192.168.1.20/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
    ],
)
def test_a_private_or_local_address_is_refused(url):
    with pytest.raises(ValidationError) as refused:
        add_endpoint(url=url, event_types=["case.opened"])

    assert "private or local address" in refused.value.message_dict["url"][0]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "not a url"])
def test_a_url_that_is_not_http_is_refused(url):
    with pytest.raises(ValidationError) as refused:
        add_endpoint(url=url, event_types=["case.opened"])

    assert "url" in refused.value.message_dict


def test_a_private_address_is_allowed_when_the_setting_says_so(allow_private):
    endpoint = add_endpoint(url="http://10.0.0.5/hooks", event_types=["case.opened"])

    assert endpoint.secret.startswith("whsec_")


def test_a_name_that_points_to_a_private_address_at_delivery_is_not_called(
    subscribe, receiver, settings, default_playbooks, csm, sent_later
):
    subscribe("case.opened")  # allowed then
    response = ResponseFactory(contact=ContactFactory(account=AccountFactory(csm=csm)), score=2)
    process_response(response_id=response.pk)
    settings.NPS_WEBHOOKS_ALLOW_PRIVATE = False  # as if the name now resolved to 127.0.0.1

    attempt = deliver(delivery_id=Delivery.objects.get().pk)

    assert receiver.received == []
    assert "private or local address" in attempt.error
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def test_unknown_events_are_refused_by_name(allow_private):
    with pytest.raises(ValidationError) as refused:
        add_endpoint(url="http://10.0.0.5/hooks", event_types=["case.opened", "case.deleted"])

    assert "case.deleted" in refused.value.message_dict["event_types"][0]
