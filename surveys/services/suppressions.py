"""Starting and lifting survey suppressions: nobody is surveyed while their problem is worked on."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Account, Contact
from surveys.models import Suppression, SuppressionReason


def suppress_surveys(
    *,
    contact: Contact | None = None,
    account: Account | None = None,
    reason: str = SuppressionReason.MANUAL,
    note: str = "",
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    validate: bool = True,
) -> Suppression:
    """Stop surveys to a contact or to a whole account, until `ends_at` or until lifted.

    `validate=False` skips `full_clean` (its queries) for a suppression built from rows
    just read, as the engine's is; the database's constraints still hold.
    """
    if (contact is None) == (account is None):
        raise ValidationError("A suppression is for one contact or for one account.")
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must come after the start."})
    suppression = Suppression(
        contact=contact,
        account=account,
        reason=reason,
        note=note[:300],
        starts_at=starts_at,
        ends_at=ends_at,
    )
    if validate:
        suppression.full_clean()
    suppression.save()
    return suppression


def lift_suppression(*, suppression: Suppression) -> bool:
    """End a suppression now; False when it had already been lifted."""
    now = timezone.now()
    return bool(
        Suppression.objects.filter(pk=suppression.pk, lifted_at__isnull=True).update(lifted_at=now)
    )
