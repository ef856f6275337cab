"""Accounts, their email domains, their contacts and interactions, as people edit them by
hand (the Django admin); CRM files go through `imports`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Account, AccountDomain, Contact, Interaction
from accounts.signals import account_arr_changed, contact_account_set, contact_role_changed

if TYPE_CHECKING:
    from core.models import User


def normalize_domain(domain: str) -> str:
    """An email domain as answers are matched on it: the lower-case part after "@"."""
    domain = domain.strip().lower().removeprefix("@")
    if not domain or "@" in domain or "." not in domain:
        raise ValidationError(
            _("Enter the email domain only, such as 'acme.com' (no '@', no address)."),
            code="invalid_domain",
        )
    return domain


@transaction.atomic
def save_account(*, account: Account, domains: list[str] | None = None) -> Account:
    """Create or change an account; with `domains`, its email domains become exactly those."""
    account.full_clean()
    previous_arr = (
        Account.objects.filter(pk=account.pk).values_list("arr", flat=True).first()
        if account.pk
        else None
    )
    account.save()
    if previous_arr is not None and previous_arr != account.arr:
        account_arr_changed.send(sender=Account, account_ids=[account.pk])
    if domains is not None:
        wanted = {normalize_domain(domain) for domain in domains}
        account.domains.exclude(domain__in=wanted).delete()
        have = set(account.domains.values_list("domain", flat=True))
        AccountDomain.objects.bulk_create(
            AccountDomain(account=account, domain=domain) for domain in sorted(wanted - have)
        )
    return account


@transaction.atomic
def delete_account(*, account: Account) -> None:
    """Delete an account with its domains and interactions. One that has contacts, answers
    or cases stays: the database refuses it (ProtectedError)."""
    account.delete()


@transaction.atomic
def save_contact(*, contact: Contact, actor: User | None = None) -> Contact:
    """Create or change a contact. An account given to it is also given to its answers that
    wait for one (through `contact_account_set`), as matching them by hand does."""
    contact.email = contact.email.strip().lower()
    contact.full_clean()
    if contact.is_erased:
        raise ValidationError(_("This contact was erased at their request: it cannot change."))
    stored = (
        Contact.objects.filter(pk=contact.pk)
        .values_list("account_id", "persona", "influence")
        .first()
        if contact.pk
        else None
    )
    previous = stored[0] if stored else None
    contact.save()
    if stored and stored[1:] != (contact.persona, contact.influence):
        contact_role_changed.send(sender=Contact, contact_ids=[contact.pk])
    if contact.account_id is not None and contact.account_id != previous:
        contact_account_set.send(
            sender=Contact, contact=contact, account=contact.account, actor=actor
        )
    return contact


@transaction.atomic
def delete_contact(*, contact: Contact) -> None:
    """Delete a contact nobody surveyed: one with answers, invitations or cases stays (the
    database refuses it)."""
    contact.delete()


def save_interaction(*, interaction: Interaction) -> Interaction:
    """Record or correct an interaction with an account (a call, a meeting, an email)."""
    interaction.full_clean()
    interaction.save()
    return interaction


def delete_interaction(*, interaction: Interaction) -> None:
    """Delete an interaction recorded by mistake."""
    interaction.delete()
