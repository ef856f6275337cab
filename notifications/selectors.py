"""What a person was told, read for the bell, the list and the profile."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from core.models import User
from notifications.models import EmailChoice, Notification, NotificationKind


def unread_count(user: User) -> int:
    """The bell's number: one count on the partial unread index."""
    return Notification.objects.for_recipient(user).unread().count()


def notifications_for(user: User) -> QuerySet[Notification]:
    """A person's notifications, the newest first, with who did it."""
    return Notification.objects.for_recipient(user).select_related("actor")


def emailed_kinds(user: User) -> set[str]:
    """The kinds the person gets by email (all, unless they turned some off)."""
    off = set(EmailChoice.objects.filter(user=user, email=False).values_list("kind", flat=True))
    return set(NotificationKind.values) - off


SWEEP_BATCH = 5000


def unsent_emails(*, older_than: dt.datetime) -> list[int]:
    """Notifications to email that were never sent (the broker was down when they were
    queued), from the last two days: older ones are news no longer worth an email."""
    return list(
        Notification.objects.filter(
            email=True,
            emailed_at__isnull=True,
            created_at__lt=older_than,
            created_at__gte=older_than - dt.timedelta(days=2),
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
