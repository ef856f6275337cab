"""Amounts converted to the reporting currency and shown as readers write them: plain
values, no database."""

from decimal import Decimal

from core.money import convert, format_money, is_currency_code

RATES = {"USD": Decimal("0.92"), "GBP": Decimal("1.17")}


def test_an_amount_in_the_reporting_currency_is_kept_as_it_is():
    assert convert(Decimal("460000"), "EUR", reporting="EUR", rates={}) == Decimal("460000")


def test_an_amount_in_another_currency_is_multiplied_by_its_rate_to_the_cent():
    assert convert(Decimal("100000"), "USD", reporting="EUR", rates=RATES) == Decimal("92000.00")
    assert convert(Decimal("10.005"), "GBP", reporting="EUR", rates=RATES) == Decimal("11.71")


def test_an_amount_in_a_currency_without_a_rate_cannot_be_converted():
    assert convert(Decimal("5000"), "CHF", reporting="EUR", rates=RATES) is None


def test_french_writes_the_amount_grouped_by_spaces_then_the_symbol():
    assert format_money(Decimal("460000"), "EUR", language="fr") == "460\xa0000\xa0€"


def test_english_writes_the_symbol_then_the_amount_grouped_by_commas():
    assert format_money(Decimal("460000"), "EUR", language="en") == "€460,000"
    assert format_money(Decimal("1234567.5"), "USD", language="en") == "$1,234,568"
    assert format_money(Decimal("99"), "GBP", language="en") == "£99"


def test_a_currency_without_a_symbol_shows_its_code():
    assert format_money(Decimal("5000"), "CHF", language="en") == "CHF\xa05,000"
    assert format_money(Decimal("5000"), "CHF", language="fr") == "5\xa0000\xa0CHF"


def test_a_currency_code_is_three_capital_letters():
    assert is_currency_code("USD")
    assert not is_currency_code("usd")
    assert not is_currency_code("US")
    assert not is_currency_code("€")
    assert not is_currency_code("")
