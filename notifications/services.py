"""Telling people of the team something: a row for the bell, and an email as they chose.

`notify` writes in the caller's transaction and queues the emails on commit; the email
task claims its row (`emailed_at`) before sending and gives it back if the mail server
failed, so a task run twice sends one email, and a failed one is sent on retry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.background import enqueue_in_batches_on_commit
from core.mail import compose_email
from core.models import User
from core.said import Said
from notifications.models import EmailChoice, Notification, NotificationKind

EMAIL_BATCH_SIZE = 50


class EmailFailed(Exception):
    """The mail server refused or could not be reached: worth a retry."""


@dataclass(frozen=True)
class Notice:
    """One thing to tell some people (the batch form of `notify`)."""

    recipients: Iterable[User | None]
    kind: str
    message: Said
    target_url: str
    actor: User | None = None
    dedupe_key: str | None = None
    email: bool = True


def notify(
    *,
    recipients: Iterable[User | None],
    kind: str,
    message: Said,
    target_url: str,
    actor: User | None = None,
    dedupe_key: str | None = None,
    email: bool = True,
) -> int:
    """Tell `recipients` (never the actor, never an inactive person) `message`, linking to
    `target_url`; emailed to those who chose email for `kind` when `email`. The same
    `dedupe_key` tells each person once. Returns how many people it was for."""
    return notify_many(
        [
            Notice(
                recipients=recipients,
                kind=kind,
                message=message,
                target_url=target_url,
                actor=actor,
                dedupe_key=dedupe_key,
                email=email,
            )
        ]
    )


def notify_many(notices: Iterable[Notice]) -> int:
    """Write several notices at once: one insert, one query for the email choices."""
    planned: list[tuple[Notice, User, str]] = []
    # One row per person and key: PostgreSQL refuses an upsert that meets a row twice.
    seen: set[tuple[int, str]] = set()
    for notice in notices:
        NotificationKind(notice.kind)  # a kind nobody can choose about is a bug
        if not is_local_path(notice.target_url):
            raise ValueError(f"notification target must be a path of the app: {notice.target_url}")
        key = notice.dedupe_key or f"once:{uuid.uuid4().hex}"
        for person in notice.recipients:
            if person is None or not person.is_active or (person.pk, key) in seen:
                continue
            if notice.actor is not None and person.pk == notice.actor.pk:
                continue
            seen.add((person.pk, key))
            planned.append((notice, person, key))
    if not planned:
        return 0
    emailing = {person.pk for notice, person, _ in planned if notice.email}
    no_email = (
        set(
            EmailChoice.objects.filter(user__in=emailing, email=False).values_list(
                "user_id", "kind"
            )
        )
        if emailing
        else set()
    )
    rows = [
        Notification(
            recipient=person,
            kind=notice.kind,
            said=notice.message.as_json(),
            target_url=notice.target_url,
            actor=notice.actor,
            dedupe_key=key,
            email=notice.email and bool(person.email) and (person.pk, notice.kind) not in no_email,
        )
        for notice, person, key in planned
    ]
    # A row told before stays as it was (read or not): the upsert only hands back its id.
    # Its email, if any, is queued again, and the task finds it sent.
    Notification.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["recipient", "dedupe_key"],
        update_fields=["kind"],
    )
    for row in rows:
        if row.email:
            enqueue_in_batches_on_commit(
                "notifications.email_notifications",
                key="notification_ids",
                item=row.pk,
                size=EMAIL_BATCH_SIZE,
            )
    return len(rows)


def is_local_path(url: str) -> bool:
    """A path inside the app ("/cases/3/#note-7"), never another site."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def email_notification(*, notification_id: int) -> bool:
    """Email one notification in its recipient's language, once; False when there was
    nothing to send (already sent, not to be emailed, or the person left)."""
    claimed = Notification.objects.filter(
        pk=notification_id, email=True, emailed_at__isnull=True, recipient__is_active=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "actor").get(pk=notification_id)
    recipient = notification.recipient
    language = recipient.language or settings.LANGUAGE_CODE
    message = compose_email(
        "notifications/email/notification",
        {
            "notification": notification,
            "recipient": recipient,
            "link": f"{settings.NPS_BASE_URL.rstrip('/')}{notification.target_url}",
        },
        language=language,
        to=[recipient.email],
    )
    try:
        message.send()
    except OSError as error:  # refused or unreachable: give the row back for the retry
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise EmailFailed(
            f"notification {notification_id} to {recipient.email}: {error}"
        ) from error
    return True


def mark_read(*, notification: Notification) -> Notification:
    """The recipient opened it."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, user: User) -> int:
    """Everything the person was told is read; returns how many were unread."""
    return Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())


def save_email_choices(*, user: User, emailed_kinds: Iterable[str]) -> None:
    """Keep which kinds of notification the person also wants by email."""
    wanted = set(emailed_kinds)
    with transaction.atomic():
        for kind in NotificationKind.values:
            EmailChoice.objects.update_or_create(
                user=user, kind=kind, defaults={"email": kind in wanted}
            )
