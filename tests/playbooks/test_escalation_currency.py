"""The rule "ARR at stake" compares the account's ARR in the reporting currency with its
threshold, as the dashboard and the risk score count it."""

from decimal import Decimal

import pytest

from core.models import ExchangeRate
from playbooks.models import Case, EscalationRule
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory


def case_of(account) -> Case:
    answer = ResponseFactory(contact=ContactFactory(account=account), score=2)
    return Case.objects.get(pk=process_response(response_id=answer.pk).case_id)


def arr_escalations(case: Case):
    return case.escalations.filter(rule=EscalationRule.ARR_AT_STAKE)


@pytest.fixture(autouse=True)
def _rates(default_playbooks):
    ExchangeRate.objects.create(currency="JPY", rate=Decimal("0.0062"))


def test_a_large_number_in_a_small_currency_is_not_a_large_account(csm):
    # 6 000 000 JPY is about 37 200 EUR: under the 50 000 threshold.
    case = case_of(AccountFactory(csm=csm, arr=Decimal("6000000"), currency="JPY"))

    assert not arr_escalations(case).exists()


def test_the_converted_arr_crosses_the_threshold_and_the_reason_says_so(csm):
    case = case_of(AccountFactory(csm=csm, arr=Decimal("10000000"), currency="JPY"))

    escalation = arr_escalations(case).get()
    assert escalation.reason == "62,000 EUR of ARR at stake (threshold 50,000)."


def test_without_a_rate_the_account_s_own_amount_is_compared_and_named(csm):
    case = case_of(AccountFactory(csm=csm, arr=Decimal("90000"), currency="CHF"))

    assert arr_escalations(case).get().reason == "90,000 CHF of ARR at stake (threshold 50,000)."
