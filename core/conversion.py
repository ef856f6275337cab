"""Amounts converted to the reporting currency in SQL, where they are added up, with the
rates admins keep (`core.models.ExchangeRate`); `core.money` does the same in Python."""

from __future__ import annotations

from django.db.models import Case, DecimalField, F, OuterRef, Subquery, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Round

from core.models import ExchangeRate

MONEY = DecimalField(max_digits=20, decimal_places=2)


def in_reporting_currency(
    amount: str = "arr", currency: str = "currency", *, reporting: str
) -> Combinable:
    """The row's `amount` of `currency` in `reporting`, to the cent; NULL when the currency
    has no rate, so that a sum leaves it out rather than adding it as it stands."""
    rate = Subquery(ExchangeRate.objects.filter(currency=OuterRef(currency)).values("rate")[:1])
    return Case(
        When(**{currency: reporting}, then=F(amount)),
        default=Round(F(amount) * rate, 2),
        output_field=MONEY,
    )
