"""Escalation rules: which facts of a detractor's case bring it to a manager, and why."""

import dataclasses
import datetime as dt
from decimal import Decimal

from playbooks.escalation_rules import CaseFacts, escalations_due
from playbooks.models import EscalationRule

TODAY = dt.date(2026, 11, 23)

QUIET = CaseFacts(
    arr=Decimal("10000"),
    currency="EUR",
    persona="user",
    persona_label="User",
    account_detractors_in_window=1,
    renewal_date=None,
    today=TODAY,
)


def due_for(step_settings=None, **facts):
    """The escalations due for QUIET facts changed by `facts`, keyed by rule."""
    found = escalations_due(dataclasses.replace(QUIET, **facts), step_settings or {})
    return {due.rule: due for due in found}


def test_a_small_account_user_with_no_renewal_is_not_escalated():
    assert due_for() == {}


def test_arr_equal_to_the_threshold_is_escalated():
    assert EscalationRule.ARR_AT_STAKE in due_for(arr=Decimal("50000"))


def test_arr_just_below_the_threshold_is_not_escalated():
    assert EscalationRule.ARR_AT_STAKE not in due_for(arr=Decimal("49999.99"))


def test_the_arr_reason_gives_the_amount_the_currency_and_the_threshold():
    reason = due_for(arr=Decimal("120000"))[EscalationRule.ARR_AT_STAKE].reason

    assert reason == "120,000 EUR of ARR at stake (threshold 50,000)."


def test_the_step_threshold_replaces_the_default():
    settings = {"arr_threshold": 200000}

    assert EscalationRule.ARR_AT_STAKE not in due_for(settings, arr=Decimal("120000"))
    assert EscalationRule.ARR_AT_STAKE in due_for(settings, arr=Decimal("200000"))


def test_a_threshold_left_empty_in_the_step_keeps_the_default():
    assert EscalationRule.ARR_AT_STAKE in due_for({"arr_threshold": None}, arr=Decimal("50000"))


def test_a_zero_arr_threshold_turns_the_rule_off():
    assert EscalationRule.ARR_AT_STAKE not in due_for({"arr_threshold": 0}, arr=Decimal("1e6"))


def test_a_champion_detractor_is_escalated():
    due = due_for(persona="champion", persona_label="Champion")

    assert due[EscalationRule.KEY_CONTACT].level == 2
    assert "account's champion" in due[EscalationRule.KEY_CONTACT].reason


def test_an_exec_sponsor_detractor_is_escalated():
    due = due_for(persona="exec_sponsor", persona_label="Exec sponsor")

    assert "account's exec sponsor" in due[EscalationRule.KEY_CONTACT].reason


def test_a_user_detractor_is_not_escalated_as_a_key_contact():
    assert EscalationRule.KEY_CONTACT not in due_for(persona="user", persona_label="User")


def test_the_step_may_choose_other_key_personas():
    settings = {"key_personas": ["decision_maker"]}

    assert EscalationRule.KEY_CONTACT in due_for(settings, persona="decision_maker")
    assert EscalationRule.KEY_CONTACT not in due_for(settings, persona="champion")


def test_three_detractors_in_the_window_are_escalated():
    assert EscalationRule.REPEATED_DETRACTORS in due_for(account_detractors_in_window=3)


def test_two_detractors_in_the_window_are_not_escalated():
    assert EscalationRule.REPEATED_DETRACTORS not in due_for(account_detractors_in_window=2)


def test_the_repeated_detractors_reason_gives_the_count_and_the_window():
    due = due_for(account_detractors_in_window=4)

    reason = due[EscalationRule.REPEATED_DETRACTORS].reason
    assert reason.startswith("4 detractors at this account in the last 90 days")


def test_the_step_may_ask_for_fewer_detractors_over_a_shorter_window():
    due = due_for(
        {"detractor_count": 2, "detractor_window_days": 30}, account_detractors_in_window=2
    )

    assert "in the last 30 days" in due[EscalationRule.REPEATED_DETRACTORS].reason


def test_a_renewal_on_the_last_day_of_the_window_is_escalated():
    due = due_for(renewal_date=TODAY + dt.timedelta(days=90))

    assert due[EscalationRule.RENEWAL_SOON].level == 2


def test_a_renewal_one_day_after_the_window_is_not_escalated():
    assert EscalationRule.RENEWAL_SOON not in due_for(renewal_date=TODAY + dt.timedelta(days=91))


def test_a_renewal_already_passed_is_not_escalated():
    assert EscalationRule.RENEWAL_SOON not in due_for(renewal_date=TODAY - dt.timedelta(days=1))


def test_a_renewal_within_30_days_is_escalated_at_level_3():
    assert (
        due_for(renewal_date=TODAY + dt.timedelta(days=30))[EscalationRule.RENEWAL_SOON].level == 3
    )


def test_a_renewal_in_31_days_is_escalated_at_level_2():
    assert (
        due_for(renewal_date=TODAY + dt.timedelta(days=31))[EscalationRule.RENEWAL_SOON].level == 2
    )


def test_the_renewal_reason_gives_the_days_left_and_the_date():
    due = due_for(renewal_date=dt.date(2026, 12, 23))

    assert due[EscalationRule.RENEWAL_SOON].reason == "Renewal in 30 days (2026-12-23)."


def test_the_step_may_shorten_the_renewal_window():
    renewal = TODAY + dt.timedelta(days=60)

    assert EscalationRule.RENEWAL_SOON not in due_for(
        {"renewal_within_days": 45}, renewal_date=renewal
    )


def test_every_rule_that_holds_is_due():
    due = due_for(
        arr=Decimal("90000"),
        persona="champion",
        persona_label="Champion",
        account_detractors_in_window=3,
        renewal_date=TODAY + dt.timedelta(days=10),
    )

    assert set(due) == {
        EscalationRule.ARR_AT_STAKE,
        EscalationRule.KEY_CONTACT,
        EscalationRule.REPEATED_DETRACTORS,
        EscalationRule.RENEWAL_SOON,
    }
