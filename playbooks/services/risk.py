"""Writes of the risk score: the part of each case's risk that does not change with time
(`Case.risk_base`), kept right when what it is computed from changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from core.models import ExchangeRate, LoopSettings, User
from core.services import remove_exchange_rate, set_exchange_rate, update_loop_settings
from playbooks.models import Case
from playbooks.risk import RiskWeights
from playbooks.selectors.risk import base_points


def refresh_risk_base(*, cases: QuerySet[Case], weights: RiskWeights | None = None) -> int:
    """Recompute the stored risk points of `cases` from their account's ARR (in the reporting
    currency, with the rates of now), their answer's
    score and their contact's persona and influence, in one UPDATE; only rows whose points
    change are written. Returns how many changed."""
    weights = weights or RiskWeights.of(LoopSettings.current())
    points = base_points(weights)
    # Not `updated_at`: the risk is derived from other rows, the case itself did not change.
    return cases.exclude(risk_base=points).update(risk_base=points)


def refresh_risk_of_accounts(*, account_ids: list[int]) -> int:
    """The accounts' ARR changed: their cases' stored risk follows."""
    if not account_ids:
        return 0
    return refresh_risk_base(cases=Case.objects.filter(account_id__in=account_ids))


def refresh_risk_of_contacts(*, contact_ids: list[int]) -> int:
    """The contacts' persona or influence changed: their cases' stored risk follows."""
    if not contact_ids:
        return 0
    return refresh_risk_base(cases=Case.objects.filter(contact_id__in=contact_ids))


def save_loop_settings(**fields: Any) -> LoopSettings:
    """Save the business settings (`core.services.update_loop_settings`); when the risk
    weights, scales or the reporting currency changed, every case's stored risk is
    recomputed in the same transaction, in one UPDATE."""
    with transaction.atomic():
        before = RiskWeights.of(LoopSettings.objects.select_for_update().get_or_create(pk=1)[0])
        row = update_loop_settings(**fields)
        after = RiskWeights.of(row)
        if after != before:
            refresh_risk_base(cases=Case.objects.all(), weights=after)
    return row


def save_exchange_rate(*, currency: str, rate: Decimal, by: User | None) -> ExchangeRate:
    """Set the rate of `currency` (`core.services.set_exchange_rate`); the cases of accounts
    in that currency get their ARR points again in the same transaction."""
    with transaction.atomic():
        row = set_exchange_rate(currency=currency, rate=rate, by=by)
        refresh_risk_base(cases=_cases_in(currency))
    return row


def delete_exchange_rate(*, currency: str) -> bool:
    """Forget the rate of `currency` (`core.services.remove_exchange_rate`); the ARR of its
    accounts then weighs nothing in their cases' risk, recomputed in the same transaction."""
    with transaction.atomic():
        removed = remove_exchange_rate(currency=currency)
        if removed:
            refresh_risk_base(cases=_cases_in(currency))
    return removed


def _cases_in(currency: str) -> QuerySet[Case]:
    return Case.objects.filter(account__currency=currency)
