"""What a person of the team is told in the app (the bell), and by email as they chose."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.said import render


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    MENTIONED = "mentioned", _("Mentioned in a note")
    ITEM_DUE = "item_due", _("Action item due")
    ITEM_DONE = "item_done", _("Action item done by a colleague")
    ESCALATED = "escalated", _("Case escalated")
    FOLLOW_UP_ANSWERED = "follow_up_answered", _("Follow-up survey answered")
    ANSWER_JOINED = "answer_joined", _("Answer joined to a case")
    CASE_SUPERSEDED = "case_superseded", _("Case superseded")
    ISSUE_THRESHOLD = "issue_threshold", _("Recurring issue reached the alert threshold")


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One thing one person is told: a sentence kept untranslated, and where to look."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    # The sentence and its parameters (core.said), translated when the recipient reads it.
    said = models.JSONField(default=dict)
    target_url = models.CharField(_("link"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Whether this notification is to be emailed (the person's choice, at the time).
    email = models.BooleanField(default=False)
    # The same event told twice (a task run twice) is one row: see the constraint. An event
    # told once whatever happens gets a key of its own.
    dedupe_key = models.CharField(max_length=200)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_recipient_and_key"
            )
        ]
        indexes = [
            # The bell: a person's unread count, on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
            # The sweep: emails queued while the broker was down.
            models.Index(
                fields=["created_at"],
                condition=Q(email=True, emailed_at__isnull=True),
                name="notification_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"

    @property
    def text(self) -> str:
        """The sentence in the active language."""
        return render(self.said)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class EmailChoice(models.Model):
    """A person's choice of whether one kind of notification also comes by email.

    No row means the default: emailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_emails"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_choice_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {'email' if self.email else 'no email'}"
