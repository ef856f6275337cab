"""The risk score weighs each account's ARR in the reporting currency: a rate set, changed or
removed, or another reporting currency, recomputes the cases' stored points at once."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import ExchangeRate, LoopSettings
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.risk import RiskWeights, base_points
from playbooks.selectors.risk import case_risk
from playbooks.services.engine import process_response
from playbooks.services.risk import delete_exchange_rate, save_exchange_rate, save_loop_settings
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

# A 0 from a decision maker of high influence: answer 20 and influence 15, whatever the ARR.
OTHER_POINTS = 35


def _case_of(account) -> Case:
    install_default_playbooks()
    contact = ContactFactory(account=account, persona="decision_maker", influence="high")
    response = ResponseFactory(contact=contact, score=0)
    return Case.objects.get(pk=process_response(response_id=response.pk).case_id)


def _arr_points(case: Case) -> int:
    case.refresh_from_db()
    return case.risk_base - OTHER_POINTS


def test_a_case_of_an_account_in_another_currency_weighs_its_converted_arr(csm):
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.5"))

    case = _case_of(AccountFactory(csm=csm, arr=Decimal("100000"), currency="USD"))

    assert _arr_points(case) == 13  # 50 000 EUR of the 100 000 that count in full: 12.5


def test_an_arr_without_a_rate_weighs_nothing(csm):
    case = _case_of(AccountFactory(csm=csm, arr=Decimal("100000"), currency="USD"))

    assert _arr_points(case) == 0


def test_changing_a_rate_recomputes_the_cases_of_that_currency(csm, admin_user):
    case = _case_of(AccountFactory(csm=csm, arr=Decimal("100000"), currency="USD"))
    euro_case = _case_of(AccountFactory(csm=csm, arr=Decimal("40000"), currency="EUR"))

    save_exchange_rate(currency="USD", rate=Decimal("0.8"), by=admin_user)

    assert _arr_points(case) == 20
    assert _arr_points(euro_case) == 10
    save_exchange_rate(currency="USD", rate=Decimal("2"), by=admin_user)
    assert _arr_points(case) == 25
    delete_exchange_rate(currency="USD")
    assert _arr_points(case) == 0


def test_another_reporting_currency_recomputes_every_case(csm):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("1.25"))
    case = _case_of(AccountFactory(csm=csm, arr=Decimal("40000"), currency="EUR"))
    assert _arr_points(case) == 10

    save_loop_settings(
        slack_webhook_url="",
        sender_email="",
        working_days=[0, 1, 2, 3, 4],
        holidays=[],
        fallback_owner=None,
        sla_reminder_hours=24,
        overdue_grace_hours=24,
        survey_throttle_days=90,
        account_survey_quota=None,
        account_quota_days=30,
        survey_link_days=30,
        reporting_currency="USD",
    )

    assert _arr_points(case) == 13  # 40 000 EUR are 50 000 USD: 12.5


def test_the_parts_shown_use_the_converted_arr_as_the_stored_points_do(csm):
    ExchangeRate.objects.create(currency="GBP", rate=Decimal("1.17"))
    case = _case_of(AccountFactory(csm=csm, arr=Decimal("33333.33"), currency="GBP"))
    case = Case.objects.select_related("account", "contact", "response").get(pk=case.pk)
    weights = RiskWeights.of(LoopSettings.current())

    risk = case_risk(case, weights=weights, today=timezone.localdate(), rates=ExchangeRate.table())

    arr_part = next(part for part in risk.parts if part.name == "arr")
    assert arr_part.points == _arr_points(case) == 10  # 38 999.99 EUR: 9.75
    assert case.risk_base == base_points(
        arr=Decimal("38999.99"),
        score=0,
        persona="decision_maker",
        influence="high",
        weights=weights,
    )
