"""Recurring issues that escalate: a root cause or a theme that reaches the alert threshold
of the settings (`playbooks.issue_thresholds`) is told to the managers once per window.

The figures are those of the Recurring issues page (`recurring_issues` over the last days).
Each alert is a row; the database keeps one current alert per cause and per theme, so a
check run twice, or two at once, tells nothing new. The managers read it under the bell and
by email (`notifications`, in their language), receivers subscribed to
`issue.threshold_reached` get a webhook, and Slack a post, from a task of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_noop

from core.background import enqueue_on_commit
from core.models import LoopSettings
from core.said import named, say
from notifications.models import NotificationKind
from notifications.services import Notice, notify_many
from playbooks.issue_thresholds import AlertThreshold
from playbooks.models import IssueAlert, IssueKind
from playbooks.selectors.recurring import (
    ROOT_CAUSE,
    IssueRow,
    affected_accounts,
    recurring_issues,
)
from playbooks.services.notices import managers
from playbooks.services.notifications import DeliveryFailed, post_to_slack
from webhooks.services.outbox import Announcement, emit_many

logger = logging.getLogger(__name__)

THRESHOLD_EVENT = "issue.threshold_reached"
# Accounts named in a notification or a Slack post; the webhook and the page have them all.
ACCOUNTS_NAMED = 10


def raise_issue_alerts(*, today: dt.date | None = None) -> list[int]:
    """Raise an alert for each root cause, sub-cause and theme that reached the threshold
    over the last days and has no current alert, and tell the managers. A second run raises
    nothing. Returns the new alerts' ids."""
    threshold = AlertThreshold.of(LoopSettings.current())
    if not threshold.is_on:
        return []
    start, end = threshold.window(today or timezone.localdate())
    issues = recurring_issues(start=start, end=end)
    names = _names(issues.root_causes)
    reached = [
        row
        for row in issues.every_row()
        if threshold.reached(detractor_answers=row.now.detractor_answers, arr=row.now.arr)
    ]
    raised: list[IssueAlert] = []
    with transaction.atomic():
        retire_issue_alerts(before=start)
        for row in reached:
            alert = _record(row, start=start, end=end)
            if alert is not None:
                raised.append(alert)
        if raised:
            _tell(raised, names=names, threshold=threshold)
    return [alert.pk for alert in raised]


def retire_issue_alerts(*, before: dt.date) -> int:
    """Alerts whose window ended before `before` are no longer current: their issue may be
    told again. Returns how many were retired."""
    return IssueAlert.objects.filter(current=True, window_end__lt=before).update(current=False)


def _record(row: IssueRow, *, start: dt.date, end: dt.date) -> IssueAlert | None:
    """The new alert of `row`, or None when a current one names its issue already."""
    issue = {"root_cause_id" if row.kind == ROOT_CAUSE else "theme_id": row.id}
    if IssueAlert.objects.filter(current=True, **issue).exists():
        return None
    accounts = affected_accounts(kind=row.kind, issue_id=row.id, start=start, end=end)
    alert = IssueAlert(
        kind=IssueKind.ROOT_CAUSE if row.kind == ROOT_CAUSE else IssueKind.THEME,
        window_start=start,
        window_end=end,
        cases=row.now.cases,
        answers=row.now.answers,
        detractor_answers=row.now.detractor_answers,
        arr=row.now.arr,
        accounts=[
            {
                "id": account.id,
                "name": account.name,
                "arr": str(account.arr),
                "currency": account.currency,
            }
            for account in accounts
        ],
        **issue,
    )
    try:
        with transaction.atomic():  # another check told it a moment ago: the constraint says
            alert.save()
    except IntegrityError:
        return None
    return alert


def _names(causes: list[IssueRow]) -> dict[tuple[str, int], dict[str, str]]:
    """Each row's name in English and French; a sub-cause's behind its cause's."""
    names: dict[tuple[str, int], dict[str, str]] = {}
    for cause in causes:
        mine = {"en": cause.name, "fr": cause.name_fr or cause.name}
        names[(ROOT_CAUSE, cause.id)] = mine
        for sub in cause.sub_rows:
            names[(ROOT_CAUSE, sub.id)] = {
                language: f"{mine[language]} › {name}"
                for language, name in (("en", sub.name), ("fr", sub.name_fr or sub.name))
            }
    return names


def _issue_names(alert: IssueAlert, names: dict[tuple[str, int], dict[str, str]]):
    if alert.kind == IssueKind.ROOT_CAUSE:
        return names[(ROOT_CAUSE, alert.root_cause_id)]
    return {"en": alert.theme.name, "fr": alert.theme.name_fr or alert.theme.name}


def page_path(alert: IssueAlert) -> str:
    """The Recurring issues page over the alert's window."""
    query = urlencode(
        {"start": alert.window_start.isoformat(), "end": alert.window_end.isoformat()}
    )
    return f"{reverse('recurring-issues')}?{query}"


def accounts_text(alert: IssueAlert) -> str:
    """ "Acme (100000 EUR), Globex (50000 EUR)", the first few, with how many more."""
    shown = [
        f"{account['name']} ({_whole(account['arr'])} {account['currency']})"
        for account in alert.accounts[:ACCOUNTS_NAMED]
    ]
    more = len(alert.accounts) - ACCOUNTS_NAMED
    return ", ".join(shown) + (f", +{more}" if more > 0 else "") if shown else "—"


def _whole(amount: Any) -> str:
    return f"{float(amount):.0f}"


def _reporting(amount: Any) -> str:
    """An ARR of the recurring issues, converted: "270000 EUR"."""
    return f"{_whole(amount)} {LoopSettings.current().reporting_currency}"


def _tell(
    alerts: list[IssueAlert],
    *,
    names: dict[tuple[str, int], dict[str, str]],
    threshold: AlertThreshold,
) -> None:
    people = managers()
    notify_many(
        Notice(
            recipients=people,
            kind=NotificationKind.ISSUE_THRESHOLD,
            message=say(
                gettext_noop(
                    "Recurring issue “%(issue)s” reached the alert threshold: %(answers)s "
                    "detractor answers and %(arr)s of ARR affected from %(start)s to %(end)s. "
                    "Accounts: %(accounts)s."
                ),
                issue=named(_issue_names(alert, names)),
                answers=alert.detractor_answers,
                arr=_reporting(alert.arr),
                start=alert.window_start.isoformat(),
                end=alert.window_end.isoformat(),
                accounts=accounts_text(alert),
            ),
            target_url=page_path(alert),
            dedupe_key=f"issue_alert:{alert.pk}",
        )
        for alert in alerts
    )
    emit_many(
        [
            Announcement(
                THRESHOLD_EVENT,
                object_key=f"{alert.kind}:{alert.issue_id}",
                data=webhook_data(alert, names=_issue_names(alert, names), threshold=threshold),
            )
            for alert in alerts
        ]
    )
    for alert in alerts:
        enqueue_on_commit("playbooks.post_issue_alert", alert_id=alert.pk)


def webhook_data(
    alert: IssueAlert, *, names: dict[str, str], threshold: AlertThreshold
) -> dict[str, Any]:
    """The `data` of an `issue.threshold_reached` event (see docs/outbound-webhooks.md)."""
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "issue": {
            "id": alert.issue_id,
            "name": names["en"],
            "name_fr": names["fr"],
        },
        "url": f"{settings.NPS_BASE_URL.rstrip('/')}{page_path(alert)}",
        "window": {
            "start": alert.window_start.isoformat(),
            "end": alert.window_end.isoformat(),
            "days": threshold.days,
        },
        "threshold": {"detractor_answers": threshold.detractor_answers, "arr": threshold.arr},
        "figures": {
            "cases": alert.cases,
            "answers": alert.answers,
            "accounts": len(alert.accounts),
            "detractor_answers": alert.detractor_answers,
            "arr": str(alert.arr),
        },
        "accounts": list(alert.accounts),
        "raised_at": alert.raised_at.isoformat(),
    }


def post_issue_alert(*, alert_id: int) -> bool:
    """Post an alert to Slack, once (a second run finds it posted); False when there was
    nothing to post. Slack down gives the alert back for the retry."""
    claimed = IssueAlert.objects.filter(pk=alert_id, slack_posted_at__isnull=True).update(
        slack_posted_at=timezone.now()
    )
    if not claimed or not LoopSettings.current().slack_webhook_url:
        return False
    alert = IssueAlert.objects.select_related("root_cause__parent", "theme").get(pk=alert_id)
    try:
        post_to_slack(slack_text(alert))
    except DeliveryFailed:
        IssueAlert.objects.filter(pk=alert_id).update(slack_posted_at=None)
        raise
    return True


def slack_text(alert: IssueAlert) -> str:
    """The Slack post, in English as the other posts."""
    if alert.kind == IssueKind.ROOT_CAUSE:
        cause = alert.root_cause
        name = f"{cause.parent.name} › {cause.name}" if cause.parent else cause.name
    else:
        name = alert.theme.name
    link = f"{settings.NPS_BASE_URL.rstrip('/')}{page_path(alert)}"
    return (
        f":chart_with_upwards_trend: Recurring issue “{name}” reached the alert threshold: "
        f"{alert.detractor_answers} detractor answers and {_reporting(alert.arr)} of ARR affected "
        f"from {alert.window_start} to {alert.window_end}. Accounts: {accounts_text(alert)}. "
        f"{link}"
    )
