"""Reads of the `playbooks` app: which playbook fits an answer, the 360° view, visible cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Interaction
from playbooks.access import cases_visible_to
from playbooks.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseEvent,
    CaseStep,
    Escalation,
    Playbook,
    PlaybookStep,
)
from surveys.models import Category, Integration, Response

if TYPE_CHECKING:
    from core.models import User

ANSWER_HISTORY_DAYS = 365
INTERACTION_HISTORY_DAYS = 90
SNAPSHOT_LIMIT = 20  # answers, interactions and cases kept in a 360° snapshot


def playbook_for(*, response: Response) -> Playbook | None:
    """The active playbook whose trigger matches the answer; the highest priority wins.

    Ties go to the playbook with the most conditions (the most specific), then by name.
    """
    account = response.account
    return playbook_matching(
        category=response.category,
        score=response.score,
        segment=account.segment if account else None,
        tier=account.tier if account else None,
        arr=account.arr if account else None,
    )


def playbook_matching(
    *, category: str, score: int, segment: str | None, tier: str | None, arr: Decimal | None
) -> Playbook | None:
    """The active playbook an answer with these facts would get (None for the account's
    facts: the answer matches no account), as `playbook_for` chooses it."""
    matches = []
    for playbook in Playbook.objects.filter(active=True).prefetch_related(
        Prefetch("steps", queryset=PlaybookStep.objects.select_related("assignee_user"))
    ):
        if category not in playbook.categories:
            continue
        if playbook.min_score is not None and score < playbook.min_score:
            continue
        if playbook.max_score is not None and score > playbook.max_score:
            continue
        if playbook.segment and segment != playbook.segment:
            continue
        if playbook.tier and (tier is None or tier.lower() != playbook.tier.lower()):
            continue
        if playbook.min_arr is not None and (arr is None or arr < playbook.min_arr):
            continue
        matches.append(playbook)
    if not matches:
        return None
    return min(matches, key=lambda p: (-p.priority, -_specificity(p), p.name))


def _specificity(playbook: Playbook) -> int:
    conditions = (
        playbook.min_score is not None,
        playbook.max_score is not None,
        bool(playbook.segment),
        bool(playbook.tier),
        playbook.min_arr is not None,
    )
    return sum(conditions) + (3 - len(playbook.categories))


def account_360(*, case: Case, now: dt.datetime | None = None) -> dict[str, Any]:
    """The 360° snapshot of a case's contact and account, as plain JSON-ready values."""
    now = now or timezone.now()
    response, contact, account = case.response, case.contact, case.account
    snapshot: dict[str, Any] = {
        "taken_at": now.isoformat(),
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "email": contact.email,
            "title": contact.title,
            "persona": contact.persona,
            "persona_label": str(contact.get_persona_display()),
            "influence": contact.influence,
            "is_key_contact": contact.persona in ("champion", "exec_sponsor"),
            "opted_out": contact.opted_out,
        },
        "account": None,
        "other_answers": [],
        "confirms_dissatisfaction": False,
        "interactions": [],
        "other_open_cases": [],
    }
    if account is None:
        return snapshot
    snapshot["account"] = {
        "id": account.pk,
        "name": account.name,
        "external_id": account.external_id,
        "arr": str(account.arr),
        "currency": account.currency,
        "segment": account.segment,
        "tier": account.tier,
        "renewal_date": account.renewal_date.isoformat() if account.renewal_date else None,
        "renewal_in_days": (
            (account.renewal_date - timezone.localdate(now)).days if account.renewal_date else None
        ),
        "csm": account.csm.name if account.csm else None,
    }
    others = list(
        Response.objects.filter(
            account=account,
            answered_at__gte=now - dt.timedelta(days=ANSWER_HISTORY_DAYS),
        )
        .exclude(pk=response.pk)
        .select_related("contact")
        .order_by("-answered_at")[:SNAPSHOT_LIMIT]
    )
    snapshot["other_answers"] = [
        {
            "id": other.pk,
            "score": other.score,
            "category": other.category,
            "answered_at": other.answered_at.isoformat(),
            "contact": other.contact.name or other.contact.email,
            "persona": other.contact.persona,
            "same_contact": other.contact_id == contact.pk,
            "comment": other.comment[:280],
        }
        for other in others
    ]
    # Confirmed beyond one person: another person at the account was a detractor too.
    snapshot["confirms_dissatisfaction"] = any(
        other.category == Category.DETRACTOR and other.contact_id != contact.pk for other in others
    )
    interactions = (
        Interaction.objects.filter(
            account=account,
            occurred_at__gte=now - dt.timedelta(days=INTERACTION_HISTORY_DAYS),
        )
        .select_related("contact")
        .order_by("-occurred_at")[:SNAPSHOT_LIMIT]
    )
    snapshot["interactions"] = [
        {
            "id": interaction.pk,
            "kind": interaction.kind,
            "kind_label": str(interaction.get_kind_display()),
            "summary": interaction.summary[:280],
            "occurred_at": interaction.occurred_at.isoformat(),
            "contact": interaction.contact.email if interaction.contact else None,
        }
        for interaction in interactions
    ]
    open_cases = (
        Case.objects.filter(account=account, status__in=OPEN_CASE_STATUSES)
        .exclude(pk=case.pk)
        .select_related("contact", "response")
        .order_by("-opened_at")[:SNAPSHOT_LIMIT]
    )
    snapshot["other_open_cases"] = [
        {
            "id": other.pk,
            "status": other.status,
            "category": other.category,
            "score": other.response.score,
            "contact": other.contact.name or other.contact.email,
            "opened_at": other.opened_at.isoformat(),
        }
        for other in open_cases
    ]
    return snapshot


def account_detractors_since(*, response: Response, since: dt.datetime) -> int:
    """Detractor answers at the answer's account answered since `since` (the answer is one)."""
    if response.account_id is None:
        return int(response.category == Category.DETRACTOR)
    return Response.objects.filter(
        account_id=response.account_id, category=Category.DETRACTOR, answered_at__gte=since
    ).count()


def case_list(*, user: User | Integration) -> QuerySet[Case]:
    """Cases for a list: what each row shows, fetched in a fixed number of queries."""
    has_open_escalation = Escalation.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True)
    return (
        cases_visible_to(user)
        .select_related("account", "contact", "owner", "playbook", "response")
        .annotate(escalated=Exists(has_open_escalation))
    )


def case_detail(*, user: User | Integration, case_id: int) -> Case | None:
    """One case with its steps, action items, escalations and timeline, or None if hidden."""
    return (
        case_list(user=user)
        .prefetch_related(
            Prefetch("steps", queryset=CaseStep.objects.select_related("assignee", "done_by")),
            "action_items__owner",
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related(
                    "raised_by", "acknowledged_by", "resolved_by"
                ),
            ),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        )
        .filter(pk=case_id)
        .first()
    )


def filter_cases(
    cases: QuerySet[Case],
    *,
    status: str = "",
    owner: str = "",
    escalated: bool | None = None,
    category: str = "",
    account: str = "",
) -> QuerySet[Case]:
    """Cases matching a list's filters, newest first. `status` "open" means any open status;
    `owner` is a user id, or "none" for the managers' cases. Needs `case_list`'s annotation."""
    if status == "open":
        cases = cases.filter(status__in=OPEN_CASE_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if owner == "none":
        cases = cases.filter(owner__isnull=True)
    elif owner:
        cases = cases.filter(owner_id=int(owner))
    if escalated is not None:
        cases = cases.filter(escalated=escalated)
    if category:
        cases = cases.filter(category=category)
    if account:
        cases = cases.filter(account__external_id=account)
    return cases.order_by("-opened_at", "-id")
