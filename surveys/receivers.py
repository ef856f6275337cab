"""How `surveys` hears of changes made in `accounts` (the `contact_account_set` signal), of
changes to its themes, which are cached, and of email providers' delivery reports."""

from __future__ import annotations

from anymail.signals import tracking
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.signals import contact_account_set
from surveys.models import Integration, Response, Theme
from surveys.signals import response_batch_recorded, response_recorded, response_updated


@receiver(contact_account_set, dispatch_uid="surveys.answers_follow_their_contact")
def answers_follow_their_contact(sender, contact, account, actor, **kwargs) -> None:
    """A contact given an account by hand takes its unmatched answers along, in the same
    transaction, as matching them from the answers page does."""
    from surveys.services.responses import answers_follow_contact

    answers_follow_contact(contact=contact, account=account, actor=actor)


@receiver(post_save, sender=Theme, dispatch_uid="surveys.forget_active_themes_on_save")
@receiver(post_delete, sender=Theme, dispatch_uid="surveys.forget_active_themes_on_delete")
def forget_active_themes(sender, **kwargs) -> None:
    """A theme changed: the cached active themes go, now and once the change commits (a
    worker may have cached the old ones meanwhile)."""
    from surveys.services.themes import forget_active_themes

    forget_active_themes()
    transaction.on_commit(forget_active_themes, robust=True)


@receiver(post_save, sender=Integration, dispatch_uid="surveys.forget_known_keys_on_save")
@receiver(post_delete, sender=Integration, dispatch_uid="surveys.forget_known_keys_on_delete")
def forget_known_keys(sender, **kwargs) -> None:
    """An integration changed (the admin, a rename): its key is read afresh everywhere, now
    and once the change commits."""
    from surveys.services.integrations import forget_known_keys

    forget_known_keys()
    transaction.on_commit(forget_known_keys, robust=True)


@receiver(response_recorded, sender=Response, dispatch_uid="surveys.announce_recorded")
def announce_recorded(sender, response, **kwargs) -> None:
    """Outbound webhooks hear of the new answer, in its transaction."""
    from surveys.services.announcements import announce_recorded

    announce_recorded(response=response)


@receiver(response_batch_recorded, sender=Response, dispatch_uid="surveys.announce_batch")
def announce_recorded_batch(sender, response_ids, history_ids=(), **kwargs) -> None:
    """Outbound webhooks hear of each answer of a batch, in its transaction."""
    from surveys.services.announcements import announce_recorded_batch

    announce_recorded_batch(response_ids=[*response_ids, *history_ids])


@receiver(response_updated, sender=Response, dispatch_uid="surveys.announce_updated")
def announce_updated(sender, response, fields, **kwargs) -> None:
    """Outbound webhooks hear of the corrected answer, in its transaction."""
    from surveys.services.announcements import announce_updated

    announce_updated(response=response, fields=list(fields))


@receiver(tracking, dispatch_uid="surveys.record_delivery_event")
def record_delivery_event(sender, event, esp_name, **kwargs) -> None:
    """An email provider reported what became of an email (django-anymail's tracking
    webhook): bounces and complaints stop the surveys to the address, soft bounces are
    sent again (`surveys.services.deliveries`)."""
    from surveys.deliveries import delivery_report
    from surveys.services.deliveries import record_delivery_event

    report = delivery_report(event, provider=esp_name)
    if report is not None:
        record_delivery_event(report=report)
