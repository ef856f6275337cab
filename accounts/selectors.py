"""Reads of the accounts that several pages share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from accounts.models import Account
from core.models import ExchangeRate


@dataclass(frozen=True)
class CurrencyWithoutRate:
    """A currency accounts are in that has no rate: their ARR is left out of totals."""

    currency: str
    accounts: int
    arr: Decimal  # in that currency


def currencies_without_rate(*, reporting: str) -> list[CurrencyWithoutRate]:
    """The currencies of accounts, other than `reporting`, that have no exchange rate, the
    one with the most accounts first."""
    rows = (
        Account.objects.exclude(currency=reporting)
        .exclude(currency__in=ExchangeRate.objects.values("currency"))
        .values("currency")
        .annotate(accounts=Count("pk"), arr=Sum("arr"))
        .order_by("-accounts", "currency")
    )
    return [
        CurrencyWithoutRate(row["currency"], row["accounts"], row["arr"] or Decimal(0))
        for row in rows
    ]
