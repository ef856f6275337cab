"""Admins keep the exchange rates to the reporting currency under Configuration."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import ExchangeRate, LoopSettings
from tests.core.loop_settings_form import settings_form
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

RATES = reverse("configure-exchange-rates")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_admin_sets_a_rate_and_sees_it_listed_with_who_set_it(admin_client, admin_user):
    reply = admin_client.post(RATES, {"currency": "usd", "rate": "0.92"})

    assert reply.status_code == 302
    row = ExchangeRate.objects.get()
    assert (row.currency, row.rate, row.updated_by) == ("USD", Decimal("0.92"), admin_user)
    page = admin_client.get(RATES).content.decode()
    assert "0.92" in page
    assert admin_user.name in page


def test_setting_a_rate_again_changes_it(admin_client):
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.9"))

    admin_client.post(reverse("configure-exchange-rate", args=["USD"]), {"rate": "0.95"})

    assert ExchangeRate.objects.get().rate == Decimal("0.95")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"currency": "dollars", "rate": "1"}, "“DOLLARS” is not a currency code"),
        ({"currency": "U5D", "rate": "1"}, "“U5D” is not a currency code"),
        ({"currency": "USD", "rate": "0"}, "Give a rate above 0"),
        ({"currency": "USD", "rate": "-1"}, "Give a rate above 0"),
        ({"currency": "USD", "rate": "abc"}, "Write the rate as a number"),
        ({"currency": "EUR", "rate": "1"}, "EUR is the reporting currency"),
    ],
)
def test_a_wrong_code_or_rate_is_refused_with_what_to_write(admin_client, fields, error):
    reply = admin_client.post(RATES, fields)

    assert reply.status_code == 422
    assert error in reply.content.decode()
    assert not ExchangeRate.objects.exists()


def test_currencies_accounts_use_without_a_rate_are_listed_as_a_warning(admin_client):
    AccountFactory(currency="EUR")
    AccountFactory(currency="USD", arr=Decimal("50000"))
    AccountFactory(currency="GBP")
    ExchangeRate.objects.create(currency="GBP", rate=Decimal("1.17"))

    page = admin_client.get(RATES).content.decode()

    warning = page.split('class="alert alert-warning"')[1].split("</div>")[0]
    assert "USD" in warning and "1 account" in warning and "$50,000" in warning
    assert "GBP" not in warning and "EUR" not in warning.split("rate to EUR")[1]


def test_removing_a_rate_deletes_it(admin_client):
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.92"))

    admin_client.post(reverse("configure-exchange-rate-delete", args=["USD"]))

    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("role", ["csm", "manager"])
def test_only_admins_see_or_change_the_rates(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(RATES).status_code == 403
    assert client.post(RATES, {"currency": "USD", "rate": "1"}).status_code == 403
    assert not ExchangeRate.objects.exists()


def test_the_reporting_currency_is_set_in_the_business_settings(admin_client):
    reply = admin_client.post(reverse("configure-general"), settings_form(reporting_currency="usd"))

    assert reply.status_code == 302
    assert LoopSettings.objects.get().reporting_currency == "USD"


def test_a_reporting_currency_that_is_not_a_code_is_refused(admin_client):
    reply = admin_client.post(reverse("configure-general"), settings_form(reporting_currency="€"))

    assert reply.status_code == 422
    assert "“€” is not a currency code" in reply.content.decode()


def test_a_french_admin_writes_the_rate_with_a_decimal_comma(admin_client, admin_user):
    admin_user.language = "fr"
    admin_user.save(update_fields=["language"])

    reply = admin_client.post(RATES, {"currency": "GBP", "rate": "1,17"})

    assert reply.status_code == 302
    assert ExchangeRate.objects.get().rate == Decimal("1.17")
    page = admin_client.get(reverse("configure-exchange-rate", args=["GBP"])).content.decode()
    assert 'value="1,17"' in page
    assert "Taux de change" in page
