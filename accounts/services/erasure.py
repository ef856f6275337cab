"""Erasing a person (GDPR Art. 17), the part `accounts` holds: the contact itself, the
interactions that name them, and the keyed hash that keeps them from coming back.

The whole erasure (answers, cases, imports) is `playbooks.services.erasure.erase_contact`;
it calls this inside its transaction.
"""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from accounts.models import Contact, ErasedAddress, Interaction, address_hash, tombstone_email
from core.redaction import ERASED, Needles, scrub


def remember_erased_address(*, email: str) -> None:
    """Keep the address's keyed hash, so that the person is never surveyed nor stored again."""
    ErasedAddress.objects.get_or_create(
        address_hash=address_hash(email), defaults={"erased_at": timezone.now()}
    )


def erase_contact_record(*, contact: Contact, needles: Needles) -> int:
    """Turn the contact into a tombstone and blank the interactions that name them.

    Persona, influence, language and account stay: the figures by persona count the
    answers still. The tombstone is opted out, so that no path can survey it. Returns
    how many interactions were blanked.
    """
    now = timezone.now()
    interactions = _blank_interactions(contact, needles)
    _forget_in_admin_history(contact, needles)
    contact.name = ""
    contact.email = tombstone_email(contact.pk)
    contact.title = ""
    contact.phone = ""
    contact.external_id = ""
    contact.opted_out = True
    contact.opted_out_at = contact.opted_out_at or now
    contact.erased_at = now
    contact.save(
        update_fields=[
            "name",
            "email",
            "title",
            "phone",
            "external_id",
            "opted_out",
            "opted_out_at",
            "erased_at",
            "updated_at",
        ]
    )
    return interactions


def _blank_interactions(contact: Contact, needles: Needles) -> int:
    # Their own interactions are about them whatever they say; others only when they
    # name them.
    blanked = 0
    scope = Q(contact=contact)
    if contact.account_id is not None:
        scope |= Q(account_id=contact.account_id)
    for interaction in Interaction.objects.filter(scope).only("pk", "contact_id", "summary"):
        mine = interaction.contact_id == contact.pk
        if mine or needles.found_in(interaction.summary):
            Interaction.objects.filter(pk=interaction.pk).update(summary=ERASED)
            blanked += 1
    return blanked


def _forget_in_admin_history(contact: Contact, needles: Needles) -> None:
    """The Django admin's history names every object it changed by its text (`Name <email>`)."""
    contact_type = ContentType.objects.get_for_model(Contact)
    LogEntry.objects.filter(content_type=contact_type, object_id=str(contact.pk)).update(
        object_repr=tombstone_email(contact.pk), change_message=""
    )
    for word in needles.words:
        for entry in LogEntry.objects.filter(
            Q(object_repr__icontains=word) | Q(change_message__icontains=word)
        ):
            entry.object_repr = scrub(entry.object_repr, needles)
            entry.change_message = scrub(entry.change_message, needles)
            entry.save(update_fields=["object_repr", "change_message"])
