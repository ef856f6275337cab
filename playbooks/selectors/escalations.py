"""The managers' escalations page: what waits for a manager, what they took on, what is done."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case as Conditional
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When

from playbooks.models import Escalation

WAITING = "waiting"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
ALL = "all"

_IN_TAB = {
    WAITING: Q(acknowledged_at__isnull=True, resolved_at__isnull=True),
    ACKNOWLEDGED: Q(acknowledged_at__isnull=False, resolved_at__isnull=True),
    RESOLVED: Q(resolved_at__isnull=False),
}

# Open escalations: the highest level first, then the one waiting longest. Resolved ones:
# the latest resolved first. "All" is the three tabs one after the other.
_OPEN_ORDER = ("-level", "raised_at", "id")
_RESOLVED_ORDER = (F("resolved_at").desc(), "-id")
_STAGE = Conditional(
    When(_IN_TAB[WAITING], then=Value(0)),
    When(_IN_TAB[ACKNOWLEDGED], then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class EscalationFilters:
    """What the escalations page was asked for; empty values filter nothing."""

    tab: str = WAITING
    segment: str = ""
    search: str = ""  # words of the account's name


def _filtered(filters: EscalationFilters) -> QuerySet[Escalation]:
    escalations = Escalation.objects.all()
    if filters.segment:
        escalations = escalations.filter(case__account__segment=filters.segment)
    for word in filters.search.split()[:5]:
        escalations = escalations.filter(case__account__name__icontains=word)
    return escalations


def _with_row(escalations: QuerySet[Escalation]) -> QuerySet[Escalation]:
    """Everything a row shows, fetched with the escalations in one query."""
    return escalations.select_related(
        "case__account",
        "case__contact",
        "case__response",
        "case__owner",
        "raised_by",
        "acknowledged_by",
        "resolved_by",
    )


def escalation_list(*, filters: EscalationFilters) -> QuerySet[Escalation]:
    """The escalations of the tab asked for, in the order a manager should take them."""
    escalations = _with_row(_filtered(filters))
    if filters.tab == RESOLVED:
        return escalations.filter(_IN_TAB[RESOLVED]).order_by(*_RESOLVED_ORDER)
    if filters.tab in (WAITING, ACKNOWLEDGED):
        return escalations.filter(_IN_TAB[filters.tab]).order_by(*_OPEN_ORDER)
    return escalations.alias(stage=_STAGE).order_by("stage", F("resolved_at").desc(), *_OPEN_ORDER)


def escalation_counts(*, filters: EscalationFilters) -> dict[str, int]:
    """How many escalations each tab holds, the other filters applied, in one query."""
    return _filtered(filters).aggregate(
        **{tab: Count("pk", filter=in_tab) for tab, in_tab in _IN_TAB.items()},
        **{ALL: Count("pk")},
    )


def escalation_row(*, escalation_id: int) -> Escalation | None:
    """One escalation with what its row shows, to show it again after an action."""
    return _with_row(Escalation.objects.filter(pk=escalation_id)).first()
