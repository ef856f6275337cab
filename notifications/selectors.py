"""What a person was told, read for the bell, the list and the profile."""

from __future__ import annotations

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
