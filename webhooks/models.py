"""Endpoints that receive events, the events announced (an outbox written in the transaction
of the change they announce), their deliveries and each attempt of a delivery."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WebhookEndpoint(models.Model):
    """A URL that receives the events it subscribed to, signed with its own secret."""

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = ArrayField(models.CharField(max_length=40), verbose_name=_("events"))
    # Needed to sign every delivery, so kept; shown once, when the endpoint is created.
    secret = models.CharField(max_length=100)
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # When its deliveries started failing without a success since; None: working.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["url", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class ObjectSequence(models.Model):
    """The last sequence number given to an event about one object (`case:42`): receivers
    order the events of an object by it, whatever order they arrive in."""

    object_key = models.CharField(max_length=80, primary_key=True)
    last = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.object_key}: {self.last}"


class WebhookEvent(models.Model):
    """One event, as signed and sent to every endpoint subscribed to it (the outbox row)."""

    # The `webhook-id` header: the same on every attempt, so that receivers drop repeats.
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=40)
    object_key = models.CharField(max_length=80)
    sequence = models.PositiveBigIntegerField()
    # The body exactly as sent, so that a replay sends the same bytes.
    body = models.TextField()
    # The person the body names, if any: erasing them deletes their events.
    contact_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    is_test = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_key", "sequence"],
                condition=Q(is_test=False),
                name="webhook_event_sequence_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_key} #{self.sequence}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """An event on its way to one endpoint: tried until delivered, or until the retries
    run out."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next attempt is due (pending only); a worker sending it pushes it a lease
    # ahead, so that a second worker given the same delivery leaves it alone.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_once_per_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"


class DeliveryAttempt(models.Model):
    """One request sent to an endpoint, and what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"))
    # The first kilobyte of the answer: enough to see an error page, never a huge body.
    response_excerpt = models.TextField(_("answer"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
