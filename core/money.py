"""Amounts of money in the reporting currency: conversion and display, plain values only.

A rate says what one unit of a currency is worth in the reporting currency (1 USD =
0.92 EUR when the reporting currency is EUR). An amount already in the reporting
currency needs no rate; an amount in a currency without one cannot be converted, and
is reported as such rather than added as it stands.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, translation

CENT = Decimal("0.01")

# ISO 4217 codes look like three capital letters; whether a code is a real currency is the
# admin's business (a company may well invoice in a currency this list does not know).
CURRENCY_CODE = re.compile(r"[A-Z]{3}")

# The symbols people read in place of the code; a code without one shows as itself.
CURRENCY_SYMBOLS = {
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "BRL": "R$",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "MXN": "MX$",
    "HKD": "HK$",
    "SGD": "S$",
    "ILS": "₪",
    "PLN": "zł",
}

# Languages that write the amount first and the symbol after it ("460 000 €"); the
# others write the symbol first ("€460,000").
SYMBOL_AFTER = {"fr", "de", "es", "it", "pt", "nl", "pl", "sv", "da", "fi", "nb", "cs"}


def is_currency_code(text: str) -> bool:
    """Three capital letters, as ISO 4217 codes are written."""
    return bool(CURRENCY_CODE.fullmatch(text or ""))


def convert(
    amount: Decimal | int | None, currency: str, *, reporting: str, rates: Mapping[str, Decimal]
) -> Decimal | None:
    """`amount` of `currency` in the reporting currency, to the cent (half up, as
    PostgreSQL's round() does on positive amounts); None when the currency has no rate."""
    value = Decimal(amount or 0)
    if currency == reporting:
        return value
    rate = rates.get(currency)
    if rate is None:
        return None
    return (value * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def currency_symbol(currency: str) -> str:
    return CURRENCY_SYMBOLS.get(currency, currency)


def format_money(
    amount: Decimal | int | None, currency: str, *, language: str | None = None
) -> str:
    """`amount` in whole units with the currency's symbol, grouped as `language` (default:
    the active language) writes numbers: "€460,000" in English, "460 000 €" in French."""
    language = (language or translation.get_language() or "en").split("-")[0]
    with translation.override(language):
        number = formats.number_format(
            Decimal(amount or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP),
            decimal_pos=0,
            use_l10n=True,
            force_grouping=True,
        )
    symbol = currency_symbol(currency)
    if language in SYMBOL_AFTER:
        return f"{number}\xa0{symbol}"
    if symbol == currency:  # a code reads better apart from the figure: "CHF 460,000"
        return f"{symbol}\xa0{number}"
    return f"{symbol}{number}"
