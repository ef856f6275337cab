"""What the periodic sweeps look for, and the one-case writes they fan out to.

Selecting functions return ids; the tasks enqueue one small task per id, and
each of those acts only if the row still needs it (a conditional update), so a
sweep that runs twice, or overlaps the next one, does everything once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.background import enqueue_on_commit
from core.models import LoopSettings
from core.said import ngettext_noop, say_count
from playbooks.defaults import said_name
from playbooks.models import (
    AUTOMATIC_STEP_KINDS,
    OPEN_CASE_STATUSES,
    Case,
    CaseStatus,
    CaseStep,
    Escalation,
    EscalationRule,
    ProcessingFailure,
    StepKind,
    StepStatus,
)
from playbooks.services.announcements import announce_escalated
from playbooks.services.cases import DEFAULT_FOLLOW_UP_DELAY_DAYS, record_event  # noqa: F401
from playbooks.services.notifications import queue_escalation_emails
from playbooks.timeline import Said, say
from surveys.models import Response, Suppression
from surveys.services.sending import invite_to_follow_up
from surveys.services.suppressions import lift_suppression

logger = logging.getLogger(__name__)

SWEEP_BATCH = 5000
# Beyond this age an unprocessed answer is enqueued again even while the queue is busy.
STUCK_AFTER = dt.timedelta(minutes=15)


# --- unprocessed answers and undelivered notifications ------------------------------------


def unprocessed_response_ids(*, older_than: dt.datetime, queue_busy: bool = False) -> list[int]:
    """Answers not processed since `older_than` and not dead-lettered, oldest first.

    While the queue holds waiting tasks the answers are most likely among them:
    only those stuck for STUCK_AFTER are picked then, to avoid flooding the queue
    with copies during a burst.
    """
    if queue_busy:
        older_than = min(older_than, timezone.now() - STUCK_AFTER)
    dead = ProcessingFailure.objects.filter(response=OuterRef("pk"), resolved_at__isnull=True)
    return list(
        Response.objects.filter(processed_at__isnull=True, created_at__lt=older_than)
        .exclude(Exists(dead))
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def undelivered_notifications(*, older_than: dt.datetime) -> tuple[list[int], list[int]]:
    """Notify/acknowledge steps and escalations whose message was never sent."""
    steps = (
        CaseStep.objects.filter(
            kind__in=(StepKind.NOTIFY, StepKind.ACKNOWLEDGE),
            status=StepStatus.DONE,
            done_at__lt=older_than,
            done_at__gte=older_than - dt.timedelta(days=2),
        )
        .exclude(result__has_key="sent")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    escalations = Escalation.objects.filter(
        notified_at__isnull=True,
        raised_at__lt=older_than,
        raised_at__gte=older_than - dt.timedelta(days=2),
        raised_by__isnull=True,
    ).values_list("pk", flat=True)[:SWEEP_BATCH]
    return list(steps), list(escalations)


# --- SLAs ---------------------------------------------------------------------------------


def steps_to_remind(*, now: dt.datetime | None = None) -> list[int]:
    """People's steps coming due within the reminder window, not reminded yet."""
    now = now or timezone.now()
    loop = LoopSettings.current()
    return list(
        _open_people_steps()
        .filter(
            reminded_at__isnull=True,
            due_at__gt=now,
            due_at__lte=now + dt.timedelta(hours=loop.sla_reminder_hours),
        )
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def steps_overdue(*, now: dt.datetime | None = None) -> list[int]:
    """Required people's steps overdue by more than the grace, not escalated yet."""
    now = now or timezone.now()
    loop = LoopSettings.current()
    return list(
        _open_people_steps()
        .filter(
            required=True,
            overdue_escalated_at__isnull=True,
            due_at__lt=now - dt.timedelta(hours=loop.overdue_grace_hours),
        )
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def _open_people_steps():
    return CaseStep.objects.filter(
        status=StepStatus.TODO,
        due_at__isnull=False,
        case__status__in=OPEN_CASE_STATUSES,
    ).exclude(kind__in=[StepKind.FOLLOW_UP_SURVEY, *AUTOMATIC_STEP_KINDS])


def mark_reminded(*, step_id: int) -> CaseStep | None:
    """Stamp the step as reminded; None when it was already (or is no longer due)."""
    now = timezone.now()
    stamped = CaseStep.objects.filter(
        pk=step_id, status=StepStatus.TODO, reminded_at__isnull=True
    ).update(reminded_at=now)
    if not stamped:
        return None
    step = CaseStep.objects.select_related("case__contact", "case__account", "assignee").get(
        pk=step_id
    )
    record_event(
        case=step.case,
        kind="step_reminder",
        message=say(
            gettext_noop("Reminder sent: '%(step)s' is due %(due)s."),
            step=said_name(step.title),
            due=f"{timezone.localtime(step.due_at):%Y-%m-%d %H:%M}",
        ),
        details={"step": step.pk},
    )
    return step


def escalate_overdue_step(*, step_id: int) -> Escalation | None:
    """Raise the 'step overdue' escalation of a required step, once."""
    with transaction.atomic():
        now = timezone.now()
        stamped = CaseStep.objects.filter(
            pk=step_id, status=StepStatus.TODO, overdue_escalated_at__isnull=True
        ).update(overdue_escalated_at=now)
        if not stamped:
            return None
        step = CaseStep.objects.select_related("case").get(pk=step_id)
        late = now - step.due_at
        days, hours = late.days, late.seconds // 3600
        reason = say_count(
            ngettext_noop(
                "'%(step)s' is overdue by %(late)d day (was due %(due)s).",
                "'%(step)s' is overdue by %(late)d days (was due %(due)s).",
            )
            if days
            else ngettext_noop(
                "'%(step)s' is overdue by %(late)d hour (was due %(due)s).",
                "'%(step)s' is overdue by %(late)d hours (was due %(due)s).",
            ),
            "late",
            step=said_name(step.title),
            late=days or hours,
            due=f"{timezone.localtime(step.due_at):%Y-%m-%d %H:%M}",
        )
        escalation, created = Escalation.objects.get_or_create(
            case=step.case,
            rule=EscalationRule.STEP_OVERDUE,
            step=step,
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
            case=step.case,
            kind="escalation_raised",
            message=say(
                gettext_noop("Escalated (level %(level)s): %(reason)s"),
                level=1,
                reason=escalation.reason_param,
            ),
            details={"escalation": escalation.pk, "rule": EscalationRule.STEP_OVERDUE},
        )
        queue_escalation_emails(escalation_ids=[escalation.pk])
        announce_escalated(case=step.case, escalation=escalation)
    return escalation


# --- follow-up surveys -----------------------------------------------------------------------


def follow_ups_due(*, now: dt.datetime | None = None) -> list[int]:
    """Cases whose follow-up survey is due (their plan was done, plus the step's delay) and
    not requested yet: monitored, or closed meanwhile, the survey goes out all the same."""
    now = now or timezone.now()
    return list(
        Case.objects.current()
        .filter(follow_up_due_at__lte=now, follow_up_requested_at__isnull=True)
        .order_by("follow_up_due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def case_of_step(step_id: int) -> int | None:
    """The case a step belongs to; None when the step is gone."""
    return CaseStep.objects.filter(pk=step_id).values_list("case_id", flat=True).first()


def request_follow_up(*, case_id: int) -> Case | None:
    """Send the case's follow-up survey, once: the case's suppression ends, an invitation goes
    to the contact through the same rules as any survey (none to one who opted out or was
    erased), and their next answer links back here. None when it was requested already, or
    the case has no follow-up due (its plan is not done, a corrected score superseded it)."""
    with transaction.atomic():
        now = timezone.now()
        asked = (
            Case.objects.current()
            .filter(pk=case_id, follow_up_due_at__isnull=False, follow_up_requested_at__isnull=True)
            .update(follow_up_requested_at=now, updated_at=now)
        )
        if not asked:
            return None
        case = Case.objects.select_related("suppression", "contact").get(pk=case_id)
        if case.suppression is not None:
            lift_suppression(suppression=case.suppression)
        invitation, verdict = invite_to_follow_up(
            contact=case.contact,
            ignore_suppression_ids=[case.suppression_id] if case.suppression_id else [],
            now=now,
        )
        result = {
            "requested_at": now.isoformat(),
            "invitation": invitation.pk if invitation else None,
        }
        # The step may have been skipped when the case closed: it is done now all the same.
        step = (
            CaseStep.objects.filter(case=case, kind=StepKind.FOLLOW_UP_SURVEY)
            .exclude(status=StepStatus.DONE)
            .order_by("position")
            .first()
        )
        if step is not None:
            step.status, step.done_at, step.result = StepStatus.DONE, now, result
            step.save(update_fields=["status", "done_at", "result"])
        record_event(
            case=case,
            kind="follow_up_requested",
            message=_follow_up_message(case, invitation, verdict),
            details={"step": step.pk if step else None, "invitation": result["invitation"]},
        )
        if invitation is not None:
            enqueue_on_commit("surveys.send_invitations")
    return case


def _follow_up_message(case: Case, invitation, verdict) -> Said:
    if invitation is None:
        return say(
            gettext_noop(
                "No follow-up survey sent to %(email)s: %(reason)s Their next answer, "
                "from any source, still links back to this case."
            ),
            email=case.contact.email,
            reason=verdict.note,
        )
    return say(
        gettext_noop("Follow-up survey sent to %(email)s; their answer links back to this case."),
        email=case.contact.email,
    )


# --- suppressions -------------------------------------------------------------------------------


def end_suppressions_of_closed_cases() -> int:
    """Lift suppressions still in force although their case is closed; returns how many."""
    lifted = 0
    for suppression in Suppression.objects.filter(
        lifted_at__isnull=True, case__status=CaseStatus.CLOSED
    ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now()))[:SWEEP_BATCH]:
        lifted += lift_suppression(suppression=suppression)
    if lifted:
        logger.info("lifted %s suppressions of closed cases", lifted)
    return lifted
