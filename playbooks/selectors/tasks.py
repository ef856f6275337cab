"""A person's "My tasks": the action items they own and the steps they hold, across cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from core.models import User
from playbooks.access import cases_visible_to
from playbooks.models import (
    AUTOMATIC_STEP_KINDS,
    OPEN_ACTION_STATUSES,
    OPEN_CASE_STATUSES,
    ActionItem,
    ActionStatus,
    CaseStep,
    StepKind,
    StepStatus,
)

RECENTLY_DONE = 10


@dataclass(frozen=True)
class Task:
    """One row of "My tasks": an action item, or a step of a case, with when it is due."""

    item: ActionItem | None
    step: CaseStep | None
    due: dt.date | None
    today: dt.date

    @property
    def case(self):
        return (self.item or self.step).case

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < self.today

    @property
    def due_today(self) -> bool:
        return self.due == self.today


@dataclass(frozen=True)
class MyTasks:
    open: list[Task]
    recently_done: list[ActionItem]

    @property
    def overdue(self) -> int:
        return sum(task.overdue for task in self.open)

    @property
    def due_today(self) -> int:
        return sum(task.due_today for task in self.open)


def tasks_of(*, user: User, today: dt.date) -> MyTasks:
    """The open items `user` owns and the open steps they hold, on open cases they may see,
    the late and soonest due first (no date last); and their last items done."""
    cases = cases_visible_to(user).filter(status__in=OPEN_CASE_STATUSES)
    related = ("case__account", "case__contact", "case__response", "case__playbook")
    items = (
        ActionItem.objects.filter(owner=user, status__in=OPEN_ACTION_STATUSES, case__in=cases)
        .select_related(*related)
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )
    steps = (
        CaseStep.objects.filter(assignee=user, status=StepStatus.TODO, case__in=cases)
        .exclude(kind__in=[StepKind.FOLLOW_UP_SURVEY, *AUTOMATIC_STEP_KINDS])
        .select_related(*related)
    )
    rows = [Task(item=item, step=None, due=item.due_date, today=today) for item in items]
    rows += [
        Task(item=None, step=step, due=_local_date(step.due_at), today=today) for step in steps
    ]
    rows.sort(key=lambda task: (task.due is None, task.due or today, task.case.pk))
    done = (
        ActionItem.objects.filter(owner=user, status=ActionStatus.DONE)
        .filter(case__in=cases_visible_to(user))
        .select_related("case__account")
        .order_by("-done_at", "-id")[:RECENTLY_DONE]
    )
    return MyTasks(open=rows, recently_done=list(done))


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def task_item(*, user: User, item_id: int) -> ActionItem | None:
    """An action item `user` may work on from their tasks: one of a case they may see."""
    return (
        ActionItem.objects.filter(pk=item_id, case__in=cases_visible_to(user))
        .select_related("case")
        .first()
    )
