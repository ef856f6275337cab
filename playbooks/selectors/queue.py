"""The CSM's queue: open cases, the riskiest first by default, with what each row shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as Conditional
from django.utils import timezone

from accounts.models import Account, Contact
from core.models import ExchangeRate, LoopSettings
from core.periods import period_filter
from playbooks.access import cases_visible_to
from playbooks.models import (
    AUTOMATIC_STEP_KINDS,
    OPEN_ACTION_STATUSES,
    OPEN_CASE_STATUSES,
    ActionItem,
    Case,
    CaseStatus,
    CaseStep,
    Escalation,
    StepStatus,
)
from playbooks.risk import RiskWeights
from playbooks.selectors.cases import case_list
from playbooks.selectors.risk import case_risk, risk_now

if TYPE_CHECKING:
    from core.models import User

OPEN = "open"
ALL = "all"
MINE = "me"
NOBODY = "none"

# How the queue is sorted: by risk score (the default), by the order it had before risk
# scores (the reader's own first, then overdue, escalated, priority), or oldest first.
BY_RISK = "risk"
BY_PRIORITY = "priority"
OLDEST_FIRST = "oldest"
SORTS = (BY_RISK, BY_PRIORITY, OLDEST_FIRST)

# A search word that finds more accounts or people than this is looked for as a query
# rather than as a list of ids (see `_found`).
SEARCH_IDS_AT_MOST = 500

# What a row of the queue (and of a CSM's home) shows besides the case.
QUEUE_ROW_RELATIONS = ("account", "contact", "owner", "response")


@dataclass(frozen=True)
class QueueFilters:
    """What the queue page was asked for; empty values filter nothing."""

    status: str = OPEN  # "open", "all", or one CaseStatus
    category: str = ""
    segment: str = ""
    owner: str = ""  # "", "me", "none" (the managers' cases) or a user id
    overdue: bool = False
    escalated: bool = False
    search: str = ""
    sort: str = BY_RISK
    # The Recurring issues page's drill-down: the cases closed with a root cause (or one of
    # its sub-causes) between two days.
    root_cause: int | None = None
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    # The account page's link to all of one account's cases.
    account: int | None = None

    @cached_property
    def found(self) -> list[tuple[list[int] | QuerySet, list[int] | QuerySet]]:
        """For each word searched (the first five), the accounts and the people it finds
        (`_found`): looked up once, though the queue and its counts both filter by them.
        A word must find the case's account or its person."""
        return [
            (
                _found(
                    Account.objects.filter(Q(name__icontains=word) | Q(external_id__iexact=word))
                ),
                _found(Contact.objects.filter(Q(name__icontains=word) | Q(email__icontains=word))),
            )
            for word in self.search.split()[:5]
        ]


@dataclass(frozen=True)
class QueueCounts:
    """How many cases each status and flag would show, the other filters applied."""

    by_status: dict[str, int]
    open: int
    all: int
    overdue: int
    escalated: int

    def listed(self, filters: QueueFilters) -> int | None:
        """How many cases the queue lists under `filters`, when these counts tell it
        (the paginator need not count them again); None when they do not."""
        if filters.overdue and filters.escalated:
            return None
        if filters.overdue:  # only open cases are overdue
            return self.overdue if filters.status in (OPEN, ALL) else None
        if filters.escalated:
            return self.escalated if filters.status == OPEN else None
        if filters.status == OPEN:
            return self.open
        if filters.status == ALL:
            return self.all
        return self.by_status.get(filters.status, 0)


def _late_step(now: dt.datetime) -> Exists:
    return Exists(
        CaseStep.objects.filter(
            case=OuterRef("pk"), status=StepStatus.TODO, due_at__lt=now
        ).exclude(kind__in=AUTOMATIC_STEP_KINDS)
    )


def _late_action(now: dt.datetime) -> Exists:
    """An open item of the action plan whose due date has passed (in the site's time zone)."""
    return Exists(
        ActionItem.objects.filter(
            case=OuterRef("pk"),
            status__in=OPEN_ACTION_STATUSES,
            due_date__lt=timezone.localdate(now),
        )
    )


def overdue(now: dt.datetime) -> Q:
    """Whether a case is overdue, as a condition (to filter or count cases in one query):
    open, and its first contact, one of its people's steps or one of its plan's actions
    is past due. The dashboard's case copies hold the same rule as a moment in SQL
    (`playbooks.services.case_slices._OVERDUE_FROM`): a change here is a change there, and
    a migration that recomputes the copies."""
    first_contact_late = Q(first_contact_at__isnull=True, sla_due_at__lt=now)
    late_work = first_contact_late | Q(_late_step(now)) | Q(_late_action(now))
    return Q(status__in=OPEN_CASE_STATUSES) & late_work


def overdue_cases(cases: QuerySet[Case], *, now: dt.datetime) -> QuerySet[Case]:
    """Of `cases`, those open whose first contact or one of their people's steps is late."""
    return cases.filter(overdue(now))


def _escalated() -> Exists:
    return Exists(Escalation.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True))


def _annotated(user: User, now: dt.datetime) -> QuerySet[Case]:
    next_step = (
        CaseStep.objects.filter(case=OuterRef("pk"), status=StepStatus.TODO)
        .exclude(kind__in=AUTOMATIC_STEP_KINDS)
        .order_by("position")
    )
    # A row shows the case's account, person, owner and answer, never its playbook or root
    # cause: three joins fewer for PostgreSQL to plan and Django to read.
    return case_list(user=user, relations=QUEUE_ROW_RELATIONS).annotate(
        next_step_title=Subquery(next_step.values("title")[:1]),
        next_step_due=Subquery(next_step.values("due_at")[:1]),
        overdue=ExpressionWrapper(overdue(now), output_field=BooleanField()),
        mine=Conditional(
            When(owner=user, then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
    )


def _filtered(cases: QuerySet[Case], filters: QueueFilters, user: User, *, status: bool = True):
    if status:
        if filters.status == OPEN:
            cases = cases.filter(status__in=OPEN_CASE_STATUSES)
        elif filters.status != ALL:
            cases = cases.filter(status=filters.status)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.segment:
        cases = cases.filter(account__segment=filters.segment)
    if filters.owner == MINE:
        cases = cases.filter(owner=user)
    elif filters.owner == NOBODY:
        cases = cases.filter(owner__isnull=True)
    elif filters.owner:
        cases = cases.filter(owner_id=int(filters.owner))
    if filters.root_cause is not None:
        cases = cases.filter(
            Q(root_cause_id=filters.root_cause) | Q(root_cause__parent_id=filters.root_cause)
        )
    if filters.closed_from or filters.closed_to:
        cases = cases.filter(period_filter("closed_at", filters.closed_from, filters.closed_to))
    if filters.account is not None:
        cases = cases.filter(account_id=filters.account)
    # The accounts and the people each word finds, then their cases: matched on the cases
    # joined to both, the word was tried on every case.
    for accounts, people in filters.found:
        cases = cases.filter(Q(account_id__in=accounts) | Q(contact_id__in=people))
    return cases


def _found(rows: QuerySet) -> list[int] | QuerySet:
    """The ids of what a search word finds, when it finds at most `SEARCH_IDS_AT_MOST`;
    else the query that finds them. Given their ids, PostgreSQL reads the cases of a few
    accounts and people through the cases' own indexes; given the query, it could only
    check every case against the set it finds (a fifth of the search's time)."""
    ids = list(rows.values_list("pk", flat=True)[: SEARCH_IDS_AT_MOST + 1])
    return rows.values("pk") if len(ids) > SEARCH_IDS_AT_MOST else ids


def queue_for(*, user: User, filters: QueueFilters, now: dt.datetime | None = None):
    """The ids of the cases of the queue, in the order of `filters.sort`: by default the
    highest risk score first (`playbooks.risk`), then higher priority, then the oldest;
    `BY_PRIORITY`, the reader's own first, then overdue, escalated, higher priority,
    oldest; `OLDEST_FIRST`, by the case's opening.

    Ids only: ordering the queue reads the cases alone, not their answers, contacts and
    next steps, which `queue_rows` reads for the page shown."""
    now = now or timezone.now()
    cases = _filtered(cases_visible_to(user), filters, user)
    if filters.overdue:
        cases = cases.filter(overdue(now))
    if filters.escalated:
        cases = cases.filter(_escalated())
    if filters.sort == OLDEST_FIRST:
        return cases.order_by("opened_at", "id").values_list("pk", flat=True)
    if filters.sort == BY_PRIORITY:
        cases = cases.alias(
            escalated=_escalated(),
            overdue=ExpressionWrapper(overdue(now), output_field=BooleanField()),
            mine=Conditional(
                When(owner=user, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        order = ["-mine", "-overdue", "-escalated", "-priority", "opened_at", "id"]
    else:
        # Overdue work and escalations are parts of the score already: sorting on them
        # again would only make PostgreSQL hash their subqueries twice (a third slower).
        weights = RiskWeights.of(LoopSettings.current())
        cases = cases.alias(
            risk=risk_now(weights, today=timezone.localdate(now), overdue=overdue(now))
        )
        order = ["-risk", "-priority", "opened_at", "id"]
    return cases.order_by(*order).values_list("pk", flat=True)


def with_overdue(cases: QuerySet[Case], *, now: dt.datetime) -> QuerySet[Case]:
    """`cases` annotated with `overdue`, as `overdue_cases` judges it (an input of their
    risk score)."""
    return cases.annotate(overdue=ExpressionWrapper(overdue(now), output_field=BooleanField()))


def with_risk(cases: list[Case], *, now: dt.datetime) -> list[Case]:
    """Set `risk` (`playbooks.risk.RiskScore`) on each of `cases`, loaded as `case_list`
    loads them (`escalated`) and annotated with `overdue`; a case without the annotation
    is read as not overdue. Returns `cases`."""
    weights = RiskWeights.of(LoopSettings.current())
    today = timezone.localdate(now)
    rates = ExchangeRate.table() if cases else {}
    for case in cases:
        case.risk = case_risk(case, weights=weights, today=today, rates=rates)
    return cases


def is_overdue(*, case: Case, now: dt.datetime) -> bool:
    """Whether one case is overdue, as `overdue_cases` judges it."""
    return overdue_cases(Case.objects.filter(pk=case.pk), now=now).exists()


def queue_rows(*, user: User, case_ids: list[int], now: dt.datetime | None = None) -> list[Case]:
    """The queue's rows for `case_ids` (a page of `queue_for`), in that order, with what
    each row shows, its risk score (`risk`) included."""
    now = now or timezone.now()
    cases = _annotated(user, now).in_bulk(case_ids)
    return with_risk([cases[pk] for pk in case_ids if pk in cases], now=now)


def queue_counts(*, user: User, filters: QueueFilters, now: dt.datetime | None = None):
    """Counts for the queue's status tabs and flags, in one query: the cases by status,
    with how many of each are overdue or escalated. Only open cases can be either, and
    their status is checked first: a closed case (most of them) is counted, not judged.
    Without other filters, what it reads of each case is in `case_status_readers`."""
    now = now or timezone.now()
    cases = _filtered(cases_visible_to(user), filters, user, status=False)
    rows = (
        cases.order_by()
        .values("status")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=overdue(now)),
            escalated=Count("pk", filter=Q(status__in=OPEN_CASE_STATUSES) & Q(_escalated())),
        )
    )
    counted = {row["status"]: row for row in rows}
    by_status = {status: counted.get(status, {}).get("n", 0) for status in CaseStatus.values}
    return QueueCounts(
        by_status=by_status,
        open=sum(by_status[status] for status in OPEN_CASE_STATUSES),
        all=sum(by_status.values()),
        overdue=sum(row["overdue"] for row in counted.values()),
        escalated=sum(row["escalated"] for row in counted.values()),
    )
