"""The managers' dashboard: NPS of a slice, how the loop is closed, ARR at risk, themes.

Every figure reads one slice: the answers given between two dates (inclusive, in the
server's time zone), narrowed by segment, tier, persona, CSM and campaign. NPS figures
pool the slice's answers (never an average of averages). Figures about cases read the
cases of the slice's answers, except those that say "now" (open, overdue), which read
the open cases of the slice's accounts and people whatever the answer's date.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property, lru_cache, reduce

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    DateField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Account, Contact, Persona, Segment
from core.conversion import in_reporting_currency
from core.models import LoopSettings, User
from core.periods import day_bounds, period_filter
from playbooks.models import (
    OPEN_ACTION_STATUSES,
    OPEN_CASE_STATUSES,
    ActionItem,
    AnswerDay,
    AnswerMonth,
    Case,
    CaseDay,
    CaseEventKind,
    CaseMonth,
    CaseOutcome,
    CaseSlice,
    FollowUpMonth,
    Playbook,
    TeamAnswerMonth,
    TeamCaseMonth,
    TeamThemeMonth,
    ThemeDay,
    ThemeMonth,
)
from playbooks.selectors.queue import overdue_cases
from surveys.models import Campaign, Category, Response, Theme
from surveys.nps import NpsSummary, category_for, summarize_counts

RENEWAL_WINDOW_DAYS = 90
_NONE = summarize_counts(0, 0, 0)
TOP_THEMES = 10
NO_VALUE = ""
# The months summed over the CSMs, read in place of the per-CSM ones when no CSM is picked.
TEAM_MONTHS = {AnswerMonth: TeamAnswerMonth, ThemeMonth: TeamThemeMonth, CaseMonth: TeamCaseMonth}


@dataclass(frozen=True)
class Slice:
    """Which answers the dashboard reads. Empty values narrow nothing."""

    start: dt.date
    end: dt.date
    segment: str = ""
    tier: str = ""
    persona: str = ""
    csm: int | None = None
    campaign: int | None = None
    # True: read the answers themselves, never the daily counts (the benchmark's check).
    from_answers: bool = False

    def answers(self) -> QuerySet[Response]:
        """The slice's answers."""
        return self.people(Response.objects.all(), prefix="").filter(self.within("answered_at"))

    def previous(self) -> Slice:
        """The same slice over the period of the same length just before this one."""
        length = self.end - self.start + dt.timedelta(days=1)
        return replace(self, start=self.start - length, end=self.start - dt.timedelta(days=1))

    def within(self, field: str) -> Q:
        """A filter on the moment `field` for the period's days (`core.periods`)."""
        return period_filter(field, self.start, self.end)

    def people(self, rows: QuerySet, *, prefix: str) -> QuerySet:
        """`rows` narrowed to the slice's accounts, people and campaign, whatever the dates;
        `prefix` leads from a row to its answer ("response__" from a case)."""
        if self.segment:
            rows = rows.filter(**{f"{prefix}account__segment": self.segment})
        if self.tier:
            rows = rows.filter(**{f"{prefix}account__tier": self.tier})
        if self.persona:
            rows = rows.filter(**{f"{prefix}contact__persona": self.persona})
        if self.csm is not None:
            rows = rows.filter(**{f"{prefix}account__csm_id": self.csm})
        if self.campaign is not None:
            rows = rows.filter(**{f"{prefix}campaign_id": self.campaign})
        return rows

    # Every answer figure of the dashboard is a sum of one of two tallies, each read once
    # per Slice from the counts the database keeps (`AnswerMonth` for the period's whole
    # months, `AnswerDay` for its other days) and summed there; or from the answers
    # themselves where the counts' days are not in the page's time zone.

    @cached_property
    def tally(self) -> list[dict]:
        """The slice's answers counted by month, campaign and score, with how many of them
        have a comment (month, campaign, score, n, commented)."""
        if not self.counted_by_day:
            return list(
                self.answers()
                .annotate(month=TruncMonth("answered_at"))
                .values("month", "campaign", "score")
                .annotate(n=Count("pk"), commented=Count("pk", filter=~Q(comment="")))
                .order_by()
            )
        counted = self.counted(
            AnswerDay,
            AnswerMonth,
            ("campaign", "score"),
            counts={"n": Sum("answers"), "commented": Sum("commented")},
        )
        return _summed(counted, ("month", "campaign", "score"), ("n", "commented"))

    @cached_property
    def people_tally(self) -> list[dict]:
        """The slice's answers counted by segment, tier, persona and score."""
        if not self.counted_by_day:
            return list(
                self.answers()
                .values("account__segment", "account__tier", "contact__persona", "score")
                .annotate(n=Count("pk"))
                .order_by()
            )
        return [
            {
                "account__segment": row["segment"],
                "account__tier": row["tier"],
                "contact__persona": row["persona"],
                "score": row["score"],
                "n": row["n"],
            }
            for row in _summed(
                self.counted(
                    AnswerDay,
                    AnswerMonth,
                    ("segment", "tier", "persona", "score"),
                    counts={"n": Sum("answers")},
                    monthly=False,
                ),
                ("segment", "tier", "persona", "score"),
                ("n",),
            )
        ]

    @property
    def counted_by_day(self) -> bool:
        """Whether the daily counts can answer: they exist and their days are this page's."""
        return self.reads_copies and timezone.get_current_timezone_name() == answer_days_zone()

    @property
    def reads_copies(self) -> bool:
        """Whether the figures come from what the database's triggers keep (the daily
        counts, `CaseSlice`), rather than from the answers and cases themselves."""
        return not self.from_answers and connection.vendor == "postgresql"

    def counted(
        self,
        by_day: type,
        by_month: type,
        fields: tuple[str, ...],
        *,
        counts: dict,
        monthly: bool = True,
        **where,
    ) -> list[dict]:
        """Count rows of the slice summed by `fields`, and by month unless not `monthly`:
        the period's whole months from the `by_month` rows (or from the team's months when
        no CSM is picked), the days around them from the `by_day` rows (a value of `fields`
        may come in a row of each)."""
        if self.csm is None:
            by_month = TEAM_MONTHS.get(by_month, by_month)
        months, around = whole_months_of(self)
        # The month as a date in SQL: a date_trunc would come back as a timestamp to convert.
        month_of = Cast(TruncMonth("day"), DateField())
        counted = []
        if around:
            days = reduce(
                operator.or_, (Q(day__gte=first, day__lte=last) for first, last in around)
            )
            counted.append(by_day.objects.filter(days).annotate(month_of=month_of))
        if months:
            whole = by_month.objects.filter(month__gte=months[0], month__lte=months[-1])
            counted.append(whole.annotate(month_of=F("month")))
        grouped = ("month_of", *fields) if monthly else fields
        return [
            {**row, "month": row.pop("month_of", None)}
            for rows in counted
            for row in rows.filter(**self.narrowing, **where)
            .values(*grouped)
            .annotate(**counts)
            .order_by()
        ]

    @property
    def narrowing(self) -> dict:
        """The slice's filters on the columns of the copies the database keeps (the daily
        counts, `CaseSlice`), which hold the segment, tier, CSM, persona and campaign."""
        return {
            field: value
            for field, value in (
                ("segment", self.segment),
                ("tier", self.tier),
                ("persona", self.persona),
                ("csm_id", self.csm),
                ("campaign_id", self.campaign),
            )
            if value not in (None, "")
        }

    def cases(self) -> QuerySet[Case]:
        """The current cases of the slice's answers (not those a corrected score superseded)."""
        return self.people(Case.objects.current(), prefix="response__").filter(
            self.within("response__answered_at")
        )


def _summed(rows: list[dict], key: tuple[str, ...], counts: tuple[str, ...]) -> list[dict]:
    """`rows` summed by the fields of `key`: one row per value, with each of `counts`."""
    sums: dict[tuple, dict] = {}
    for row in rows:
        values = tuple(row[field] for field in key)
        total = sums.setdefault(
            values, {**dict(zip(key, values, strict=True)), **dict.fromkeys(counts, 0)}
        )
        for field in counts:
            total[field] += row[field]
    return list(sums.values())


@lru_cache(maxsize=1)
def answer_days_zone() -> str | None:
    """The time zone of the daily counts' days (`playbooks.services.answer_days`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT answer_days_zone()")
        return cursor.fetchone()[0]


def whole_months_of(part: Slice) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
    """The first days of the calendar months wholly inside the period, and the first and
    last days of the period's other days (before and after those months; the whole period
    when it holds no whole month)."""
    whole = [
        month
        for month in months_of(part)
        if month >= part.start and _next_month(month) - dt.timedelta(days=1) <= part.end
    ]
    if not whole:
        return [], [(part.start, part.end)]
    around = [
        (part.start, whole[0] - dt.timedelta(days=1)),
        (_next_month(whole[-1]), part.end),
    ]
    return whole, [(first, last) for first, last in around if first <= last]


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def months_of(part: Slice) -> list[dt.date]:
    """The first day of every month the period touches."""
    months, month = [], part.start.replace(day=1)
    while month <= part.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _month(value: dt.date | dt.datetime) -> dt.date:
    """A TruncMonth value as a date (PostgreSQL gives an aware datetime)."""
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


def _grouped(tally: list[dict], key: Callable[[dict], object]) -> dict:
    """NPS summaries per value of `key(row)`, summed over the rows of a tally."""
    counts: dict = defaultdict(lambda: {c: 0 for c in Category.values})
    for row in tally:
        counts[key(row)][category_for(row["score"])] += row["n"]
    return {
        value: summarize_counts(c[Category.PROMOTER], c[Category.PASSIVE], c[Category.DETRACTOR])
        for value, c in counts.items()
    }


# --- NPS ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """The NPS of one group of the slice (a month, a segment, a persona...)."""

    key: object
    label: str
    nps: NpsSummary


def nps_of(part: Slice) -> NpsSummary:
    return _grouped(part.tally, lambda row: None).get(None, _NONE)


def nps_by_month(part: Slice) -> list[Group]:
    """Every month of the period, those without answers included (NPS None)."""
    by_month = _grouped(part.tally, lambda row: _month(row["month"]))
    return [
        Group(key=month, label=month.isoformat()[:7], nps=by_month.get(month) or _NONE)
        for month in months_of(part)
    ]


def nps_by(part: Slice, dimension: str) -> list[Group]:
    """NPS per segment, tier or persona, each pooled on its own answers; the groups
    with the most answers first. Answers without a value count under NO_VALUE."""
    key, labels = {
        "segment": ("account__segment", dict(Segment.choices)),
        "tier": ("account__tier", {}),
        "persona": ("contact__persona", dict(Persona.choices)),
    }[dimension]
    groups = [
        Group(key=value or NO_VALUE, label=str(labels.get(value, value or "")), nps=nps)
        for value, nps in _grouped(part.people_tally, lambda row: row[key]).items()
    ]
    return sorted(groups, key=lambda g: (-g.nps.responses, g.label))


def score_distribution(part: Slice) -> list[tuple[int, int]]:
    """How many answers gave each score 0–10."""
    counts: dict[int, int] = defaultdict(int)
    for row in part.tally:
        counts[row["score"]] += row["n"]
    return [(score, counts[score]) for score in range(11)]


# --- closing the loop -----------------------------------------------------------------------


@dataclass(frozen=True)
class LoopFigures:
    open_cases: int  # now
    overdue_cases: int  # now
    opened: int  # cases of the period's answers
    closed: int  # closed within the period
    detractor_cases_due: int  # detractor cases whose first contact was due, or done
    contacted_within_sla: int
    median_first_contact: dt.timedelta | None  # answer → first contact
    won_back: int  # within the period
    outcomes: dict[str, int]  # of the cases closed within the period

    @property
    def sla_share(self) -> float | None:
        if not self.detractor_cases_due:
            return None
        return 100 * self.contacted_within_sla / self.detractor_cases_due


def loop_figures(part: Slice, *, now: dt.datetime | None = None) -> LoopFigures:
    now = now or timezone.now()
    if not part.counted_by_day:
        return _loop_figures_of_cases(part, now=now)
    # Sums of the case counts, but for what depends on the moment of reading: the open
    # cases, and the detractors not contacted yet whose first contact is late.
    sums: dict[str, int] = defaultdict(int)
    outcomes: dict[str, int] = defaultdict(int)
    measures = ("cases", "contacted", "due_contacted", "within_sla")
    for row in part.counted(
        CaseDay,
        CaseMonth,
        ("event", "outcome"),
        counts={m: Sum(m) for m in measures},
        monthly=False,
    ):
        if row["event"] == CaseEventKind.CLOSED:
            outcomes[row["outcome"]] += row["cases"]
        for measure in measures:
            sums[f"{row['event']} {measure}"] += row[measure]
    # One narrow row per current case, with its answer's slice: no join to the answers.
    slices = CaseSlice.objects.filter(**part.narrowing)
    opened = slices.filter(part.within("answered_at"))
    late = _late_first_contacts(opened, now)
    # Whether an open case is overdue depends on the moment: each copy holds the moment
    # its case's work is first late, kept as its steps and action items change.
    open_now = slices.filter(status__in=OPEN_CASE_STATUSES).aggregate(
        open_cases=Count("pk"), overdue_cases=Count("pk", filter=Q(overdue_from__lt=now))
    )
    contacted = sums[f"{CaseEventKind.ANSWERED} contacted"]
    return LoopFigures(
        **open_now,
        opened=sums[f"{CaseEventKind.ANSWERED} cases"],
        closed=sum(outcomes.values()),
        detractor_cases_due=sums[f"{CaseEventKind.ANSWERED} due_contacted"] + late.count(),
        contacted_within_sla=sums[f"{CaseEventKind.ANSWERED} within_sla"],
        median_first_contact=_median(opened.filter(wait__isnull=False), contacted),
        won_back=sums[f"{CaseEventKind.WON_BACK} cases"],
        outcomes=_outcome_rows(outcomes),
    )


@dataclass(frozen=True)
class SlaFigure:
    """Of the period's detractor cases whose first contact was due (or done), how many
    were contacted within the SLA."""

    due: int
    within: int

    @property
    def share(self) -> float | None:
        return 100 * self.within / self.due if self.due else None


def sla_of(part: Slice, *, now: dt.datetime | None = None) -> SlaFigure:
    """The SLA share of `loop_figures` alone, for a period the page compares with: two
    queries where the daily counts can answer."""
    now = now or timezone.now()
    if not part.counted_by_day:
        figures = _loop_figures_of_cases(part, now=now)
        return SlaFigure(due=figures.detractor_cases_due, within=figures.contacted_within_sla)
    rows = part.counted(
        CaseDay,
        CaseMonth,
        ("event",),
        counts={"due": Sum("due_contacted"), "within": Sum("within_sla")},
        monthly=False,
        event=CaseEventKind.ANSWERED,
    )
    opened = CaseSlice.objects.filter(part.within("answered_at"), **part.narrowing)
    late = _late_first_contacts(opened, now).count()
    return SlaFigure(
        due=sum(row["due"] or 0 for row in rows) + late,
        within=sum(row["within"] or 0 for row in rows),
    )


def _late_first_contacts(opened: QuerySet, now: dt.datetime) -> QuerySet:
    """Of the period's `CaseSlice` rows, the detractors not contacted yet whose first
    contact is late: due already, though the daily counts do not hold them yet."""
    return opened.filter(
        first_contact_at__isnull=True, category=Category.DETRACTOR, sla_due_at__lt=now
    )


def _about_opened(now: dt.datetime) -> dict[str, Aggregate]:
    """Every count about the cases of the period's answers, for one pass over them."""
    contacted = Q(first_contact_at__isnull=False)
    due = Q(category=Category.DETRACTOR, sla_due_at__isnull=False) & (
        contacted | Q(sla_due_at__lt=now)
    )
    return {
        "opened": Count("pk"),
        "contacted": Count("pk", filter=contacted),
        "detractor_cases_due": Count("pk", filter=due),
        "contacted_within_sla": Count("pk", filter=due & Q(first_contact_at__lte=F("sla_due_at"))),
    }


def _median(waits: QuerySet, count: int) -> dt.timedelta | None:
    """The median of the `count` rows of `waits` (annotated `wait`): the one in the middle
    of their order, or the mean of the two there, to the microsecond. Only those one or
    two are read, from the index in the order of the waits where there is one."""
    if not count:
        return None
    middle = list(
        waits.order_by("wait").values_list("wait", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    return (middle[0] + middle[-1]) / 2


def _outcome_rows(outcomes: dict[str, int]) -> dict[str, int]:
    """A count for every outcome a current case can have: a superseded case is never
    current (its answer's current case counts instead)."""
    return {
        outcome: outcomes.get(outcome, 0)
        for outcome in CaseOutcome.values
        if outcome != CaseOutcome.SUPERSEDED
    }


def _loop_figures_of_cases(part: Slice, *, now: dt.datetime) -> LoopFigures:
    """The loop figures read from the cases, their answers, accounts and people."""
    # A case a corrected score superseded is not counted: its answer's current case is.
    of_people = part.people(Case.objects.current(), prefix="response__")
    open_now = of_people.filter(status__in=OPEN_CASE_STATUSES)
    closed = of_people.filter(part.within("closed_at"))
    opened = part.cases()
    of_opened = opened.aggregate(**_about_opened(now))
    waits = opened.filter(first_contact_at__isnull=False).annotate(
        wait=F("first_contact_at") - F("response__answered_at")
    )
    of_opened["median_first_contact"] = _median(waits, of_opened.pop("contacted"))
    outcomes = dict(closed.values_list("outcome").annotate(n=Count("pk")).order_by())
    return LoopFigures(
        **of_opened,
        open_cases=open_now.count(),
        overdue_cases=overdue_cases(open_now, now=now).count(),
        closed=sum(outcomes.values()),
        won_back=of_people.filter(part.within("won_back_at")).count(),
        outcomes=_outcome_rows(outcomes),
    )


# --- won back -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WonBack:
    """Of the cases whose follow-up answer was given in the period, how many were won back
    (the follow-up answer a passive or a promoter)."""

    label: str
    answered: int
    won_back: int

    @property
    def rate(self) -> float | None:
        return 100 * self.won_back / self.answered if self.answered else None


@dataclass(frozen=True)
class WonBackRates:
    period: WonBack
    by_playbook: list[WonBack]
    by_csm: list[WonBack]  # by the case's owner; "" for the manager group


def won_back_rates(part: Slice) -> WonBackRates:
    """Won-back rates of the period, per playbook and per CSM (the case's owner): the
    current cases of the slice whose follow-up answer was given in the period. Read from
    the monthly counts of the cases followed up and the case copies (or from the cases
    joined to their answers, see `_followed_up`), then the playbooks' and owners' names."""
    rows = _followed_up(part)
    playbook_names = dict(
        Playbook.objects.filter(pk__in={row["playbook_id"] for row in rows}).values_list(
            "pk", "name"
        )
    )
    owners = User.objects.in_bulk({row["owner_id"] for row in rows if row["owner_id"]})
    by_playbook: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_csm: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        owner = owners[row["owner_id"]].name if row["owner_id"] in owners else ""
        for totals in (by_playbook[playbook_names[row["playbook_id"]]], by_csm[owner]):
            totals[0] += row["answered"]
            totals[1] += row["won_back"]

    def listed(totals: dict[str, list[int]]) -> list[WonBack]:
        return sorted(
            (WonBack(label=key, answered=n, won_back=won) for key, (n, won) in totals.items()),
            key=lambda entry: (-entry.answered, entry.label),
        )

    playbooks = listed(by_playbook)
    return WonBackRates(
        period=WonBack(
            label="",
            answered=sum(entry.answered for entry in playbooks),
            won_back=sum(entry.won_back for entry in playbooks),
        ),
        by_playbook=playbooks,
        by_csm=listed(by_csm),
    )


def _followed_up(part: Slice) -> list[dict]:
    """The slice's current cases whose follow-up answer was given in the period, counted
    by playbook and owner (`answered`, `won_back`; a pair may come in several rows)."""
    by_playbook = ("playbook_id", "owner_id")
    counts = {
        "answered": Count("pk"),
        "won_back": Count("pk", filter=Q(won_back_at__isnull=False)),
    }
    if not part.reads_copies:
        followed_up = part.people(Case.objects.current(), prefix="response__").filter(
            part.within("follow_up_response__answered_at")
        )
        return list(followed_up.values(*by_playbook).annotate(**counts).order_by())
    copies = CaseSlice.objects.filter(**part.narrowing)
    months, around = whole_months_of(part) if part.counted_by_day else ([], [])
    if not months or part.persona or part.campaign is not None:
        followed_up = copies.filter(part.within("follow_up_answered_at"))
        return list(followed_up.values(*by_playbook).annotate(**counts).order_by())
    # The whole months from their counts; the days around them from the copies.
    rows = list(
        FollowUpMonth.objects.filter(month__gte=months[0], month__lte=months[-1], **part.narrowing)
        .values(*by_playbook)
        .annotate(answered=Sum("answered"), won_back=Sum("won_back"))
        .order_by()
    )
    if around:
        days = reduce(
            operator.or_,
            (period_filter("follow_up_answered_at", first, last) for first, last in around),
        )
        rows += copies.filter(days).values(*by_playbook).annotate(**counts).order_by()
    return rows


# --- ARR at risk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalAtRisk:
    account: Account
    detractors: int
    last_detractor_at: dt.datetime
    arr: Decimal | None  # the account's ARR in the reporting currency; None without a rate


@dataclass(frozen=True)
class ArrAtRisk:
    """Every amount in `currency`, the reporting currency; an account whose currency has no
    rate is counted among the accounts but its ARR is left out of the sums, and said."""

    currency: str
    open_detractor_accounts: int
    open_detractor_arr: Decimal
    open_detractor_unconverted: int  # accounts of the above whose ARR has no rate
    by_latest_category: dict[str, tuple[int, Decimal]]  # category or "" → (accounts, ARR)
    renewals: list[RenewalAtRisk]  # the first ones asked for, or all of them
    renewal_accounts: int  # all of them


def arr_at_risk(
    part: Slice, *, today: dt.date | None = None, renewals_listed: int | None = None
) -> ArrAtRisk:
    """ARR of the accounts with an open detractor case now; ARR by the category of each
    account's latest answer in the period; accounts renewing within 90 days of `today`
    that had a detractor in the period (the first `renewals_listed` of them, or all),
    soonest renewal first, then the largest ARR. Every sum is converted to the reporting
    currency in SQL (`core.conversion`), so the card and the table add the same amounts."""
    today = today or timezone.localdate()
    reporting = LoopSettings.current().reporting_currency
    converted = in_reporting_currency(reporting=reporting)
    accounts = _accounts_of(part)
    # Each account asked whether it has one (a semi-join on the open detractors' index),
    # not every case joined in and the accounts made distinct again: half the time.
    open_detractor = Case.objects.filter(
        account=OuterRef("pk"), status__in=OPEN_CASE_STATUSES, category=Category.DETRACTOR
    )
    at_risk = (
        accounts.filter(Exists(open_detractor))
        .annotate(converted=converted)
        .aggregate(
            n=Count("pk"),
            arr=Sum("converted"),
            unconverted=Count("pk", filter=Q(converted__isnull=True)),
        )
    )
    by_latest: dict[str, tuple[int, Decimal]] = {}
    for row in (
        accounts.annotate(**_latest_category(part), converted=converted)
        .values("latest", "in_period")
        .annotate(n=Count("pk"), arr=Sum("converted"))
        .order_by()
    ):
        category = (row["latest"] if row["in_period"] else None) or NO_VALUE
        n, arr = by_latest.get(category, (0, Decimal(0)))
        by_latest[category] = (n + row["n"], arr + (row["arr"] or Decimal(0)))
    renewals, renewal_accounts = _renewals_at_risk(
        part, today=today, reporting=reporting, listed=renewals_listed
    )
    return ArrAtRisk(
        currency=reporting,
        open_detractor_accounts=at_risk["n"],
        open_detractor_arr=at_risk["arr"] or Decimal(0),
        open_detractor_unconverted=at_risk["unconverted"],
        by_latest_category=by_latest,
        renewals=renewals,
        renewal_accounts=renewal_accounts,
    )


def _renewals_at_risk(
    part: Slice, *, today: dt.date, reporting: str, listed: int | None
) -> tuple[list[RenewalAtRisk], int]:
    """The slice's accounts renewing within 90 days of `today` that had a detractor in the
    period (the first `listed` of them, or all), soonest renewal first, then the largest
    ARR; and how many there are.

    The renewing accounts are walked in that order, each asked for its detractors of the
    period through their index (account, moment), until enough are found; the count asks
    each renewing account only whether it has one. Grouping every detractor of the period
    by account, to list 25, read them all: a fifth of the accounts renew within 90 days."""
    renewing = _accounts_of(part).filter(
        renewal_date__gte=today,
        renewal_date__lte=today + dt.timedelta(days=RENEWAL_WINDOW_DAYS),
    )
    detractors = Response.objects.filter(
        part.within("answered_at"), account=OuterRef("pk"), category=Category.DETRACTOR
    )
    if part.persona:  # the persona's people as a set, hashed once, not a join per account
        people = Contact.objects.filter(persona=part.persona).values("pk")
        detractors = detractors.filter(contact_id__in=people)
    if part.campaign is not None:
        detractors = detractors.filter(campaign_id=part.campaign)
    rows = (
        renewing.annotate(
            detractors=Subquery(
                detractors.order_by().values("account").annotate(n=Count("pk")).values("n")
            ),
            last_detractor_at=Subquery(
                detractors.order_by("-answered_at").values("answered_at")[:1]
            ),
            converted=in_reporting_currency(reporting=reporting),
        )
        .filter(detractors__gt=0)
        .select_related("csm")
        .order_by("renewal_date", F("converted").desc(nulls_last=True), "pk")
    )
    accounts = list(rows if listed is None else rows[:listed])
    renewals = [
        RenewalAtRisk(
            account,
            detractors=account.detractors,
            last_detractor_at=account.last_detractor_at,
            arr=account.converted,
        )
        for account in accounts
    ]
    if listed is None or len(accounts) < listed:
        return renewals, len(accounts)
    return renewals, renewing.filter(Exists(detractors)).count()


def _latest_category(part: Slice) -> dict[str, Expression]:
    """The category of an account's latest answer in the slice (`latest`, None without
    one), to be read only where `in_period` is true."""
    start, after = day_bounds(part.start, part.end)
    # No answer after the period, and every answer of the account counts (no persona or
    # campaign picked): the account's latest answer, if in the period, is the period's.
    if (
        part.reads_copies
        and not part.persona
        and part.campaign is None
        and not Response.objects.filter(answered_at__gte=after).exists()
    ):
        # Two columns to group on, not one CASE of them: PostgreSQL expected as many
        # groups as accounts from a CASE, and sorted 50 000 rows on disk to count four.
        return {
            "latest": F("latest_answer__category"),
            "in_period": ExpressionWrapper(
                Q(latest_answer__answered_at__gte=start), output_field=BooleanField()
            ),
        }
    # Else each account's own, read from the index on (account, answered_at, id).
    latest = (
        part.answers()
        .filter(account=OuterRef("pk"))
        .order_by("-answered_at", "-pk")
        .values("category")[:1]
    )
    return {"latest": Subquery(latest), "in_period": Value(True)}


def _accounts_of(part: Slice) -> QuerySet[Account]:
    """The slice's accounts: its segment, tier and CSM (persona and campaign are about
    answers, not accounts)."""
    accounts = Account.objects.all()
    if part.segment:
        accounts = accounts.filter(segment=part.segment)
    if part.tier:
        accounts = accounts.filter(tier=part.tier)
    if part.csm is not None:
        accounts = accounts.filter(csm_id=part.csm)
    return accounts


# --- campaigns and comments -----------------------------------------------------------------


@dataclass(frozen=True)
class CampaignRates:
    campaign: Campaign
    answers: int
    with_comment: int

    @property
    def response_rate(self) -> float | None:
        sent = self.campaign.invitations_sent
        return 100 * self.answers / sent if sent else None

    @property
    def comment_rate(self) -> float | None:
        return 100 * self.with_comment / self.answers if self.answers else None


def campaign_rates(part: Slice) -> list[CampaignRates]:
    """Answers, response rate (where the campaign knows its invitations) and comment rate
    of each campaign with answers in the slice, oldest campaign first."""
    figures: dict = defaultdict(lambda: {"n": 0, "commented": 0})
    for row in part.tally:
        if row["campaign"] is not None:
            figures[row["campaign"]]["n"] += row["n"]
            figures[row["campaign"]]["commented"] += row["commented"]
    campaigns = Campaign.objects.filter(pk__in=list(figures)).order_by("started_at", "name")
    return [
        CampaignRates(c, answers=figures[c.pk]["n"], with_comment=figures[c.pk]["commented"])
        for c in campaigns
    ]


def comment_rate_by_month(part: Slice) -> list[tuple[dt.date, int, int]]:
    """(month, answers, answers with a comment) for every month of the period."""
    rows: dict = defaultdict(lambda: {"n": 0, "commented": 0})
    for row in part.tally:
        month = rows[_month(row["month"])]
        month["n"] += row["n"]
        month["commented"] += row["commented"]
    return [(month, rows[month]["n"], rows[month]["commented"]) for month in months_of(part)]


# --- themes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeTrend:
    theme: Theme
    detractors: int
    passives: int
    by_month: list[int]  # detractors and passives together, per month of the period

    @property
    def total(self) -> int:
        return self.detractors + self.passives

    @property
    def peak(self) -> int:
        return max(self.by_month, default=0)


def recurring_themes(part: Slice) -> list[ThemeTrend]:
    """The themes detractors and passives raised in the period, the most frequent first
    (at most TOP_THEMES), with their count per month."""
    if part.counted_by_day:
        rows = [
            {**row, "themes": row["theme"], "category": category_for(row["score"])}
            for row in part.counted(
                ThemeDay, ThemeMonth, ("theme", "score"), counts={"n": Sum("answers")}, score__lte=8
            )
        ]
    else:
        rows = (
            part.answers()
            .filter(category__in=(Category.DETRACTOR, Category.PASSIVE), themes__isnull=False)
            .annotate(month=TruncMonth("answered_at"))
            .values("themes", "category", "month")
            .annotate(n=Count("pk"))
            .order_by()
        )
    months = months_of(part)
    counts: dict[int, dict] = defaultdict(
        lambda: {"detractor": 0, "passive": 0, "months": dict.fromkeys(months, 0)}
    )
    for row in rows:
        entry = counts[row["themes"]]
        entry[row["category"]] += row["n"]
        month = _month(row["month"])
        entry["months"][month] = entry["months"].get(month, 0) + row["n"]
    themes = Theme.objects.in_bulk(list(counts))
    trends = [
        ThemeTrend(
            theme=themes[pk],
            detractors=c["detractor"],
            passives=c["passive"],
            by_month=[c["months"].get(month, 0) for month in months],
        )
        for pk, c in counts.items()
    ]
    trends.sort(key=lambda t: (-t.total, t.theme.name))
    return trends[:TOP_THEMES]


@dataclass(frozen=True)
class OverdueActions:
    """Open action items past their due date now, of the slice's open cases: how many, whose
    (the item's owner, else its case's) and of which playbook, the most first."""

    total: int
    by_owner: list[tuple[str, int]]
    by_playbook: list[tuple[str, int]]


def overdue_actions(part: Slice, *, today: dt.date) -> OverdueActions:
    items = part.people(
        ActionItem.objects.filter(
            status__in=OPEN_ACTION_STATUSES,
            due_date__lt=today,
            case__status__in=OPEN_CASE_STATUSES,
        ),
        prefix="case__response__",
    )
    # One pass over the items, by person and playbook; summed here both ways.
    by_owner: dict[int | None, int] = defaultdict(int)
    by_playbook: dict[str, int] = defaultdict(int)
    for row in (
        items.values(
            person=Coalesce("owner_id", "case__owner_id"), playbook=F("case__playbook__name")
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_owner[row["person"]] += row["n"]
        by_playbook[row["playbook"]] += row["n"]
    names = {
        user.pk: user.name for user in User.objects.filter(pk__in=[pk for pk in by_owner if pk])
    }
    return OverdueActions(
        total=sum(by_owner.values()),
        by_owner=[
            (names.get(person) or gettext("the managers"), n)
            for person, n in sorted(
                by_owner.items(), key=lambda item: (-item[1], item[0] is None, item[0] or 0)
            )
        ],
        by_playbook=sorted(by_playbook.items(), key=lambda item: (-item[1], item[0])),
    )
