"""The account page: its NPS story (who answered, how), its people, answers and cases.

It lives in `playbooks`, the top of the dependency chain, as it reads from every app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Account, Contact, Interaction, Persona
from core.conversion import in_reporting_currency
from core.models import LoopSettings
from playbooks.access import account_cases_visible_to, accounts_visible_to
from playbooks.models import Case, CaseAnswer, Note
from surveys.models import Response, Suppression
from surveys.nps import NpsSummary, summary_of

if TYPE_CHECKING:
    from core.models import User

HISTORY_MONTHS = 12
LIST_LIMIT = 50
# The latest answers and interactions the page shows: every answer of the account is on
# the answers page (linked, narrowed to the account), and a large account has hundreds.
ANSWERS_SHOWN = 20
INTERACTIONS_SHOWN = 20
# Likewise its latest cases: all of them are in the queue, narrowed to the account.
CASES_SHOWN = 20
# Contacts a page of the account's people lists: an enterprise account may have thousands.
CONTACTS_PER_PAGE = 25


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
    contacts: Page  # of Contact, annotated with last_score and last_answered_at
    answers: list[Response]
    answer_count: int
    cases: list[Case]
    case_count: int  # the cases of the account the reader may open
    interactions: list[Interaction]
    suppressions: list[Suppression]
    notes: list[Note]  # the team's, on the account and on the cases the reader may open


def account_page(
    *, user: User, account_id: int, now: dt.datetime | None = None, contacts_page: object = None
):
    """The account and its NPS story, or None when the reader may not see it; its people a
    page at a time (`contacts_page`, the page's number as the query string gives it)."""
    reporting = LoopSettings.current().reporting_currency
    account = (
        accounts_visible_to(user)
        .select_related("csm")
        .prefetch_related("domains")
        .annotate(
            # its ARR in the reporting currency, shown beside its own; None without a rate
            arr_converted=in_reporting_currency(reporting=reporting),
            reporting_currency=Value(reporting, output_field=CharField()),
        )
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        return None
    now = now or timezone.now()
    since = now - dt.timedelta(days=365)
    recent = Response.objects.filter(account=account, answered_at__gte=since)

    by_month = (
        recent.annotate(month=TruncMonth("answered_at"))
        .values("month")
        .with_nps_counts()
        .order_by("month")
    )
    by_persona = recent.values("contact__persona").with_nps_counts().order_by()
    latest = Response.objects.filter(contact=OuterRef("pk")).order_by("-answered_at")
    contacts = Paginator(
        Contact.objects.filter(account=account)
        .annotate(
            last_score=Subquery(latest.values("score")[:1]),
            last_answered_at=Subquery(latest.values("answered_at")[:1]),
        )
        .order_by("name", "email", "pk"),
        CONTACTS_PER_PAGE,
    ).get_page(contacts_page)
    # Only the cases the reader may open: the account page is no way around the rule.
    visible_cases = account_cases_visible_to(user, account)
    return AccountPage(
        account=account,
        nps=recent.nps(),
        by_month=[MonthNps(month=row["month"].date(), nps=summary_of(row)) for row in by_month],
        by_persona=sorted(
            (
                PersonaNps(
                    persona=row["contact__persona"],
                    label=str(Persona(row["contact__persona"]).label),
                    nps=summary_of(row),
                )
                for row in by_persona
            ),
            key=lambda entry: -entry.nps.responses,
        ),
        voices=recent.values("contact_id").distinct().count(),
        contacts=contacts,
        answers=_latest_answers(account),
        answer_count=Response.objects.filter(account=account).count(),
        cases=list(
            visible_cases.select_related("contact", "response", "owner", "follow_up_response")
            .prefetch_related(
                Prefetch(
                    "joined_answers",
                    queryset=CaseAnswer.objects.select_related("response__contact"),
                )
            )
            .order_by("-opened_at")[:CASES_SHOWN]
        ),
        case_count=visible_cases.count(),
        interactions=list(
            Interaction.objects.filter(account=account)
            .select_related("contact")
            .order_by("-occurred_at")[:INTERACTIONS_SHOWN]
        ),
        suppressions=list(
            # The account's people as a set: joined to every contact, the check read them all.
            Suppression.objects.filter(
                Q(account=account)
                | Q(contact_id__in=Contact.objects.filter(account=account).values("pk")),
                lifted_at__isnull=True,
            )
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            # Fetched apart: a join made PostgreSQL hash every contact for a handful of rows.
            .prefetch_related("contact")
            .order_by("-starts_at")[:LIST_LIMIT]
        ),
        notes=list(
            Note.objects.filter(account=account)
            .filter(Q(case__isnull=True) | Q(case__in=Case.objects.visible_to(user)))
            .select_related("author")
            .order_by("-created_at", "-id")[:LIST_LIMIT]
        ),
    )


def _latest_answers(account: Account) -> list[Response]:
    """The account's latest answers, each with whether it has a case: an answer with no case
    offers one, opened by hand; one that joined its account's case has that case.

    The page's answers are picked first: asked of every answer of a large account,
    PostgreSQL would hash the whole table of cases to tell which ones have a case."""
    latest = list(
        Response.objects.filter(account=account)
        .order_by("-answered_at", "-pk")
        .values_list("pk", flat=True)[:ANSWERS_SHOWN]
    )
    return list(
        Response.objects.filter(pk__in=latest)
        .select_related("contact", "campaign")
        .annotate(
            has_case=Exists(Case.objects.current().filter(response=OuterRef("pk")))
            | Exists(CaseAnswer.objects.filter(response=OuterRef("pk")))
        )
        .order_by("-answered_at", "-pk")
    )
