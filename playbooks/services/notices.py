"""Who is told what, in the app and by email, when something happens to a case.

The services of the case call these inside their transaction; `notifications.notify`
writes the rows and queues the emails on commit. Where the playbooks already email
someone (the managers about an escalation, the owner of a superseded case), the
notification says it in the app only: one email per event, never two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_noop

from core.models import User
from core.roles import Role
from core.said import say
from notifications.models import NotificationKind
from notifications.services import Notice, notify, notify_many
from playbooks.models import ActionItem, Case, Escalation, Note


def case_url(case_id: int) -> str:
    return reverse("case-detail", args=[case_id])


def item_url(item: ActionItem) -> str:
    return f"{case_url(item.case_id)}#action-{item.pk}"


def managers() -> list[User]:
    """The active managers, told about escalations and recurring issues."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.MANAGER.value)
        .distinct()
        .order_by("pk")
    )


def tell_mentioned(*, note: Note, people: Iterable[User], author: User, target_url: str) -> None:
    """The people a note mentions may open it."""
    where = (
        say(
            gettext_noop("%(author)s mentioned you in a note on case #%(case)s."),
            author=str(author),
            case=note.case_id,
        )
        if note.case_id is not None
        else say(
            gettext_noop("%(author)s mentioned you in a note on %(account)s."),
            author=str(author),
            account=note.account.name if note.account else "",
        )
    )
    notify(
        recipients=people,
        kind=NotificationKind.MENTIONED,
        message=where,
        target_url=target_url,
        actor=author,
        dedupe_key=f"note:{note.pk}",
    )


def tell_item_owner(*, item: ActionItem, actor: User | None) -> None:
    """The new owner of an action item (not the person who gave it)."""
    if item.owner is None:
        return
    notify(
        recipients=[item.owner],
        kind=NotificationKind.ASSIGNED,
        message=say(
            gettext_noop("%(actor)s gave you an action on case #%(case)s: %(text)s"),
            actor=str(actor) if actor else "NPS Loop",
            case=item.case_id,
            text=item.text,
        ),
        target_url=item_url(item),
        actor=actor,
    )


def tell_item_done(*, item: ActionItem, case: Case, actor: User | None) -> None:
    """The case's owner, when a colleague did an action of their plan: the loop can go on
    (the customer told, the case closed) without checking the case every day."""
    if case.owner_id is None:
        return
    notify(
        recipients=[case.owner],
        kind=NotificationKind.ITEM_DONE,
        message=say(
            gettext_noop("%(actor)s did an action on case #%(case)s: %(text)s"),
            actor=str(actor) if actor else "NPS Loop",
            case=case.pk,
            text=item.text,
        ),
        target_url=item_url(item),
        actor=actor,
    )


def tell_case_assigned(*, case: Case, actor: User | None) -> None:
    """The case's new owner (not the person who gave it)."""
    if case.owner is None:
        return
    notify(
        recipients=[case.owner],
        kind=NotificationKind.ASSIGNED,
        message=say(
            gettext_noop("%(actor)s gave you case #%(case)s."),
            actor=str(actor) if actor else "NPS Loop",
            case=case.pk,
        ),
        target_url=case_url(case.pk),
        actor=actor,
    )


def tell_item_due(*, item: ActionItem, who: User | None, due_tomorrow: bool, day: dt.date) -> None:
    """The owner of an item coming due; this is the reminder's one email."""
    notify(
        recipients=[who],
        kind=NotificationKind.ITEM_DUE,
        message=say(
            gettext_noop("Due tomorrow, on case #%(case)s: %(text)s")
            if due_tomorrow
            else gettext_noop("Due today, on case #%(case)s: %(text)s"),
            case=item.case_id,
            text=item.text,
        ),
        target_url=item_url(item),
        dedupe_key=f"item:{item.pk}:{'day_before' if due_tomorrow else 'due_today'}:{day:%Y-%m-%d}",
    )


def tell_escalated(
    *,
    escalations: Iterable[Escalation],
    actor: User | None = None,
    managers_emailed: bool = True,
    owner_emailed: bool = True,
) -> None:
    """The case's owner and the managers see a new escalation under the bell. The managers
    are emailed about it elsewhere when `managers_emailed`, so not here; the owner as they
    chose, when `owner_emailed`."""
    escalations = list(escalations)
    if not escalations:
        return
    told = managers()
    manager_ids = {manager.pk for manager in told}
    notices = []
    for escalation in escalations:
        case = escalation.case
        message = say(
            gettext_noop("Case #%(case)s escalated (level %(level)s): %(reason)s"),
            case=case.pk,
            level=escalation.level,
            reason=escalation.reason_param,
        )
        common = {
            "kind": NotificationKind.ESCALATED,
            "message": message,
            "target_url": case_url(case.pk),
            "actor": actor,
            "dedupe_key": f"escalation:{escalation.pk}",
        }
        notices.append(Notice(recipients=told, email=not managers_emailed, **common))
        if case.owner is not None and case.owner.pk not in manager_ids:
            notices.append(Notice(recipients=[case.owner], email=owner_emailed, **common))
    notify_many(notices)


def tell_case_superseded(*, case: Case) -> None:
    """The owner of a superseded case, in the app: the playbooks email them already."""
    notify(
        recipients=[case.owner],
        kind=NotificationKind.CASE_SUPERSEDED,
        message=say(
            gettext_noop("Case #%(case)s is superseded: the customer corrected their score."),
            case=case.pk,
        ),
        target_url=case_url(case.pk),
        dedupe_key=f"superseded:{case.pk}",
        email=False,
    )


def tell_answer_joined(*, case: Case, contact: str, score: int, answer_id: int) -> None:
    """The owner of a case another answer of its account joined."""
    if case.owner_id is None:
        return
    notify(
        recipients=[case.owner],
        kind=NotificationKind.ANSWER_JOINED,
        message=say(
            gettext_noop("%(contact)s answered %(score)s: the answer joined case #%(case)s."),
            contact=contact,
            score=score,
            case=case.pk,
        ),
        target_url=case_url(case.pk),
        dedupe_key=f"joined:{answer_id}",
    )


def tell_follow_up_answered(*, case: Case, before: int, after: int, won_back: bool) -> None:
    """The owner of a case whose follow-up survey was answered: won back or not."""
    if case.owner_id is None:
        return
    notify(
        recipients=[case.owner],
        kind=NotificationKind.FOLLOW_UP_ANSWERED,
        message=say(
            gettext_noop("Case #%(case)s: follow-up answer %(before)s → %(after)s, won back.")
            if won_back
            else gettext_noop(
                "Case #%(case)s: follow-up answer %(before)s → %(after)s, not won back."
            ),
            case=case.pk,
            before=before,
            after=after,
        ),
        target_url=case_url(case.pk),
        dedupe_key=f"follow-up:{case.pk}",
    )
