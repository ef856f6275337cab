"""Recurring issues: the root causes of the cases closed in a period and the themes of the
answers given in it, each with its cases, accounts, detractor answers and ARR, against the
period of the same length just before.

One selector feeds the page, its CSV and the API. A root cause counts the cases closed in
the period with it (a cause counts its own cases and those of its sub-causes), unless it
counts as no issue ("Nothing to fix"); a theme counts
the answers given in the period that carry it, and their cases. Accounts are counted once
per row, and the ARR affected is the sum of those accounts' ARR as it is now, converted
to the reporting currency in SQL with the current rates (`core.conversion`, as on the
dashboard); an account whose currency has no rate is counted, its ARR left out and its
currency named.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case as Choice
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from core.conversion import in_reporting_currency
from core.models import LoopSettings
from playbooks.models import Case as CaseModel
from playbooks.models import CaseAnswer, CaseOutcome, CaseStatus, IssueAlert, IssueKind, RootCause
from playbooks.selectors.dashboard import Slice
from surveys.models import Category, Response, Theme

BY_CASES = "cases"
BY_ARR = "arr"
SORTS = (BY_CASES, BY_ARR)
ROOT_CAUSE = "root_cause"
THEME = "theme"
# Outcomes NPS Loop gives itself: such cases have no root cause, and nobody owes one.
SYSTEM_OUTCOMES = (CaseOutcome.SUPERSEDED, CaseOutcome.CONTACT_ERASED)

NOW, BEFORE = 1, 0
ALL = 0  # the key of every root cause together (no cause has id 0)


@dataclass(frozen=True)
class Figures:
    """What a row counts over one period."""

    cases: int = 0
    accounts: int = 0
    detractor_answers: int = 0
    arr: Decimal = Decimal(0)
    answers: int = 0  # themes: the answers that carry it; root causes: 0


@dataclass
class IssueRow:
    """A root cause or a theme over the period and the one before; a cause holds its
    sub-causes in `sub_rows`."""

    kind: str  # ROOT_CAUSE or THEME
    id: int
    name: str  # in English
    name_fr: str
    active: bool
    now: Figures
    before: Figures
    parent_id: int | None = None
    sub_rows: list[IssueRow] = field(default_factory=list)
    # The day its last alert was raised in the period, when one was (`issue_alerts`).
    alerted_on: dt.date | None = None
    # The day it was last marked fixed, when it was (`issue_fixes`).
    fixed_on: dt.date | None = None

    @property
    def display_name(self) -> str:
        """The name in the reader's language."""
        if (get_language() or "").startswith("fr") and self.name_fr:
            return self.name_fr
        return self.name

    @property
    def count(self) -> int:
        """The row's own count: cases closed with a root cause, answers carrying a theme."""
        return self.now.cases if self.kind == ROOT_CAUSE else self.now.answers

    @property
    def previous_count(self) -> int:
        return self.before.cases if self.kind == ROOT_CAUSE else self.before.answers

    @property
    def change(self) -> int:
        """How much the count moved since the period before."""
        return self.count - self.previous_count


@dataclass(frozen=True)
class RecurringIssues:
    """The figures of a period, its root causes grouped cause > sub-cause, and its themes."""

    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    sort: str
    root_causes: list[IssueRow]
    themes: list[IssueRow]
    closed: Figures  # every case closed in the period with a root cause
    closed_before: Figures
    closed_without_root_cause: int  # closed by a person before root causes existed
    closed_with_no_issue: int  # closed with a root cause that counts as no issue
    currency: str  # the reporting currency, of every ARR
    unconverted_currencies: list[str]  # of accounts counted whose ARR has no rate

    @property
    def currencies(self) -> list[str]:
        """The currencies of the ARR summed: the reporting currency alone (kept for the
        API's `currencies`, from when amounts were added unconverted)."""
        return [self.currency]

    @property
    def is_empty(self) -> bool:
        return not self.root_causes and not self.themes

    def every_row(self) -> list[IssueRow]:
        """Each cause, each sub-cause and each theme, once."""
        rows = []
        for cause in self.root_causes:
            rows += [cause, *cause.sub_rows]
        return rows + self.themes


def recurring_issues(*, start: dt.date, end: dt.date, sort: str = BY_CASES) -> RecurringIssues:
    """The recurring issues of the days from `start` to `end` (both included, in the server's
    time zone) against the same number of days just before; rows sorted by `sort` (cases or
    ARR, then name). Seven queries, whatever the number of cases."""
    part = Slice(start=start, end=end)
    before = part.previous()
    reporting = LoopSettings.current().reporting_currency
    unconverted: set[str] = set()
    causes, closed, closed_before = _root_cause_rows(part, before, reporting, unconverted)
    themes = _theme_rows(part, before, reporting, unconverted)
    sort = sort if sort in SORTS else BY_CASES
    for row in causes:
        _sort(row.sub_rows, sort)
    left_out = (
        CaseModel.objects.filter(part.within("closed_at"), status=CaseStatus.CLOSED)
        .exclude(outcome__in=SYSTEM_OUTCOMES)
        .aggregate(
            without=Count("pk", filter=Q(root_cause__isnull=True)),
            no_issue=Count("pk", filter=NO_ISSUE),
        )
    )
    return RecurringIssues(
        start=part.start,
        end=part.end,
        previous_start=before.start,
        previous_end=before.end,
        sort=sort,
        root_causes=_sort(causes, sort),
        themes=_sort(themes, sort),
        closed=closed,
        closed_before=closed_before,
        closed_without_root_cause=left_out["without"],
        closed_with_no_issue=left_out["no_issue"],
        currency=reporting,
        unconverted_currencies=sorted(unconverted),
    )


def _sort(rows: list[IssueRow], sort: str) -> list[IssueRow]:
    def key(row: IssueRow):
        if sort == BY_ARR:
            return (-row.now.arr, -row.now.cases, -row.count, row.display_name.casefold())
        return (-row.now.cases, -row.count, -row.now.arr, row.display_name.casefold())

    rows.sort(key=key)
    return rows


def _period(part: Slice, field_name: str) -> Choice:
    """1 for a row of the period, 0 for one of the period before."""
    return Choice(
        When(part.within(field_name), then=Value(NOW)),
        default=Value(BEFORE),
        output_field=IntegerField(),
    )


# --- root causes ----------------------------------------------------------------------------


# A root cause that is no issue ("Nothing to fix"), itself or by its cause.
NO_ISSUE = Q(root_cause__counts_as_issue=False) | Q(root_cause__parent__counts_as_issue=False)


def _closed_cases(part: Slice, before: Slice) -> QuerySet[CaseModel]:
    """The cases closed in either period with a root cause that counts as an issue, each
    marked with its period."""
    return (
        CaseModel.objects.filter(
            part.within("closed_at") | before.within("closed_at"), root_cause__isnull=False
        )
        .exclude(NO_ISSUE)
        .annotate(period=_period(part, "closed_at"))
    )


def _detractor_answers() -> Coalesce:
    """A case's detractor answers: its own, if a detractor's, and those that joined it."""
    joined = (
        CaseAnswer.objects.filter(case=OuterRef("pk"), response__category=Category.DETRACTOR)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    own = Choice(
        When(category=Category.DETRACTOR, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return own + Coalesce(Subquery(joined, output_field=IntegerField()), Value(0))


def _root_cause_rows(
    part: Slice, before: Slice, reporting: str, unconverted: set[str]
) -> tuple[list[IssueRow], Figures, Figures]:
    cases = _closed_cases(part, before)
    counted = (
        cases.annotate(detractors=_detractor_answers())
        .values("root_cause_id", "period")
        .annotate(cases=Count("pk"), detractor_answers=Sum("detractors"))
        .order_by()
    )
    accounts = (
        cases.filter(account__isnull=False)
        .annotate(arr=_converted("account", reporting))
        .values_list("root_cause_id", "period", "account_id", "arr", "account__currency")
        .distinct()
        .order_by()
    )
    every_cause = {cause.pk: cause for cause in RootCause.objects.all()}

    def group_of(cause_id: int) -> int:
        return every_cause[cause_id].parent_id or cause_id

    # (cause, period) -> [cases, detractor answers]; a cause adds up its sub-causes'.
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in counted:
        cause_id, period = row["root_cause_id"], row["period"]
        for key in {(cause_id, period), (group_of(cause_id), period), (ALL, period)}:
            counts[key][0] += row["cases"]
            counts[key][1] += row["detractor_answers"] or 0
    reached: dict[tuple[int, int], dict[int, Decimal | None]] = defaultdict(dict)
    for cause_id, period, account_id, arr, currency in accounts:
        for key in {(cause_id, period), (group_of(cause_id), period), (ALL, period)}:
            reached[key][account_id] = arr
        if period == NOW and arr is None:
            unconverted.add(currency)

    def figures(key: tuple[int, int]) -> Figures:
        cases_count, detractors = counts.get(key, (0, 0))
        arrs = reached.get(key, {})
        return Figures(
            cases=cases_count,
            accounts=len(arrs),
            detractor_answers=detractors,
            arr=_sum(arrs.values()),
        )

    rows: dict[int, IssueRow] = {}
    for cause_id in sorted({cause_id for cause_id, _period_key in counts} - {ALL}):
        cause = every_cause[cause_id]
        rows[cause_id] = IssueRow(
            kind=ROOT_CAUSE,
            id=cause.pk,
            name=cause.name,
            name_fr=cause.name_fr,
            active=cause.active,
            now=figures((cause_id, NOW)),
            before=figures((cause_id, BEFORE)),
            parent_id=cause.parent_id,
        )
    for row in rows.values():
        if row.parent_id is not None:
            rows[row.parent_id].sub_rows.append(row)
    groups = [row for row in rows.values() if row.parent_id is None]
    return groups, figures((ALL, NOW)), figures((ALL, BEFORE))


def _converted(account: str, reporting: str):
    """The ARR of the row's `account` in the reporting currency; NULL without a rate."""
    return in_reporting_currency(f"{account}__arr", f"{account}__currency", reporting=reporting)


def _sum(amounts) -> Decimal:
    """The accounts' converted ARR added up, those without a rate left out."""
    return sum((amount for amount in amounts if amount is not None), Decimal(0))


# --- themes ---------------------------------------------------------------------------------


def _theme_rows(
    part: Slice, before: Slice, reporting: str, unconverted: set[str]
) -> list[IssueRow]:
    tagged = Response.themes.through.objects.filter(
        part.within("response__answered_at") | before.within("response__answered_at")
    ).annotate(period=_period(part, "response__answered_at"))
    # The answer's case: the one it opened, or the one of its account it joined.
    opened = CaseModel.objects.current().filter(response=OuterRef("response_id")).values("pk")[:1]
    counted = (
        tagged.annotate(case_id=Coalesce(Subquery(opened), "response__joined_case__case_id"))
        .values("theme_id", "period")
        .annotate(
            answers=Count("pk"),
            detractor_answers=Count("pk", filter=Q(response__category=Category.DETRACTOR)),
            cases=Count("case_id", distinct=True),
        )
        .order_by()
    )
    accounts = (
        tagged.filter(response__account__isnull=False)
        .annotate(arr=_converted("response__account", reporting))
        .values_list(
            "theme_id", "period", "response__account_id", "arr", "response__account__currency"
        )
        .distinct()
        .order_by()
    )
    reached: dict[tuple[int, int], dict[int, Decimal | None]] = defaultdict(dict)
    for theme_id, period, account_id, arr, currency in accounts:
        reached[(theme_id, period)][account_id] = arr
        if period == NOW and arr is None:
            unconverted.add(currency)
    counts = {(row["theme_id"], row["period"]): row for row in counted}
    themes = Theme.objects.in_bulk({theme_id for theme_id, _period_key in counts})

    def figures(key: tuple[int, int]) -> Figures:
        row = counts.get(key)
        arrs = reached.get(key, {})
        if row is None:
            return Figures()
        return Figures(
            cases=row["cases"],
            accounts=len(arrs),
            detractor_answers=row["detractor_answers"],
            arr=_sum(arrs.values()),
            answers=row["answers"],
        )

    return [
        IssueRow(
            kind=THEME,
            id=theme.pk,
            name=theme.name,
            name_fr=theme.name_fr,
            active=theme.active,
            now=figures((theme.pk, NOW)),
            before=figures((theme.pk, BEFORE)),
        )
        for theme in themes.values()
    ]


# --- the accounts behind one row --------------------------------------------------------------


@dataclass(frozen=True)
class AffectedAccount:
    """An account behind a recurring issue, with its ARR as it is now."""

    id: int
    name: str
    arr: Decimal
    currency: str
    converted: Decimal | None = None  # in the reporting currency; None without a rate


def affected_accounts(
    *, kind: str, issue_id: int, start: dt.date, end: dt.date
) -> list[AffectedAccount]:
    """The accounts a row of `recurring_issues(start=start, end=end)` counts (its `accounts`
    and `arr`), the largest converted ARR first (those without a rate last): the same cases
    or answers, picked the same way."""
    part = Slice(start=start, end=end)
    reporting = LoopSettings.current().reporting_currency
    if kind == ROOT_CAUSE:
        rows = (
            _closed_cases(part, part.previous())
            .filter(part.within("closed_at"), account__isnull=False)
            .filter(Q(root_cause_id=issue_id) | Q(root_cause__parent_id=issue_id))
            .annotate(converted=_converted("account", reporting))
            .values_list(
                "account_id", "account__name", "account__arr", "account__currency", "converted"
            )
        )
    else:
        rows = (
            Response.themes.through.objects.filter(
                part.within("response__answered_at"),
                theme_id=issue_id,
                response__account__isnull=False,
            )
            .annotate(converted=_converted("response__account", reporting))
            .values_list(
                "response__account_id",
                "response__account__name",
                "response__account__arr",
                "response__account__currency",
                "converted",
            )
        )
    accounts = {row[0]: AffectedAccount(*row) for row in rows.distinct().order_by()}
    return sorted(
        accounts.values(),
        key=lambda account: (
            account.converted is None,
            -(account.converted or 0),
            account.name,
            account.id,
        ),
    )


def mark_alerts(issues: RecurringIssues) -> RecurringIssues:
    """Set `alerted_on` on the rows whose issue reached the alert threshold within the
    period: the day of its last alert. One query."""
    part = Slice(start=issues.start, end=issues.end)
    alerted: dict[tuple[str, int], dt.date] = {}
    for kind, cause_id, theme_id, raised_at in (
        IssueAlert.objects.filter(part.within("raised_at"))
        .order_by("raised_at")
        .values_list("kind", "root_cause_id", "theme_id", "raised_at")
    ):
        key = (ROOT_CAUSE, cause_id) if kind == IssueKind.ROOT_CAUSE else (THEME, theme_id)
        alerted[key] = timezone.localdate(raised_at)
    for row in issues.every_row():
        row.alerted_on = alerted.get((row.kind, row.id))
    return issues
