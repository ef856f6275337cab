from collections.abc import Callable

import pytest

from core import background
from notifications.tasks import email_notifications
from tests.playbooks.conftest import (  # noqa: F401  (the playbooks' fixtures, shared)
    case,
    default_playbooks,
    fresh_settings_cache,
    other_csm,
)


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, dict]]:
    """The tasks sent to the broker, recorded instead of sent."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(background, "enqueue", lambda name, **kwargs: sent.append((name, kwargs)))
    return sent


@pytest.fixture
def run_email_tasks(queued, django_capture_on_commit_callbacks) -> Callable:
    """Run `write` in a transaction that commits, then the email tasks it queued, as the
    worker would; returns how many emails went out."""

    def run(write: Callable) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            write()
        ids = [
            notification_id
            for name, kwargs in queued
            if name == "notifications.email_notifications"
            for notification_id in kwargs["notification_ids"]
        ]
        queued.clear()
        return email_notifications(notification_ids=ids)

    return run
