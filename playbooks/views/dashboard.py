"""The managers' dashboard: where the company's attention goes, for a period and a slice."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.selectors import currencies_without_rate
from core.models import LoopSettings
from core.roles import Role, role_required
from playbooks.forms import DashboardFilterForm
from playbooks.models import CaseOutcome
from playbooks.selectors import dashboard as figures
from playbooks.selectors.dashboard import Slice
from playbooks.selectors.issue_fixes import fix_results, recent_fixes
from playbooks.views.workspace import chart_point
from surveys.models import Category

# The renewals the page lists; the CSV has them all.
RENEWALS_LISTED = 25
# The fixed issues it shows; the Recurring issues page lists more.
FIXES_LISTED = 5


def _slice(request: HttpRequest) -> tuple[DashboardFilterForm, Slice]:
    form = DashboardFilterForm(request.GET or None)
    return form, form.slice(today=timezone.localdate())


@role_required(Role.MANAGER, Role.ADMIN)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every figure of the period and slice chosen, with a chart or a table for each."""
    form, part = _slice(request)
    now = timezone.now()
    by_month = figures.nps_by_month(part)
    before = part.previous()
    context = {
        "form": form,
        "part": part,
        "before": before,
        "nps": figures.nps_of(part),
        "nps_before": figures.nps_of(before),
        "sla_before": figures.sla_of(before, now=now),
        "loop": figures.loop_figures(part, now=now),
        "by_month": by_month,
        "month_series": [
            chart_point(date_format(group.key, "M Y"), group.nps) for group in by_month
        ],
        "by_segment": figures.nps_by(part, "segment"),
        "by_tier": figures.nps_by(part, "tier"),
        "by_persona": figures.nps_by(part, "persona"),
        "distribution": figures.score_distribution(part),
        "won_back": figures.won_back_rates(part),
        "outcome_labels": dict(CaseOutcome.choices),
        "arr": figures.arr_at_risk(
            part, today=timezone.localdate(now), renewals_listed=RENEWALS_LISTED
        ),
        "category_labels": dict(Category.choices),
        "missing": currencies_without_rate(reporting=LoopSettings.current().reporting_currency),
        "reporting_currency": LoopSettings.current().reporting_currency,
        "campaigns": figures.campaign_rates(part),
        "comments_by_month": figures.comment_rate_by_month(part),
        "themes": figures.recurring_themes(part),
        "overdue_actions": figures.overdue_actions(part, today=timezone.localdate(now)),
        # The latest fixes of recurring issues, whatever the period: did fixing them help?
        "fixes": fix_results(recent_fixes(limit=FIXES_LISTED)),
        "query": request.GET.urlencode(),
    }
    context["nps_change"] = _change(context["nps"].nps, context["nps_before"].nps)
    context["sla_change"] = _change(context["loop"].sla_share, context["sla_before"].share)
    template = "playbooks/dashboard.html#body" if request.htmx else "playbooks/dashboard.html"
    return render(request, template, context)


def _change(now: float | None, before: float | None) -> float | None:
    """How much a figure moved since the previous period; None when either is unknown."""
    if now is None or before is None:
        return None
    return round(now) - round(before)


# --- CSV exports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """One dashboard table as CSV: its header and its rows for a slice."""

    header: Callable[[], list[str]]
    rows: Callable[[Slice], Iterable[list]]


def _nps_rows(groups) -> Iterable[list]:
    for group in groups:
        nps = group.nps
        yield [
            group.label,
            nps.responses,
            nps.promoters,
            nps.passives,
            nps.detractors,
            _number(nps.nps),
            _number(nps.margin_of_error),
        ]


def _nps_header(first: str) -> Callable[[], list[str]]:
    return lambda: [
        first,
        _("Answers"),
        _("Promoters"),
        _("Passives"),
        _("Detractors"),
        _("NPS"),
        _("Margin of error"),
    ]


def _reporting_arr() -> str:
    """The header of ARR converted to the reporting currency: "ARR (EUR)"."""
    return _("ARR (%(currency)s)") % {"currency": LoopSettings.current().reporting_currency}


def _number(value: float | None) -> Decimal | str:
    """A figure rounded to one decimal, written as a number ("-5.3") a spreadsheet sums."""
    if value is None:
        return ""
    return Decimal(f"{value:.1f}") + 0  # + 0: no "-0.0"


TABLES: dict[str, _Table] = {
    "nps-by-month": _Table(_nps_header(_("Month")), lambda p: _nps_rows(figures.nps_by_month(p))),
    "nps-by-segment": _Table(
        _nps_header(_("Segment")), lambda p: _nps_rows(figures.nps_by(p, "segment"))
    ),
    "nps-by-tier": _Table(_nps_header(_("Tier")), lambda p: _nps_rows(figures.nps_by(p, "tier"))),
    "nps-by-persona": _Table(
        _nps_header(_("Persona")), lambda p: _nps_rows(figures.nps_by(p, "persona"))
    ),
    "scores": _Table(
        lambda: [_("Score"), _("Answers")], lambda p: map(list, figures.score_distribution(p))
    ),
    "outcomes": _Table(
        lambda: [_("Outcome"), _("Cases closed")],
        lambda p: (
            [str(dict(CaseOutcome.choices)[o]), n]
            for o, n in figures.loop_figures(p).outcomes.items()
        ),
    ),
    "arr-by-category": _Table(
        lambda: [_("Latest answer"), _("Accounts"), _reporting_arr()],
        lambda p: (
            [str(dict(Category.choices).get(c, _("No answer"))), n, arr]
            for c, (n, arr) in figures.arr_at_risk(p).by_latest_category.items()
        ),
    ),
    "renewals": _Table(
        lambda: [
            _("Account"),
            _("CRM id"),
            _("ARR"),
            _("Currency"),
            _reporting_arr(),
            _("Renewal"),
            _("CSM"),
            _("Detractors"),
            _("Last detractor"),
        ],
        lambda p: (
            [
                r.account.name,
                r.account.external_id,
                r.account.arr,
                r.account.currency,
                "" if r.arr is None else r.arr,
                r.account.renewal_date.isoformat(),
                r.account.csm.name if r.account.csm else "",
                r.detractors,
                timezone.localtime(r.last_detractor_at).date().isoformat(),
            ]
            for r in figures.arr_at_risk(p).renewals
        ),
    ),
    "campaigns": _Table(
        lambda: [
            _("Campaign"),
            _("Invitations"),
            _("Answers"),
            _("Response rate %"),
            _("Comment rate %"),
        ],
        lambda p: (
            [
                c.campaign.name,
                c.campaign.invitations_sent or "",
                c.answers,
                _number(c.response_rate),
                _number(c.comment_rate),
            ]
            for c in figures.campaign_rates(p)
        ),
    ),
    "comments-by-month": _Table(
        lambda: [_("Month"), _("Answers"), _("With a comment")],
        lambda p: ([m.isoformat()[:7], n, c] for m, n, c in figures.comment_rate_by_month(p)),
    ),
    "won-back": _Table(
        lambda: [_("By"), _("Name"), _("Follow-up answers"), _("Won back"), _("Rate %")],
        lambda p: _won_back_rows(figures.won_back_rates(p)),
    ),
    "themes": _Table(
        lambda: [_("Theme"), _("Detractors"), _("Passives"), _("Total")],
        lambda p: (
            [t.theme.name, t.detractors, t.passives, t.total] for t in figures.recurring_themes(p)
        ),
    ),
}


def _won_back_rows(rates: figures.WonBackRates) -> Iterable[list]:
    """The period's total first, then each playbook, then each CSM."""
    rows = [(_("Total"), "", rates.period)]
    rows += [(_("Playbook"), entry.label, entry) for entry in rates.by_playbook]
    rows += [(_("CSM"), entry.label or _("the managers"), entry) for entry in rates.by_csm]
    for by, name, entry in rows:
        yield [by, name, entry.answered, entry.won_back, _number(entry.rate)]


@role_required(Role.MANAGER, Role.ADMIN)
def dashboard_export(request: HttpRequest, table: str) -> HttpResponse:
    """One of the dashboard's tables as a CSV file, for the same period and slice."""
    spec = TABLES.get(table)
    if spec is None:
        raise Http404("No such table.")
    _, part = _slice(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{table}-{part.start.isoformat()}-{part.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheet programs read the accents right
    writer = csv.writer(response)
    writer.writerow(spec.header())
    writer.writerows([csv_cell(value) for value in row] for row in spec.rows(part))
    return response


def csv_cell(value: object) -> object:
    """A text a spreadsheet would run as a formula (=, +, -, @, tab, carriage return) is
    written as text, behind a quote (OWASP's advice on CSV injection). Numbers are cells of
    the figures, never text: they are written as they are, a negative NPS too."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
