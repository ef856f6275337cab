"""A CSM's day, as their home page shows it: the cases that need them, their tasks, their
book of business, and how their accounts answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Account
from core.conversion import in_reporting_currency
from core.models import LoopSettings
from core.periods import period_filter
from playbooks.models import OPEN_CASE_STATUSES, Case
from playbooks.selectors.dashboard import WonBack
from playbooks.selectors.queue import MINE, QueueFilters, queue_for, queue_rows
from playbooks.selectors.tasks import Task, tasks_of
from surveys.models import NPS_COUNTS, Response
from surveys.nps import NpsSummary, summary_of

if TYPE_CHECKING:
    from core.models import User

# What the home page lists before linking to the full page.
CASES_SHOWN = 5
TASKS_SHOWN = 5
BOOK_SHOWN = 100
# The periods a CSM may read their figures over, in days; the first is the default.
PERIODS = (90, 30, 365)


@dataclass(frozen=True)
class BookRow:
    """One account of a CSM's book of business."""

    account: Account
    last_score: int | None
    previous_score: int | None
    last_answered_at: dt.datetime | None
    open_case: Case | None  # the latest open one, with its risk score (`risk`)
    arr_converted: Decimal | None = None  # in `reporting_currency`; None without a rate
    reporting_currency: str = "EUR"

    @property
    def trend(self) -> int | None:
        """The last answer's score minus the one before; None with fewer than two."""
        if self.last_score is None or self.previous_score is None:
            return None
        return self.last_score - self.previous_score


@dataclass(frozen=True)
class CsmDay:
    cases: list[Case]
    open_cases: int
    tasks: list[Task]
    open_tasks: int
    overdue_tasks: int
    book: list[BookRow]
    accounts: int
    days: int
    nps: NpsSummary
    won_back: WonBack  # follow-up answers given in the period to the CSM's cases


def csm_day(*, user: User, days: int, now: dt.datetime | None = None) -> CsmDay:
    """What a CSM needs on landing: their own cases in the queue's order, their tasks, the
    accounts they own, and their accounts' NPS and won-back rate over the last `days`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    case_ids = list(queue_for(user=user, filters=QueueFilters(owner=MINE), now=now))
    tasks = tasks_of(user=user, today=today)
    book = _book(user, now=now)
    start = today - dt.timedelta(days=days - 1)
    return CsmDay(
        cases=queue_rows(user=user, case_ids=case_ids[:CASES_SHOWN], now=now),
        open_cases=len(case_ids),
        tasks=tasks.open[:TASKS_SHOWN],
        open_tasks=len(tasks.open),
        overdue_tasks=tasks.overdue,
        book=book,
        accounts=_accounts_of(user),
        days=days,
        nps=_nps(user, start, today),
        won_back=_won_back(user, start, today),
    )


def _accounts_of(user: User) -> int:
    return Account.objects.filter(csm=user).count()


def _book(user: User, *, now: dt.datetime) -> list[BookRow]:
    """The accounts the CSM owns, renewing soonest first (no date last), the first
    BOOK_SHOWN; each open case as the queue shows it, with its risk score, and each ARR
    converted to the reporting currency too."""
    reporting = LoopSettings.current().reporting_currency
    answers = Response.objects.filter(account=OuterRef("pk")).order_by("-answered_at", "-id")
    open_case = (
        Case.objects.current()
        .filter(account=OuterRef("pk"), status__in=OPEN_CASE_STATUSES)
        .order_by("-opened_at", "-id")
    )
    accounts = (
        Account.objects.filter(csm=user)
        .annotate(
            last_score=Subquery(answers.values("score")[:1]),
            previous_score=Subquery(answers.values("score")[1:2]),
            last_answered_at=Subquery(answers.values("answered_at")[:1]),
            open_case_id=Subquery(open_case.values("pk")[:1]),
            arr_converted=in_reporting_currency(reporting=reporting),
        )
        .order_by(F("renewal_date").asc(nulls_last=True), "name")[:BOOK_SHOWN]
    )
    accounts = list(accounts)
    opened = [account.open_case_id for account in accounts if account.open_case_id]
    cases = {case.pk: case for case in queue_rows(user=user, case_ids=opened, now=now)}
    return [
        BookRow(
            account=account,
            last_score=account.last_score,
            previous_score=account.previous_score,
            last_answered_at=account.last_answered_at,
            open_case=cases.get(account.open_case_id),
            arr_converted=account.arr_converted,
            reporting_currency=reporting,
        )
        for account in accounts
    ]


def _nps(user: User, start: dt.date, end: dt.date) -> NpsSummary:
    answers = Response.objects.filter(period_filter("answered_at", start, end), account__csm=user)
    return summary_of(answers.aggregate(**NPS_COUNTS))


def _won_back(user: User, start: dt.date, end: dt.date) -> WonBack:
    figures = (
        Case.objects.current()
        .filter(period_filter("follow_up_response__answered_at", start, end), owner=user)
        .aggregate(answered=Count("pk"), won_back=Count("pk", filter=Q(won_back_at__isnull=False)))
    )
    return WonBack(label="", answered=figures["answered"], won_back=figures["won_back"])
