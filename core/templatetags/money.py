"""Amounts of money as readers write them: `{{ amount|money:currency }}`."""

from __future__ import annotations

from decimal import Decimal

from django import template

from core.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | None, currency: str) -> str:
    """ "€460,000" in English, "460 000 €" in French; empty for a missing amount."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)
