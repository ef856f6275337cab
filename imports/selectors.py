"""Reads of the CRM-sync API: accounts and contacts as a CRM lists them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from accounts.models import Account, Contact


def account_list(
    *,
    external_id: str = "",
    segment: str = "",
    updated_since: dt.datetime | None = None,
    q: str = "",
) -> QuerySet[Account]:
    """Accounts in the order they were created, with their CSM and domains, filtered."""
    accounts = Account.objects.select_related("csm").prefetch_related("domains").order_by("pk")
    if external_id:
        accounts = accounts.filter(external_id=external_id)
    if segment:
        accounts = accounts.filter(segment=segment)
    if updated_since is not None:
        accounts = accounts.filter(updated_at__gte=updated_since)
    if q:
        accounts = accounts.filter(Q(name__icontains=q) | Q(external_id__icontains=q))
    return accounts


def contact_list(
    *,
    external_id: str = "",
    email: str = "",
    account_external_id: str = "",
    updated_since: dt.datetime | None = None,
    q: str = "",
) -> QuerySet[Contact]:
    """Contacts not erased, in the order they were created, with their account, filtered."""
    contacts = Contact.objects.not_erased().select_related("account").order_by("pk")
    if external_id:
        contacts = contacts.filter(external_id=external_id)
    if email:
        contacts = contacts.filter(email__iexact=email)
    if account_external_id:
        contacts = contacts.filter(account__external_id=account_external_id)
    if updated_since is not None:
        contacts = contacts.filter(updated_at__gte=updated_since)
    if q:
        contacts = contacts.filter(Q(name__icontains=q) | Q(email__icontains=q))
    return contacts


def account_by_external_id(external_id: str) -> Account | None:
    """The account with this CRM id, ready to be shown; None when there is none."""
    return account_list().filter(external_id=external_id).first()


def contact_by_external_id(external_id: str) -> Contact | None:
    """The contact (not erased) with this CRM id, ready to be shown; None when none."""
    if not external_id:
        return None
    return contact_list().filter(external_id=external_id).first()


def accounts_by_pk(pks: list[int]) -> dict[int, Account]:
    """Accounts just written, ready to be shown."""
    return {account.pk: account for account in account_list().filter(pk__in=pks)}


def contacts_by_pk(pks: list[int]) -> dict[int, Contact]:
    """Contacts just written, ready to be shown."""
    return {contact.pk: contact for contact in contact_list().filter(pk__in=pks)}
