"""Recurring issues, for managers: the root causes and themes that keep coming back in a
period, with the cases, accounts, detractors and ARR behind them; and their CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import Role, role_required
from playbooks.forms import RecurringIssuesForm
from playbooks.selectors.issue_fixes import fix_results, fixed_on_by_issue, recent_fixes
from playbooks.selectors.recurring import (
    ROOT_CAUSE,
    IssueRow,
    RecurringIssues,
    mark_alerts,
    recurring_issues,
)
from playbooks.views.dashboard import csv_cell


def _issues(request: HttpRequest) -> tuple[RecurringIssuesForm, RecurringIssues]:
    form = RecurringIssuesForm(request.GET or None)
    start, end = form.period(today=timezone.localdate())
    return form, recurring_issues(start=start, end=end, sort=form.sort_order())


@role_required(Role.MANAGER, Role.ADMIN)
def recurring_issues_page(request: HttpRequest) -> HttpResponse:
    """The root causes of the period's closed cases, grouped cause > sub-cause, and the
    themes of its answers, each against the period before and leading to its cases or
    answers."""
    form, issues = _issues(request)
    fixed = fixed_on_by_issue()
    for row in issues.every_row():
        row.fixed_on = fixed.get((row.kind, row.id))
    context = {
        "form": form,
        "issues": mark_alerts(issues),
        "query": request.GET.urlencode(),
        "fixes": fix_results(recent_fixes()),
    }
    if request.htmx:
        return render(request, "playbooks/recurring_issues.html#body", context)
    return render(request, "playbooks/recurring_issues.html", context)


@role_required(Role.MANAGER, Role.ADMIN)
def recurring_issues_export(request: HttpRequest) -> HttpResponse:
    """The page's figures as one CSV file: a line per cause, sub-cause and theme."""
    _form, issues = _issues(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"recurring-issues-{issues.start.isoformat()}-{issues.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheet programs read the accents right
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Kind"),
            _("Cause"),
            _("Name"),
            _("Answers"),
            _("Cases"),
            _("Accounts"),
            _("Detractor answers"),
            _("ARR affected (%(currency)s)") % {"currency": issues.currency},
            _("Previous period"),
            _("Change"),
        ]
    )
    writer.writerows([csv_cell(value) for value in row] for row in _csv_rows(issues))
    return response


def _csv_rows(issues: RecurringIssues) -> Iterable[list]:
    for group in issues.root_causes:
        yield _csv_row(group, cause="")
        for sub in group.sub_rows:
            yield _csv_row(sub, cause=group.display_name)
    for theme in issues.themes:
        yield _csv_row(theme, cause="")


def _csv_row(row: IssueRow, *, cause: str) -> list:
    if row.kind == ROOT_CAUSE:
        kind = _("Sub-cause") if cause else _("Root cause")
        answers: int | str = ""
    else:
        kind, answers = _("Theme"), row.now.answers
    return [
        kind,
        cause,
        row.display_name,
        answers,
        row.now.cases,
        row.now.accounts,
        row.now.detractor_answers,
        row.now.arr,
        row.previous_count,
        row.change,
    ]
