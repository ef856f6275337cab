"""Action items as tracked promises: their owners are reminded, and late ones escalate.

An item's owner (or, when it has none, its case's owner) is reminded the day before its due
date and on it; an item still open `LoopSettings.action_overdue_escalation_days` after its
due date is escalated to the managers once, as an overdue step is. The sweeps return ids;
each write acts only if the row still needs it (a conditional update), so a sweep that runs
twice, or a task delivered twice, does everything once.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.models import LoopSettings
from core.said import ngettext_noop, say_count
from playbooks.models import (
    OPEN_ACTION_STATUSES,
    OPEN_CASE_STATUSES,
    ActionItem,
    Escalation,
    EscalationRule,
)
from playbooks.services import notices
from playbooks.services.announcements import announce_escalated
from playbooks.services.cases import record_event
from playbooks.services.notifications import queue_escalation_emails
from playbooks.timeline import say, someone

logger = logging.getLogger(__name__)

SWEEP_BATCH = 5000
# Reminders wait for the working day: none goes out before this hour (site time zone).
REMINDERS_FROM_HOUR = 8


class Reminder(enum.StrEnum):
    DAY_BEFORE = "day_before"
    DUE_TODAY = "due_today"


_STAMP = {
    Reminder.DAY_BEFORE: "reminded_before_at",
    Reminder.DUE_TODAY: "reminded_due_at",
}


def _open_items():
    return ActionItem.objects.filter(
        status__in=OPEN_ACTION_STATUSES,
        due_date__isnull=False,
        case__status__in=OPEN_CASE_STATUSES,
    )


def items_to_remind(*, now: dt.datetime | None = None) -> list[tuple[int, Reminder]]:
    """Open items due tomorrow or today whose reminder has not gone yet, from the morning."""
    local = timezone.localtime(now or timezone.now())
    if local.hour < REMINDERS_FROM_HOUR:
        return []
    today = local.date()
    tomorrow = today + dt.timedelta(days=1)
    due_tomorrow = _open_items().filter(due_date=tomorrow, reminded_before_at__isnull=True)
    due_today = _open_items().filter(due_date=today, reminded_due_at__isnull=True)
    return [
        *((pk, Reminder.DAY_BEFORE) for pk in due_tomorrow.values_list("pk", flat=True)),
        *((pk, Reminder.DUE_TODAY) for pk in due_today.values_list("pk", flat=True)),
    ][:SWEEP_BATCH]


def remind(*, item_id: int, reminder: Reminder) -> ActionItem | None:
    """Stamp the item as reminded and tell its owner; None when it was already done (or the
    item is no longer open, or no longer due then)."""
    reminder = Reminder(reminder)
    today = timezone.localdate()
    due = today + dt.timedelta(days=1) if reminder is Reminder.DAY_BEFORE else today
    with transaction.atomic():
        stamped = (
            _open_items()
            .filter(pk=item_id, due_date=due, **{f"{_STAMP[reminder]}__isnull": True})
            .update(**{_STAMP[reminder]: timezone.now()})
        )
        if not stamped:
            return None
        item = ActionItem.objects.select_related("case__owner", "owner").get(pk=item_id)
        who = item.owner or item.case.owner
        record_event(
            case=item.case,
            kind="action_reminder",
            message=say(
                gettext_noop("Reminder sent to %(who)s: '%(text)s' is due tomorrow.")
                if reminder is Reminder.DAY_BEFORE
                else gettext_noop("Reminder sent to %(who)s: '%(text)s' is due today."),
                who=someone(who),
                text=item.text,
            ),
            details={"action_item": item.pk, "reminder": str(reminder)},
        )
        notices.tell_item_due(
            item=item, who=who, due_tomorrow=reminder is Reminder.DAY_BEFORE, day=today
        )
    return item


def items_overdue(*, now: dt.datetime | None = None) -> list[int]:
    """Open items past their due date by the configured days, not escalated yet."""
    today = timezone.localdate(now or timezone.now())
    days = LoopSettings.current().action_overdue_escalation_days
    return list(
        _open_items()
        .filter(overdue_escalated_at__isnull=True, due_date__lte=today - dt.timedelta(days=days))
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def escalate_overdue(*, item_id: int) -> Escalation | None:
    """Raise the 'action overdue' escalation of an item, once."""
    with transaction.atomic():
        now = timezone.now()
        stamped = (
            _open_items()
            .filter(pk=item_id, overdue_escalated_at__isnull=True)
            .update(overdue_escalated_at=now)
        )
        if not stamped:
            return None
        item = ActionItem.objects.select_related("case", "owner").get(pk=item_id)
        late = (timezone.localdate(now) - item.due_date).days
        reason = say_count(
            ngettext_noop(
                "Action '%(action)s' (%(who)s) is %(days)d day overdue (was due %(due)s).",
                "Action '%(action)s' (%(who)s) is %(days)d days overdue (was due %(due)s).",
            ),
            "days",
            action=item.text,
            who=someone(item.owner or item.case.owner),
            days=late,
            due=f"{item.due_date:%Y-%m-%d}",
        )
        escalation, created = Escalation.objects.get_or_create(
            case=item.case,
            rule=EscalationRule.ACTION_OVERDUE,
            action_item=item,
            defaults={
                "level": 1,
                "reason": reason.english(),
                "said": reason.as_json(),
                "raised_at": now,
            },
        )
        if not created:
            return None
        record_event(
            case=item.case,
            kind="escalation_raised",
            message=say(
                gettext_noop("Escalated (level %(level)s): %(reason)s"),
                level=1,
                reason=escalation.reason_param,
            ),
            details={
                "escalation": escalation.pk,
                "rule": EscalationRule.ACTION_OVERDUE,
                "action_item": item.pk,
            },
        )
        queue_escalation_emails(escalation_ids=[escalation.pk])
        announce_escalated(case=item.case, escalation=escalation)
    return escalation
