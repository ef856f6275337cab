"""The answers page: every answer, not only those with a case, and the unmatched ones.

It lives in `playbooks` because whether an answer has a case, and who may see it,
depend on cases.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace

from accounts.models import Account, AccountDomain
from playbooks.access import accounts_visible_to, answers_visible_to
from playbooks.models import Case, CaseAnswer
from surveys.history import case_window_days
from surveys.models import NPS_COUNTS, Response, Theme
from surveys.nps import NpsSummary, summary_of

if TYPE_CHECKING:
    from core.models import User

WITH = "with"
WITHOUT = "without"
UNMATCHED = "unmatched"
ACCOUNT_CHOICES_LIMIT = 20


@dataclass(frozen=True)
class AnswerFilters:
    """What the answers page was asked for; empty values filter nothing."""

    category: str = ""
    campaign: int | None = None
    answered_from: dt.date | None = None
    answered_to: dt.date | None = None
    segment: str = ""
    comment: str = ""  # "", "with" or "without"
    case: str = ""  # "", "with" or "without"
    unmatched: bool = False
    theme: int | None = None
    search: str = ""
    account: int | None = None  # one account's answers (its page links here)


@dataclass(frozen=True)
class AnswerSummary:
    """The filtered answers in figures: their NPS, and how many have a comment or a case."""

    nps: NpsSummary
    with_comment: int
    with_case: int


def _filtered(answers: QuerySet[Response], filters: AnswerFilters) -> QuerySet[Response]:
    if filters.unmatched:
        answers = answers.filter(account__isnull=True)
    if filters.account is not None:
        answers = answers.filter(account_id=filters.account)
    if filters.category:
        answers = answers.filter(category=filters.category)
    if filters.campaign is not None:
        answers = answers.filter(campaign_id=filters.campaign)
    answers = answers.in_period(filters.answered_from, filters.answered_to)
    if filters.segment:
        answers = answers.filter(account__segment=filters.segment)
    if filters.theme is not None:
        answers = answers.filter(themes=filters.theme)
    if filters.comment == WITH:
        answers = answers.exclude(comment="")
    elif filters.comment == WITHOUT:
        answers = answers.filter(comment="")
    # An answer that joined its account's case has that case.
    has_case = Exists(Case.objects.current().filter(response=OuterRef("pk"))) | Exists(
        CaseAnswer.objects.filter(response=OuterRef("pk"))
    )
    if filters.case == WITH:
        answers = answers.filter(has_case)
    elif filters.case == WITHOUT:
        answers = answers.filter(~has_case)
    for word in filters.search.split()[:5]:
        answers = answers.filter(
            Q(account__name__icontains=word)
            | Q(account__external_id__iexact=word)
            | Q(contact__name__icontains=word)
            | Q(contact__email__icontains=word)
            | Q(comment__icontains=word)
        )
    return answers


# Each answer's current case, as `answer.current_cases` (a list of at most one).
_CURRENT_CASES = Prefetch("cases", queryset=Case.objects.current(), to_attr="current_cases")


def answer_list(*, user: User, filters: AnswerFilters) -> QuerySet[Response]:
    """The answers the reader may see that match the filters, newest first, with what each
    row shows fetched in a fixed number of queries (a page of them: the list, the themes);
    `is_history` says which answers arrived too late to open a case."""
    return (
        _filtered(answers_visible_to(user), filters)
        .with_history(window_days=case_window_days())
        .select_related("account", "contact", "campaign", "joined_case")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.order_by("name")), _CURRENT_CASES
        )
        .order_by("-answered_at", "-id")
    )


def visible_answer(*, user: User, response_id: int) -> Response | None:
    """One answer the reader may see, with its contact, account and current case; None
    when it does not exist or is not theirs to see."""
    return (
        answers_visible_to(user)
        .select_related("account", "contact", "campaign")
        .prefetch_related(_CURRENT_CASES)
        .filter(pk=response_id)
        .first()
    )


def answer_summary(*, user: User, filters: AnswerFilters) -> AnswerSummary:
    """NPS, comment and case counts of the answers the page lists, in one query."""
    figures = _filtered(answers_visible_to(user), filters).aggregate(
        **NPS_COUNTS,
        with_comment=Count("pk", filter=~Q(comment="")),
        with_case=Count("cases", filter=Q(cases__superseded_at__isnull=True)),
    )
    return AnswerSummary(
        nps=summary_of(figures),
        with_comment=figures["with_comment"],
        with_case=figures["with_case"],
    )


def unmatched_count(*, user: User) -> int:
    """How many answers wait for an account, for the page's tab (none for a CSM)."""
    return answers_visible_to(user).filter(account__isnull=True).count()


def unmatched_answer(*, response_id: int) -> Response | None:
    """An answer still waiting for an account, with its contact and how many answers that
    contact left without an account; None when it is matched or does not exist."""
    return (
        Response.objects.filter(pk=response_id, account__isnull=True)
        .select_related("contact", "campaign")
        .prefetch_related(_CURRENT_CASES)
        .annotate(
            contact_unmatched=Count(
                "contact__responses", filter=Q(contact__responses__account__isnull=True)
            )
        )
        .first()
    )


def accounts_matching(search: str) -> list[Account]:
    """Accounts an admin may assign an answer to: name (spaces ignored, so "kestrelrobotics"
    finds "Kestrel Robotics"), CRM id or mail domain contain each word searched for; the
    largest ARR first."""
    words = search.split()[:5]
    if not words:
        return []
    accounts = Account.objects.select_related("csm").annotate(
        compact_name=Replace(Lower("name"), Value(" "), Value(""))
    )
    for word in words:
        accounts = accounts.filter(
            Q(compact_name__contains=word.lower().replace(" ", ""))
            | Q(external_id__iexact=word)
            | Exists(AccountDomain.objects.filter(account=OuterRef("pk"), domain__icontains=word))
        )
    return list(accounts.order_by("-arr", "name")[:ACCOUNT_CHOICES_LIMIT])


def accounts_like(domain_name: str) -> list[Account]:
    """Accounts whose name begins the most like a mail domain's name, the closest first:
    "kestrelrobotics" suggests "Kestrel Field Robotics" before "Kestrel Bank". Names must
    share at least their first four letters."""
    label = domain_name.lower().replace(" ", "")
    if len(label) < 4:
        return []
    candidates = (
        Account.objects.select_related("csm")
        .annotate(compact_name=Replace(Lower("name"), Value(" "), Value("")))
        .filter(compact_name__startswith=label[:4])
        .order_by("-arr", "name")
    )

    def shared(account: Account) -> int:
        return len(os.path.commonprefix([account.compact_name, label]))

    def likeness(account: Account) -> float:
        return difflib.SequenceMatcher(None, account.compact_name, label).ratio()

    candidates = list(candidates[:200])
    if not candidates:
        return []
    best = max(shared(account) for account in candidates)
    closest = [account for account in candidates if shared(account) == best]
    return sorted(closest, key=likeness, reverse=True)[:ACCOUNT_CHOICES_LIMIT]


@dataclass(frozen=True)
class AnswerOverview:
    accounts: int
    answers: int
    unmatched_answers: int
    last_received_at: dt.datetime | None


def answer_overview(*, user: User) -> AnswerOverview:
    """Counts of the accounts and answers the reader may see, for the home page."""
    figures = answers_visible_to(user).aggregate(
        answers=Count("pk"),
        unmatched=Count("pk", filter=Q(account__isnull=True)),
        last_received_at=Max("created_at"),
    )
    return AnswerOverview(
        accounts=accounts_visible_to(user).count(),
        answers=figures["answers"],
        unmatched_answers=figures["unmatched"],
        last_received_at=figures["last_received_at"],
    )
