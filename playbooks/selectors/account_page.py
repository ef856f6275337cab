"""The account page: its NPS story (who answered, how), its people, answers and cases.

It lives in `playbooks`, the top of the dependency chain, as it reads from every app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Account, Contact, Interaction, Persona
from core.roles import Role, has_role
from playbooks.models import Case
from surveys.models import Category, Response, Suppression
from surveys.nps import NpsSummary, summarize_counts

if TYPE_CHECKING:
    from core.models import User

HISTORY_MONTHS = 12
LIST_LIMIT = 50


def accounts_visible_to(user: User) -> QuerySet[Account]:
    """Managers and admins see every account; a CSM those they own or hold a case of."""
    accounts = Account.objects.all()
    if has_role(user, Role.MANAGER, Role.ADMIN):
        return accounts
    if not has_role(user, Role.CSM):
        return accounts.none()
    holds_case = Case.objects.filter(account=OuterRef("pk"), owner=user)
    return accounts.filter(Q(csm=user) | Exists(holds_case))


@dataclass(frozen=True)
class MonthNps:
    month: dt.date
    nps: NpsSummary


@dataclass(frozen=True)
class PersonaNps:
    persona: str
    label: str
    nps: NpsSummary


@dataclass(frozen=True)
class AccountPage:
    account: Account
    nps: NpsSummary  # last 12 months, pooled
    by_month: list[MonthNps]
    by_persona: list[PersonaNps]
    voices: int  # how many people answered in 12 months: one voice, or the whole customer?
    contacts: list[Contact]  # annotated with last_score and last_answered_at
    answers: list[Response]
    answer_count: int
    cases: list[Case]
    interactions: list[Interaction]
    suppressions: list[Suppression]


def _counts(rows) -> NpsSummary:
    by_category = {row["category"]: row["n"] for row in rows}
    return summarize_counts(
        by_category.get(Category.PROMOTER, 0),
        by_category.get(Category.PASSIVE, 0),
        by_category.get(Category.DETRACTOR, 0),
    )


def account_page(*, user: User, account_id: int, now: dt.datetime | None = None):
    """The account and its NPS story, or None when the reader may not see it."""
    account = (
        accounts_visible_to(user)
        .select_related("csm")
        .prefetch_related("domains")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        return None
    now = now or timezone.now()
    since = now - dt.timedelta(days=365)
    recent = Response.objects.filter(account=account, answered_at__gte=since)

    monthly: dict[dt.date, list[dict]] = {}
    for row in (
        recent.annotate(month=TruncMonth("answered_at"))
        .values("month", "category")
        .annotate(n=Count("pk"))
        .order_by("month")
    ):
        monthly.setdefault(row["month"].date(), []).append(row)
    persona_rows: dict[str, list[dict]] = {}
    for row in recent.values("contact__persona", "category").annotate(n=Count("pk")):
        persona_rows.setdefault(row["contact__persona"], []).append(row)
    latest = Response.objects.filter(contact=OuterRef("pk")).order_by("-answered_at")
    contacts = list(
        Contact.objects.filter(account=account)
        .annotate(
            last_score=Subquery(latest.values("score")[:1]),
            last_answered_at=Subquery(latest.values("answered_at")[:1]),
        )
        .order_by("name", "email")
    )
    return AccountPage(
        account=account,
        nps=_counts(recent.values("category").annotate(n=Count("pk"))),
        by_month=[MonthNps(month=month, nps=_counts(rows)) for month, rows in monthly.items()],
        by_persona=sorted(
            (
                PersonaNps(persona=persona, label=str(Persona(persona).label), nps=_counts(rows))
                for persona, rows in persona_rows.items()
            ),
            key=lambda entry: -entry.nps.responses,
        ),
        voices=recent.values("contact_id").distinct().count(),
        contacts=contacts,
        answers=list(
            Response.objects.filter(account=account)
            .select_related("contact", "campaign")
            .order_by("-answered_at")[:LIST_LIMIT]
        ),
        answer_count=Response.objects.filter(account=account).count(),
        cases=list(
            Case.objects.filter(account=account)
            .select_related("contact", "response", "owner")
            .order_by("-opened_at")[:LIST_LIMIT]
        ),
        interactions=list(
            Interaction.objects.filter(account=account)
            .select_related("contact")
            .order_by("-occurred_at")[:LIST_LIMIT]
        ),
        suppressions=list(
            Suppression.objects.filter(
                Q(account=account) | Q(contact__account=account), lifted_at__isnull=True
            )
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .select_related("contact")
            .order_by("-starts_at")[:LIST_LIMIT]
        ),
    )
