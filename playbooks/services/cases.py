"""What people do on a case: log the call, build the plan, escalate, reassign, close, reopen.

Every function here checks that the change is allowed, makes it in one
transaction and writes the `CaseEvent` that shows it on the timeline. Statuses
move by a conditional update on the status the caller saw, so two people (or a
person and the worker) cannot both move the same case.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Contact
from core.models import LoopSettings
from core.roles import Role, has_role
from playbooks.defaults import in_reader_language, said_name
from playbooks.models import (
    CASE_CLOSED_RESOLUTION,
    CLOSING_OUTCOMES,
    OPEN_CASE_STATUSES,
    SUPERSEDED_RESOLUTION,
    ActionItem,
    ActionStatus,
    AssigneeKind,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    Escalation,
    RootCause,
    StepKind,
    StepStatus,
)
from playbooks.services import announcements, notices
from playbooks.services.risk import refresh_risk_base
from playbooks.timeline import Said, choice, named, phrase, say, someone
from playbooks.transitions import TransitionNotAllowed, check_transition
from surveys.models import Category, Suppression, SuppressionReason, Theme
from surveys.services.suppressions import lift_suppression, suppress_surveys

if TYPE_CHECKING:
    from accounts.models import Account
    from core.models import User

logger = logging.getLogger(__name__)

# Days between the plan done and the follow-up survey, when the step does not say.
DEFAULT_FOLLOW_UP_DELAY_DAYS = 14


class CaseActionRefused(Exception):
    """The action cannot be done on the case as it is; the message says why and what to do."""


# --- events and statuses ------------------------------------------------------------


def record_event(
    *,
    case: Case,
    kind: str,
    message: Said,
    actor: User | None = None,
    details: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append a line to the case's timeline (actor None: the system)."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        message=message.english(),
        said=message.as_json(),
        actor=actor,
        details=details or {},
    )


def move_case(
    *,
    case: Case,
    target: str,
    actor: User | None,
    message: Said | None = None,
    fields: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the case to `target` if the lifecycle allows it and nobody moved it meanwhile;
    `details` go on the timeline entry beside the two statuses."""
    current = case.status
    check_transition(current, target)
    fields = fields or {}
    now = timezone.now()
    moved = Case.objects.filter(pk=case.pk, status=current).update(
        status=target, updated_at=now, **fields
    )
    if not moved:
        fresh = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
        raise TransitionNotAllowed(
            fresh or current, target, _("Someone changed the case meanwhile: reload it.")
        )
    case.status = target
    for name, value in fields.items():
        setattr(case, name, value)
    record_event(
        case=case,
        kind="status_changed",
        actor=actor,
        message=message
        or say(
            gettext_noop("Status: %(from)s → %(to)s."),
            **{"from": choice("case_status", current), "to": choice("case_status", target)},
        ),
        details={"from": current, "to": target, **(details or {})},
    )
    if target == CaseStatus.CLOSED:
        announcements.announce_closed(case=case)


def _start_if_new(case: Case, actor: User | None) -> None:
    if case.status == CaseStatus.NEW:
        move_case(case=case, target=CaseStatus.IN_PROGRESS, actor=actor)


def _ensure_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise CaseActionRefused(_("The case is closed: reopen it first."))


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock; the caller's copy may be stale."""
    locked = Case.objects.select_for_update(of=("self",)).select_related("suppression")
    return locked.get(pk=case.pk)


# --- steps --------------------------------------------------------------------------


def log_call(
    *,
    step: CaseStep,
    actor: User,
    reached: bool,
    called_at: dt.datetime | None = None,
    themes: Iterable[Theme] = (),
    notes: str = "",
) -> CaseStep:
    """Log a qualification call: reached or not, when, the reasons (themes) and notes.

    The first call logged is the case's first contact (the SLA clock stops). A call
    that reached the person completes the step; one that did not is kept as an attempt.
    """
    if step.kind != StepKind.QUALIFICATION_CALL:
        raise CaseActionRefused(_("Only a qualification call step takes a call log."))
    called_at = called_at or timezone.now()
    if called_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"called_at": _("The call cannot be in the future.")})
    themes = list(themes)
    with transaction.atomic():
        case = _lock(step.case)
        _ensure_open(case)
        step = CaseStep.objects.select_for_update().get(pk=step.pk)
        attempt = {
            "reached": reached,
            "called_at": called_at.isoformat(),
            "themes": [theme.name for theme in themes],
            "notes": notes.strip(),
            "by": actor.pk,
        }
        attempts = [*step.result.get("attempts", []), attempt]
        step.result = {**step.result, "attempts": attempts, "reached": reached}
        fields = ["result"]
        if reached and step.status == StepStatus.TODO:
            step.status, step.done_by, step.done_at = StepStatus.DONE, actor, timezone.now()
            fields += ["status", "done_by", "done_at"]
        step.save(update_fields=fields)
        if themes:
            case.response.themes.add(*themes)
        if case.first_contact_at is None:
            Case.objects.filter(pk=case.pk).update(first_contact_at=called_at)
            case.first_contact_at = called_at
        record_event(
            case=case,
            kind="call_logged",
            actor=actor,
            message=say(
                gettext_noop("Call logged: reached. %(notes)s")
                if reached
                else gettext_noop("Call logged: not reached. %(notes)s"),
                notes=notes.strip(),
            ),
            details=attempt,
        )
        _start_if_new(case, actor)
    return step


def complete_step(
    *, step: CaseStep, actor: User, note: str = "", result: dict[str, Any] | None = None
) -> CaseStep:
    """Mark a people's step done, with an optional note.

    In a playbook without a qualification call (a promoter's thanks), the first step a
    person completes is the case's first contact.
    """
    if step.kind == StepKind.POST_MORTEM:
        raise CaseActionRefused(_("The post-mortem is written when the case is closed."))
    if step.kind == StepKind.QUALIFICATION_CALL:
        raise CaseActionRefused(
            _("Log the call instead: reached or not, when, and what you heard.")
        )
    if step.is_automatic:
        raise CaseActionRefused(_("This step is done by the system."))
    with transaction.atomic():
        case = _lock(step.case)
        _ensure_open(case)
        done = CaseStep.objects.filter(pk=step.pk, status=StepStatus.TODO).update(
            status=StepStatus.DONE,
            done_by=actor,
            done_at=timezone.now(),
            result={**step.result, **(result or {}), "note": note.strip()},
        )
        if not done:
            raise _already_closed(step)
        step.refresh_from_db()
        record_event(
            case=case,
            kind="step_done",
            actor=actor,
            message=say(
                gettext_noop("Done: %(step)s. %(note)s"),
                step=said_name(step.title),
                note=note.strip(),
            ),
            details={"step": step.pk},
        )
        has_call = case.steps.filter(kind=StepKind.QUALIFICATION_CALL).exists()
        if case.first_contact_at is None and not has_call:
            Case.objects.filter(pk=case.pk).update(first_contact_at=step.done_at)
            case.first_contact_at = step.done_at
        _start_if_new(case, actor)
    return step


def skip_step(*, step: CaseStep, actor: User, reason: str) -> CaseStep:
    """Skip an optional step, saying why; required steps cannot be skipped."""
    if step.required:
        raise CaseActionRefused(
            _("'%(step)s' is required: it cannot be skipped.")
            % {"step": in_reader_language(step.title)}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the step is skipped.")})
    with transaction.atomic():
        case = _lock(step.case)
        _ensure_open(case)
        skipped = CaseStep.objects.filter(pk=step.pk, status=StepStatus.TODO).update(
            status=StepStatus.SKIPPED,
            done_by=actor,
            done_at=timezone.now(),
            result={**step.result, "skip_reason": reason.strip()},
        )
        if not skipped:
            raise _already_closed(step)
        step.refresh_from_db()
        record_event(
            case=case,
            kind="step_skipped",
            actor=actor,
            message=say(
                gettext_noop("Skipped: %(step)s. %(reason)s"),
                step=said_name(step.title),
                reason=reason.strip(),
            ),
            details={"step": step.pk},
        )
    return step


def _already_closed(step: CaseStep) -> CaseActionRefused:
    # The caller's copy may be stale: say what the step is now, not what it was.
    status = CaseStep.objects.filter(pk=step.pk).values_list("status", flat=True).first()
    label = str(dict(StepStatus.choices).get(status, status)).lower()
    return CaseActionRefused(
        _("'%(step)s' is already %(status)s.")
        % {"step": in_reader_language(step.title), "status": label}
    )


# --- action plan --------------------------------------------------------------------


def add_action_item(
    *,
    case: Case,
    actor: User,
    audience: str,
    text: str,
    owner: User | None = None,
    due_date: dt.date | None = None,
) -> ActionItem:
    """Add an item to the action plan; the case's plan is then in progress."""
    item = ActionItem(
        case=case,
        audience=audience,
        text=text.strip(),
        owner=owner,
        due_date=due_date,
        created_by=actor,
    )
    item.full_clean(exclude=["case", "owner", "created_by"])
    with transaction.atomic():
        case = _lock(case)
        _ensure_open(case)
        item.case = case
        item.save()
        record_event(
            case=case,
            kind="action_added",
            actor=actor,
            message=say(
                gettext_noop("Action added (%(audience)s): %(text)s"),
                audience=choice("audience", audience, lower=True),
                text=item.text,
            ),
            details={"action_item": item.pk},
        )
        if case.status in (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.MONITORING):
            _plan_in_progress(case, actor)
        notices.tell_item_owner(item=item, actor=actor)
    return item


def update_action_item(
    *, item: ActionItem, actor: User, owner: User | None, due_date: dt.date | None
) -> ActionItem:
    """Give an item to someone else, or move its due date. A new due date arms the owner's
    reminders again, and a late item escalates again only once it is late anew."""
    with transaction.atomic():
        case = _lock(item.case)
        _ensure_open(case)
        item = (
            ActionItem.objects.select_for_update(of=("self",))
            .select_related("owner")
            .get(pk=item.pk)
        )
        if (item.owner_id, item.due_date) == (getattr(owner, "pk", None), due_date):
            return item
        previous_owner, previous_due = item.owner, item.due_date
        item.owner, item.due_date = owner, due_date
        fields = ["owner", "due_date"]
        if due_date != previous_due:
            item.reminded_before_at = item.reminded_due_at = item.overdue_escalated_at = None
            fields += ["reminded_before_at", "reminded_due_at", "overdue_escalated_at"]
        item.save(update_fields=fields)
        record_event(
            case=case,
            kind="action_changed",
            actor=actor,
            message=say(
                gettext_noop("Action '%(text)s' is now for %(owner)s, due %(due)s.")
                if due_date
                else gettext_noop("Action '%(text)s' is now for %(owner)s, with no due date."),
                text=item.text,
                owner=someone(owner),
                due=f"{due_date:%Y-%m-%d}" if due_date else "",
            ),
            details={
                "action_item": item.pk,
                "previous_owner": getattr(previous_owner, "pk", None),
                "previous_due": f"{previous_due:%Y-%m-%d}" if previous_due else None,
            },
        )
        if item.owner_id != getattr(previous_owner, "pk", None):
            notices.tell_item_owner(item=item, actor=actor)
    return item


def _plan_in_progress(case: Case, actor: User | None) -> None:
    """The plan has open items again: the case leaves monitoring and its plan step is to do."""
    fields: dict[str, Any] = {"plan_completed_at": None}
    if case.follow_up_requested_at is None:
        fields["follow_up_due_at"] = None
    move_case(case=case, target=CaseStatus.PLAN_IN_PROGRESS, actor=actor, fields=fields)
    CaseStep.objects.filter(case=case, kind=StepKind.ACTION_PLAN, status=StepStatus.DONE).update(
        status=StepStatus.TODO, done_by=None, done_at=None
    )


def set_action_item_status(*, item: ActionItem, actor: User, status: str) -> ActionItem:
    """Move an action item (open, in progress, done, cancelled). When every item is
    closed and one at least is done, the plan is complete and the case is monitored."""
    if status not in ActionStatus.values:
        raise ValidationError(
            {"status": _("Choose one of %(values)s.") % {"values": ", ".join(ActionStatus.values)}}
        )
    with transaction.atomic():
        case = _lock(item.case)
        _ensure_open(case)
        item = ActionItem.objects.select_for_update().get(pk=item.pk)
        if item.status == status:
            return item
        previous = item.status
        item.status = status
        item.done_at = timezone.now() if status == ActionStatus.DONE else None
        item.save(update_fields=["status", "done_at"])
        record_event(
            case=case,
            kind="action_status",
            actor=actor,
            message=say(
                gettext_noop("Action '%(text)s': %(from)s → %(to)s."),
                **{
                    "text": item.text,
                    "from": choice("action_status", previous),
                    "to": choice("action_status", status),
                },
            ),
            details={"action_item": item.pk, "status": status},
        )
        if status == ActionStatus.DONE:
            notices.tell_item_done(item=item, case=case, actor=actor)
        _follow_plan(case, actor)
    return item


def _follow_plan(case: Case, actor: User | None) -> None:
    """Complete the plan when its items are; take a monitored case back when they are not
    any more (an item reopened, the only done one cancelled): no follow-up survey may go
    out while the plan is still being worked on."""
    statuses = list(case.action_items.values_list("status", flat=True))
    open_items = [s for s in statuses if s in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)]
    if not statuses or open_items or ActionStatus.DONE not in statuses:
        if case.status == CaseStatus.MONITORING:
            _plan_in_progress(case, actor)
        return
    now = timezone.now()
    CaseStep.objects.filter(case=case, kind=StepKind.ACTION_PLAN, status=StepStatus.TODO).update(
        status=StepStatus.DONE,
        done_by=actor,
        done_at=now,
        result={"items": len(statuses), "done": statuses.count(ActionStatus.DONE)},
    )
    if case.status in (CaseStatus.PLAN_IN_PROGRESS, CaseStatus.IN_PROGRESS, CaseStatus.NEW):
        fields: dict[str, Any] = {"plan_completed_at": now}
        if case.follow_up_requested_at is None:
            fields["follow_up_due_at"] = _follow_up_due(case, now)
        move_case(
            case=case,
            target=CaseStatus.MONITORING,
            actor=actor,
            message=say(gettext_noop("Action plan complete: the case is monitored.")),
            fields=fields,
        )


def _follow_up_due(case: Case, plan_done: dt.datetime) -> dt.datetime | None:
    """When the case's follow-up survey goes out: the plan done plus its step's delay; None
    when the case has no follow-up step to do."""
    options = (
        CaseStep.objects.filter(case=case, kind=StepKind.FOLLOW_UP_SURVEY, status=StepStatus.TODO)
        .values_list("options", flat=True)
        .first()
    )
    if options is None:
        return None
    delay = int((options or {}).get("delay_days", DEFAULT_FOLLOW_UP_DELAY_DAYS))
    return plan_done + dt.timedelta(days=delay)


# --- escalations --------------------------------------------------------------------


def raise_escalation(*, case: Case, actor: User, reason: str, level: int = 1) -> Escalation:
    """Bring the case to the managers' attention, with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case needs a manager.")})
    if level not in (1, 2, 3):
        raise ValidationError({"level": _("The level is 1, 2 or 3.")})
    with transaction.atomic():
        case = _lock(case)
        _ensure_open(case)
        escalation = Escalation.objects.create(
            case=case, level=level, reason=reason.strip(), raised_by=actor, raised_at=timezone.now()
        )
        record_event(
            case=case,
            kind="escalation_raised",
            actor=actor,
            message=say(
                gettext_noop("Escalated (level %(level)s): %(reason)s"),
                level=level,
                reason=escalation.reason,
            ),
            details={"escalation": escalation.pk},
        )
        announcements.announce_escalated(case=case, escalation=escalation)
        # Nothing else tells the managers of a raise by hand: they are emailed here.
        notices.tell_escalated(escalations=[escalation], actor=actor, managers_emailed=False)
    return escalation


def _require_manager(actor: User, action: str) -> None:
    """`action` is a translated phrase: "acknowledge an escalation"..."""
    if not has_role(actor, Role.MANAGER, Role.ADMIN):
        raise PermissionDenied(_("Only a manager can %(action)s.") % {"action": action})


def acknowledge_escalation(*, escalation: Escalation, actor: User) -> Escalation:
    """A manager has seen the escalation and takes it on."""
    _require_manager(actor, _("acknowledge an escalation"))
    with transaction.atomic():
        now = timezone.now()
        done = Escalation.objects.filter(pk=escalation.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        )
        if not done:
            raise CaseActionRefused(_("The escalation was already acknowledged."))
        escalation.refresh_from_db()
        record_event(
            case=escalation.case,
            kind="escalation_acknowledged",
            actor=actor,
            message=say(
                gettext_noop("Escalation acknowledged: %(reason)s"), reason=escalation.reason_param
            ),
            details={"escalation": escalation.pk},
        )
    return escalation


def resolve_escalation(*, escalation: Escalation, actor: User, resolution: str) -> Escalation:
    """A manager closes the escalation, saying what was done (acknowledging it too if
    nobody had)."""
    _require_manager(actor, _("resolve an escalation"))
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say what was done to resolve the escalation.")})
    with transaction.atomic():
        now = timezone.now()
        done = Escalation.objects.filter(pk=escalation.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=actor, resolution=resolution.strip()
        )
        if not done:
            raise CaseActionRefused(_("The escalation was already resolved."))
        Escalation.objects.filter(pk=escalation.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        )
        escalation.refresh_from_db()
        record_event(
            case=escalation.case,
            kind="escalation_resolved",
            actor=actor,
            message=say(
                gettext_noop("Escalation resolved. %(resolution)s"), resolution=resolution.strip()
            ),
            details={"escalation": escalation.pk},
        )
    return escalation


def _resolve_open_escalations(
    case: Case, actor: User | None, now: dt.datetime, resolution: str = CASE_CLOSED_RESOLUTION
) -> None:
    """The case closes: whatever was escalated about it is settled too, by the person who
    closed it (None: NPS Loop), and leaves the managers' open escalations. `resolution` is
    one of `SYSTEM_RESOLUTIONS`, shown in the reader's language."""
    for escalation in case.escalations.filter(resolved_at__isnull=True).order_by("id"):
        resolved = Escalation.objects.filter(pk=escalation.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=actor, resolution=resolution
        )
        if resolved:
            record_event(
                case=case,
                kind="escalation_resolved",
                actor=actor,
                message=say(
                    gettext_noop("Escalation resolved. %(resolution)s"),
                    resolution=phrase(resolution),
                ),
                details={"escalation": escalation.pk, "by_closing": True},
            )


# --- ownership, closing, reopening ----------------------------------------------------


def reassign_case(*, case: Case, actor: User, owner: User | None) -> Case:
    """Give the case (and its steps held by the previous owner) to another person."""
    _require_manager(actor, _("reassign a case"))
    if owner is not None and not has_role(owner, Role.CSM, Role.MANAGER, Role.ADMIN):
        raise ValidationError({"owner": _("%(owner)s has no role in NPS Loop.") % {"owner": owner}})
    with transaction.atomic():
        case = _lock(case)
        previous = case.owner
        if previous == owner:
            return case
        _hand_over(case, owner)
        record_event(
            case=case,
            kind="reassigned",
            actor=actor,
            message=say(
                gettext_noop("Reassigned from %(from)s to %(to)s."),
                **{"from": someone(previous), "to": someone(owner)},
            ),
            details={"from": previous.pk if previous else None, "to": owner.pk if owner else None},
        )
        notices.tell_case_assigned(case=case, actor=actor)
    return case


def _hand_over(case: Case, owner: User | None) -> None:
    """Make `owner` the case's owner, with the open steps its previous owner held."""
    previous = case.owner
    Case.objects.filter(pk=case.pk).update(owner=owner, updated_at=timezone.now())
    held = CaseStep.objects.filter(case=case, status=StepStatus.TODO)
    if previous is None:
        # The manager group held the case: the steps meant for its owner had nobody yet
        # (those assigned to the manager group stay theirs).
        held = held.filter(assignee__isnull=True).exclude(assignee_kind=AssigneeKind.MANAGERS)
    else:
        held = held.filter(assignee=previous)
    held.update(assignee=owner)
    case.owner = owner


def match_case_to_account(*, case: Case, account: Account, actor: User | None) -> Case:
    """The case's answer was matched to an account after the case opened (its contact was
    assigned): the case follows, with the ARR at risk of a detractor, and an open case that
    only the managers or the fallback owner held goes to the account's CSM."""
    with transaction.atomic():
        case = _lock(case)
        if case.account_id is not None:
            return case
        fields: dict[str, Any] = {"account": account, "currency": account.currency}
        if case.category == Category.DETRACTOR:
            fields["arr_at_risk"] = account.arr
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now(), **fields)
        for name, value in fields.items():
            setattr(case, name, value)
        refresh_risk_base(cases=Case.objects.filter(pk=case.pk))
        previous = case.owner
        fallback_owner = LoopSettings.current().fallback_owner
        takes_over = (
            case.status in OPEN_CASE_STATUSES
            and account.csm is not None
            and account.csm != previous
            and (previous is None or previous == fallback_owner)
        )
        message = say(gettext_noop("Matched to account %(account)s."), account=account.name)
        if takes_over:
            _hand_over(case, account.csm)
            message = say(
                gettext_noop(
                    "Matched to account %(account)s. %(csm)s, its CSM, takes it over from %(from)s."
                ),
                **{"account": account.name, "csm": str(account.csm), "from": someone(previous)},
            )
        record_event(
            case=case,
            kind="account_matched",
            actor=actor,
            message=message,
            details={
                "account": account.pk,
                "owner_from": previous.pk if previous else None,
                "owner_to": case.owner.pk if case.owner else None,
            },
        )
    return case


def close_case(
    *,
    case: Case,
    actor: User,
    outcome: str,
    post_mortem: str,
    root_cause: RootCause | None,
) -> Case:
    """Close the loop: outcome, root cause and post-mortem; refused while a required step is
    open. The case's open escalations are resolved with it."""
    if outcome not in CLOSING_OUTCOMES:
        raise ValidationError(
            {"outcome": _("Choose one of %(values)s.") % {"values": ", ".join(CLOSING_OUTCOMES)}}
        )
    with transaction.atomic():
        case = _lock(case)
        _ensure_open(case)
        _check_root_cause(root_cause)
        steps = list(case.steps.all())
        needs_post_mortem = any(step.kind == StepKind.POST_MORTEM for step in steps)
        if needs_post_mortem and not post_mortem.strip():
            raise ValidationError(
                {"post_mortem": _("Write the post-mortem: what happened, and why.")}
            )
        blocking = [
            in_reader_language(step.title)
            for step in steps
            if step.is_open and step.required and step.kind != StepKind.POST_MORTEM
        ]
        if outcome == CaseOutcome.UNREACHABLE:
            # Nobody to call back, nothing to agree with: the attempts are the work done.
            tried = any(step.result.get("attempts") for step in steps)
            if not tried:
                raise CaseActionRefused(
                    _("Log your call attempts before closing the case as unreachable.")
                )
            blocking = []
        if blocking:
            raise CaseActionRefused(
                _("Required steps are still open: %(steps)s. Complete them before closing.")
                % {"steps": "; ".join(blocking)}
            )
        now = timezone.now()
        CaseStep.objects.filter(
            case=case, kind=StepKind.POST_MORTEM, status=StepStatus.TODO
        ).update(status=StepStatus.DONE, done_by=actor, done_at=now)
        # A follow-up survey still to come goes out on its date, closed case or not.
        follow_up_pending = case.follow_up_due_at and not case.follow_up_requested_at
        for step in steps:
            if step.kind == StepKind.FOLLOW_UP_SURVEY and follow_up_pending:
                continue
            if step.is_open and step.kind != StepKind.POST_MORTEM:
                # Keep what the step recorded (call attempts...): only add why it was skipped.
                CaseStep.objects.filter(pk=step.pk, status=StepStatus.TODO).update(
                    status=StepStatus.SKIPPED,
                    done_at=now,
                    result={**step.result, "skip_reason": "Case closed."},
                )
        move_case(
            case=case,
            target=CaseStatus.CLOSED,
            actor=actor,
            message=say(
                gettext_noop("Closed: %(outcome)s. Root cause: %(root_cause)s."),
                outcome=choice("outcome", outcome),
                root_cause=named(root_cause.labels()),
            ),
            fields={
                "closed_at": now,
                "outcome": outcome,
                "post_mortem": post_mortem.strip(),
                "root_cause": root_cause,
            },
        )
        _resolve_open_escalations(case, actor, now)
        if case.suppression and lift_suppression(suppression=case.suppression):
            record_event(
                case=case,
                kind="suppression_lifted",
                message=say(gettext_noop("Surveys may reach the customer again.")),
            )
    return case


def _check_root_cause(root_cause: RootCause | None) -> None:
    """A case closes with a root cause that is in use: not archived (nor its cause), and a
    sub-cause when its cause has some."""
    if root_cause is None:
        raise ValidationError(
            {"root_cause": _("Choose the root cause: what made the customer unhappy.")}
        )
    fresh = RootCause.objects.select_related("parent").filter(pk=root_cause.pk).first()
    if fresh is None or not fresh.active or (fresh.parent and not fresh.parent.active):
        raise ValidationError(
            {
                "root_cause": _("“%(name)s” is archived: choose another root cause.")
                % {"name": fresh.label if fresh else root_cause.name}
            }
        )
    if fresh.parent_id is None and fresh.children.filter(active=True).exists():
        raise ValidationError(
            {
                "root_cause": _("Choose one of the sub-causes of “%(name)s”.")
                % {"name": fresh.display_name}
            }
        )


def reopen_case(*, case: Case, actor: User, reason: str) -> Case:
    """Reopen a closed case; its survey suppression starts again."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    with transaction.atomic():
        case = _lock(case)
        if case.status != CaseStatus.CLOSED:
            raise CaseActionRefused(_("The case is open already."))
        if case.superseded_at is not None:
            raise CaseActionRefused(
                _("A corrected score superseded this case: work the case that replaces it.")
            )
        if Contact.objects.filter(pk=case.contact_id, erased_at__isnull=False).exists():
            raise CaseActionRefused(
                _("The contact was erased at their request: their case stays closed.")
            )
        fields: dict[str, Any] = {
            "closed_at": None,
            "outcome": "",
            "root_cause": None,
            "reopened_count": case.reopened_count + 1,
        }
        old = case.suppression
        if old is not None:
            fields["suppression"] = suppress_surveys(
                contact=old.contact,
                account=old.account,
                reason=SuppressionReason.OPEN_CASE,
                note=f"Case #{case.pk} reopened",
            )
        CaseStep.objects.filter(case=case, kind=StepKind.POST_MORTEM).update(
            status=StepStatus.TODO, done_by=None, done_at=None
        )
        move_case(
            case=case,
            target=CaseStatus.IN_PROGRESS,
            actor=actor,
            message=say(gettext_noop("Reopened: %(reason)s"), reason=reason.strip()),
            fields=fields,
        )
    return case


def suppression_for_case(*, case: Case, scope: str) -> Suppression:
    """Suppress surveys to the case's contact, or to its whole account, while it is open."""
    account_wide = scope == "account" and case.account_id is not None
    return suppress_surveys(
        contact=None if account_wide else case.contact,
        account=case.account if account_wide else None,
        reason=SuppressionReason.OPEN_CASE,
        note=f"Case #{case.pk}",
        starts_at=timezone.now(),
        validate=False,  # built from the case's own rows: nothing a person typed
    )


def widen_suppression_to_account(*, case: Case) -> bool:
    """Another person of the case's account joined it: its survey pause, if it is the
    contact's alone and still running, now covers the whole account. False when there was
    nothing to widen (no pause, an account-wide one already, or one lifted)."""
    if case.suppression_id is None or case.account_id is None:
        return False
    return bool(
        Suppression.objects.filter(
            pk=case.suppression_id, contact__isnull=False, lifted_at__isnull=True
        ).update(contact=None, account_id=case.account_id)
    )


@transaction.atomic
def delete_case(*, case: Case) -> None:
    """Delete a case with its steps, plan, escalations and timeline (superusers do, in the
    Django admin: a test answer's case, say). Its survey suppression is lifted first: with
    the case gone, nothing would ever end it. The answer stays, processed: the engine does
    not open it again."""
    if case.suppression_id is not None:
        lift_suppression(suppression=case.suppression)
    case.delete()


def supersede_case(*, case: Case, old_score: int, new_score: int) -> Case:
    """The customer corrected the score of the case's answer, and the case's playbook no
    longer matches it: the case ends here, its history kept.

    An open case closes as superseded (open steps skipped, open escalations resolved,
    survey suppression lifted) and its owner is told; a closed one keeps its outcome. Either
    way it stops being the answer's current case, so that the engine can open the case of
    the playbook that matches now, which `replaces` it.
    """
    from playbooks.services.notifications import queue_superseded_notice

    with transaction.atomic():
        case = _lock(case)
        if case.superseded_at is not None:
            return case
        now = timezone.now()
        message = say(
            gettext_noop(
                "The customer corrected their score from %(old)s to %(new)s: this case "
                "no longer fits the answer and is superseded by a new one."
            ),
            old=old_score,
            new=new_score,
        )
        if case.status == CaseStatus.CLOSED:
            Case.objects.filter(pk=case.pk).update(superseded_at=now, updated_at=now)
            case.superseded_at = now
            record_event(
                case=case,
                kind="superseded",
                message=message,
                details={"old_score": old_score, "new_score": new_score},
            )
            return case
        for step in case.steps.filter(status=StepStatus.TODO):
            CaseStep.objects.filter(pk=step.pk, status=StepStatus.TODO).update(
                status=StepStatus.SKIPPED,
                done_at=now,
                result={**step.result, "skip_reason": SUPERSEDED_RESOLUTION},
            )
        _resolve_open_escalations(case, None, now, SUPERSEDED_RESOLUTION)
        move_case(
            case=case,
            target=CaseStatus.CLOSED,
            actor=None,
            message=message,
            fields={
                "closed_at": now,
                "outcome": CaseOutcome.SUPERSEDED,
                "superseded_at": now,
            },
            details={"old_score": old_score, "new_score": new_score},
        )
        if case.suppression and lift_suppression(suppression=case.suppression):
            record_event(
                case=case,
                kind="suppression_lifted",
                message=say(gettext_noop("Surveys may reach the customer again.")),
            )
        queue_superseded_notice(case_id=case.pk)
        notices.tell_case_superseded(case=case)
    logger.info(
        "case superseded id=%s response=%s score %s -> %s",
        case.pk,
        case.response_id,
        old_score,
        new_score,
    )
    return case
