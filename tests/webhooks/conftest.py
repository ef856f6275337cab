from collections.abc import Iterator

import pytest

from playbooks.defaults import install_default_playbooks
from tests.webhooks.receiver import Receiver, running_receiver
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import add_endpoint


@pytest.fixture
def default_playbooks(db) -> None:
    """The shipped playbooks (a database flushed by a transactional test lost them)."""
    install_default_playbooks()


@pytest.fixture
def allow_private(settings):
    """The receivers of the tests listen on 127.0.0.1."""
    settings.NPS_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def subscribe(allow_private, receiver):
    """Register the receiver for these events; its secret becomes the receiver's."""

    def subscribe_to(*event_types: str) -> WebhookEndpoint:
        endpoint = add_endpoint(url=receiver.url, event_types=list(event_types))
        receiver.secret = endpoint.secret
        return endpoint

    return subscribe_to


@pytest.fixture
def sent_later(monkeypatch) -> list:
    """Retries the deliveries ask the broker for (with a countdown), recorded, not sent:
    the tests make the next attempt themselves, at the time they choose."""
    asked: list = []
    monkeypatch.setattr(
        "webhooks.services.sending.send_now",
        lambda ids, countdown=None: asked.append((ids, countdown)),
    )
    return asked
