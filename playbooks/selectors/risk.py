"""The risk score of cases (`playbooks.risk`) read from the database: the same arithmetic
as SQL expressions, to store its lasting part (`Case.risk_base`) and sort the queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case as Conditional
from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Floor, Least

from accounts.models import Account, Contact
from core.conversion import in_reporting_currency
from core.money import convert
from playbooks.models import Case, Escalation
from playbooks.risk import (
    DEFAULT_SHARE,
    INFLUENCE_SHARE,
    PERSONA_SHARE,
    RECENT_RENEWAL_DAYS,
    TOP_RISKY_SCORE,
    RiskScore,
    RiskWeights,
    risk_score,
)
from surveys.models import Response


def _int(value: int) -> Value:
    return Value(value, output_field=IntegerField())


def _rounded(weight: int, numerator: Combinable, denominator: int) -> Combinable:
    """weight × numerator / denominator rounded half up, as `playbooks.risk._rounded`
    (integers: PostgreSQL's division of integers truncates, as // does on positives)."""
    return ExpressionWrapper(
        (_int(2 * weight) * numerator + _int(denominator)) / _int(2 * denominator),
        output_field=IntegerField(),
    )


def _arr_points(weights: RiskWeights) -> Combinable:
    converted = in_reporting_currency(reporting=weights.reporting_currency)
    arr = Subquery(
        Account.objects.filter(pk=OuterRef("account_id"))
        .annotate(converted=converted)
        .values("converted")[:1]
    )
    money = DecimalField(max_digits=20, decimal_places=2)
    full = Value(weights.arr_full_at, output_field=money)
    at_stake = Least(Coalesce(arr, Value(0, output_field=money)), full)
    exact = ExpressionWrapper(
        Value(weights.arr, output_field=money) * at_stake / full + Value(0.5, output_field=money),
        output_field=money,
    )
    return Cast(Floor(exact), IntegerField())


def _score_points(weights: RiskWeights) -> Combinable:
    score = Subquery(Response.objects.filter(pk=OuterRef("response_id")).values("score")[:1])
    top = _int(TOP_RISKY_SCORE)
    return _rounded(weights.score, top - Least(score, top), TOP_RISKY_SCORE)


def _share(field: str, shares: dict) -> Conditional:
    return Conditional(
        *(When(**{field: key}, then=_int(share)) for key, share in shares.items()),
        default=_int(DEFAULT_SHARE),
        output_field=IntegerField(),
    )


def _influence_points(weights: RiskWeights) -> Combinable:
    share = (
        Contact.objects.filter(pk=OuterRef("contact_id"))
        .annotate(share=_share("persona", PERSONA_SHARE) * _share("influence", INFLUENCE_SHARE))
        .values("share")[:1]
    )
    return _rounded(weights.influence, Subquery(share), 100 * 100)


def base_points(weights: RiskWeights) -> Combinable:
    """`playbooks.risk.base_points` of each case, for `UPDATE playbooks_case SET risk_base`
    (subqueries, not joins: an UPDATE cannot join)."""
    return ExpressionWrapper(
        _arr_points(weights) + _score_points(weights) + _influence_points(weights),
        output_field=IntegerField(),
    )


def _renewal_points(weights: RiskWeights, today: dt.date) -> Conditional:
    renewal = F("account__renewal_date")
    horizon = weights.renewal_horizon_days
    days = Func(
        renewal,
        Value(today),
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )
    return Conditional(
        When(account__renewal_date__isnull=True, then=_int(0)),
        When(
            account__renewal_date__lt=today - dt.timedelta(days=RECENT_RENEWAL_DAYS),
            then=_int(0),
        ),
        When(account__renewal_date__lte=today, then=_int(weights.renewal)),
        When(account__renewal_date__gte=today + dt.timedelta(days=horizon), then=_int(0)),
        default=_rounded(weights.renewal, _int(horizon) - days, horizon),
        output_field=IntegerField(),
    )


def risk_now(weights: RiskWeights, *, today: dt.date, overdue: Q) -> Combinable:
    """Each case's risk score on `today`: its stored part plus renewal, escalation and
    overdue work (`overdue`: the queue's condition for late work)."""
    escalated = Exists(Escalation.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True))
    return ExpressionWrapper(
        F("risk_base")
        + _renewal_points(weights, today)
        + Conditional(
            When(escalated, then=_int(weights.escalation)),
            default=_int(0),
            output_field=IntegerField(),
        )
        + Conditional(
            When(overdue, then=_int(weights.overdue)), default=_int(0), output_field=IntegerField()
        ),
        output_field=IntegerField(),
    )


def case_risk(
    case: Case, *, weights: RiskWeights, today: dt.date, rates: dict[str, Decimal]
) -> RiskScore:
    """The risk of a case loaded with its account, contact and answer, and annotated with
    `escalated` and `overdue` (`playbooks.selectors.queue`), part by part; `rates` are
    `ExchangeRate.table()`."""
    account = case.account
    return risk_score(
        arr=account_arr(account, weights=weights, rates=rates),
        score=case.response.score,
        persona=case.contact.persona,
        influence=case.contact.influence,
        renewal_date=account.renewal_date if account else None,
        today=today,
        escalated=bool(getattr(case, "escalated", False)),
        overdue=bool(getattr(case, "overdue", False)),
        weights=weights,
    )


def account_arr(
    account: Account | None, *, weights: RiskWeights, rates: dict[str, Decimal]
) -> Decimal:
    """The ARR the risk score weighs: the account's, in the reporting currency; 0 without an
    account or a rate for its currency (as `_arr_points` reads it)."""
    if account is None:
        return Decimal(0)
    converted = convert(
        account.arr, account.currency, reporting=weights.reporting_currency, rates=rates
    )
    return converted if converted is not None else Decimal(0)
