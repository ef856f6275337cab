"""How `surveys` hears of changes made in `accounts`: the `contact_account_set` signal."""

from __future__ import annotations

from django.dispatch import receiver

from accounts.signals import contact_account_set


@receiver(contact_account_set, dispatch_uid="surveys.answers_follow_their_contact")
def answers_follow_their_contact(sender, contact, account, actor, **kwargs) -> None:
    """A contact given an account by hand takes its unmatched answers along, in the same
    transaction, as matching them from the answers page does."""
    from surveys.services.responses import answers_follow_contact

    answers_follow_contact(contact=contact, account=account, actor=actor)
