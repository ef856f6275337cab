"""The demo's cases, worked over the past year as a customer success team would have.

Each demo answer goes through the real playbook engine right after it is recorded, in the
order the answers came in. Its case is then worked through the real services (the call,
the action plan, the managers' answer to escalations, the closing with a post-mortem) at
the moments its story sets, drawn from a generator seeded with the answer's external id.
Only the acts whose moment has passed are done: old cases are closed, recent ones are
caught midway, and some are late.

The services stamp what they write with the present. `DemoCases` remembers which moment
of the story each act stood for and, once every case is worked, moves those stamps
(opened, done, raised, acknowledged, closed, the timeline...) to it; due dates are counted
again from the story's opening, as the engine counts them.

Seeding enqueues no task (`core.background.work_done_inline`): the work a worker would
do for these answers is done here, so none is left waiting in the broker.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Count, Model, OuterRef, Subquery
from django.utils import timezone

from accounts.models import Contact, Persona
from core.business_days import add_business_days, parse_holidays
from core.models import LoopSettings, User
from playbooks.models import (
    ActionAudience,
    ActionItem,
    ActionStatus,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStep,
    Escalation,
    Playbook,
    RootCause,
    StepKind,
)
from playbooks.services import notifications, schedule
from playbooks.services.cases import (
    acknowledge_escalation,
    add_action_item,
    close_case,
    complete_step,
    log_call,
    reassign_case,
    resolve_escalation,
    set_action_item_status,
    skip_step,
)
from playbooks.services.engine import process_response
from surveys.models import (
    Category,
    Invitation,
    InvitationStatus,
    Response,
    Suppression,
    Theme,
)

_SEED = "nps-loop-demo-cases"
_RESOLVED, _NOT_RESOLVED, _CHURNED = (
    CaseOutcome.RESOLVED,
    CaseOutcome.NOT_RESOLVED,
    CaseOutcome.CHURNED,
)

# --- what the team heard, did and learned ---------------------------------------------------


@dataclass(frozen=True)
class _Remedy:
    """What a detractor's call reveals about a theme, and what is done about it."""

    heard: tuple[str, ...]
    for_customer: tuple[str, ...]
    internal: tuple[str, ...]
    lesson: str


# Keyed by the names of the shipped themes (surveys/defaults.py).
_REMEDIES = {
    "Billing": _Remedy(
        heard=(
            "Invoices have shown the wrong seat count for months; their finance team spends "
            "hours reconciling each one.",
            "Charged twice in the spring and the credit note took weeks. They want one person "
            "in our billing team to talk to.",
        ),
        for_customer=(
            "Send the corrected invoice and the credit note for the extra seats",
            "Walk their finance contact through the new invoice layout",
        ),
        internal=(
            "Billing: audit the seat count on the account's last four invoices",
            "Finance ops: check seat counts against the contract before invoices go out",
        ),
        lesson="Seat changes must reach billing the same day; until the sync is fixed, a "
        "person checks the seat count before each invoice.",
    ),
    "Single sign-on and security": _Remedy(
        heard=(
            "Their security team blocks the wider rollout until SAML single sign-on with their "
            "directory is in place.",
            "SSO was promised at signature without a date; IT now manages hundreds of "
            "passwords by hand.",
        ),
        for_customer=(
            "Share the SSO release date and sign them up for the beta",
            "Set up a call between their IT admin and our solutions engineer",
        ),
        internal=(
            "Product: add the account to the SSO beta list",
            "Sales engineering: answer the SSO and SCIM part of their security questionnaire",
        ),
        lesson="Sales must not promise SSO at signature without a date on the roadmap.",
    ),
    "Support": _Remedy(
        heard=(
            "Two urgent tickets waited days for a real answer, and they explained the problem "
            "again to each new agent.",
            "First replies feel copy-pasted; they no longer open tickets and call the CSM instead.",
        ),
        for_customer=(
            "Give them a named support contact for the next 90 days",
            "Review their open tickets together every week until the backlog is cleared",
        ),
        internal=(
            "Support lead: review how their last urgent tickets were handled",
            "Support: route the account's tickets to the second-level queue",
        ),
        lesson="An urgent ticket needs a named owner from the first reply, and hand-offs "
        "between agents must carry the history.",
    ),
    "Reporting": _Remedy(
        heard=(
            "Board figures are rebuilt in Excel every month: no view per region, and report "
            "totals that differ from the app.",
            "Their managers cannot get figures per agency, the one thing they bought the tool for.",
        ),
        for_customer=(
            "Build the per-region dashboard with their analyst",
            "Explain in writing why report and dashboard totals differ",
        ),
        internal=(
            "Product: log the per-region reporting request with the account's ARR",
            "Data team: fix the totals that differ between reports and dashboards",
        ),
        lesson="Reporting gaps hurt the people who sign the renewal: review them at every "
        "QBR, not only when they complain.",
    ),
    "Performance and reliability": _Remedy(
        heard=(
            "Monday mornings are slow and large exports time out; two outages hit their peak "
            "season.",
            "Pages take ten seconds at peak hours; their team leads have started keeping "
            "spreadsheets on the side.",
        ),
        for_customer=(
            "Send the incident report for the two outages",
            "Schedule their large exports outside peak hours with them",
        ),
        internal=(
            "Engineering: profile the dashboards the account loads on Monday mornings",
            "Operations: raise the export time limit for large accounts",
        ),
        lesson="Large accounts need a performance review before their peak season, not after it.",
    ),
    "Onboarding and training": _Remedy(
        heard=(
            "Onboarding stopped after three calls; the data migration is still not finished "
            "and nobody set up their workflows.",
            "New team members learn by trial and error; the training sessions were too early "
            "in the project.",
        ),
        for_customer=(
            "Run two workflow set-up sessions with their team leads",
            "Re-import the records that lost their custom fields",
        ),
        internal=(
            "Onboarding: add a 60-day check-in to every new account's plan",
            "Professional services: own the migration clean-up until it is finished",
        ),
        lesson="Onboarding ends when the customer runs on their own, not after a fixed number "
        "of calls.",
    ),
    "Pricing and value": _Remedy(
        heard=(
            "The increase at renewal was hard to justify internally; they use a third of what "
            "they pay for.",
        ),
        for_customer=(
            "Run an adoption review showing where they get more value",
            "Prepare a renewal option matched to their real usage",
        ),
        internal=(
            "Account management: review the uplift with the renewals desk",
            "CS ops: flag accounts using less than half of their seats",
        ),
        lesson="A price increase needs a value review with the customer before it is announced.",
    ),
    "Account management": _Remedy(
        heard=("Nobody from our side had called since the kickoff; they felt left on their own.",),
        for_customer=(
            "Set up a monthly check-in with their champion",
            "Book a usage review with their team leads",
        ),
        internal=(
            "CS: agree a regular touch cadence for the account",
            "CS ops: flag accounts without a meeting in 90 days",
        ),
        lesson="Every account hears from us at least once a quarter, whatever its size.",
    ),
}
_DETRACTOR_THEMES = tuple(_REMEDIES)

# The root cause a case of each theme closes with (playbooks/cause_defaults.py).
_ROOT_CAUSES = {
    "Billing": ("Product", "Billing errors"),
    "Pricing and value": ("Commercial", "Pricing"),
    "Support": ("Support", "Response time"),
    "Single sign-on and security": ("Product", "Missing feature"),
    "Reporting": ("Product", "Missing feature"),
    "Performance and reliability": ("Product", "Performance and reliability"),
    "Onboarding and training": ("Onboarding", "Training"),
    "Missing features": ("Product", "Missing feature"),
    "Account management": ("Relationship", "CSM availability"),
    "Ease of use": ("Product", "Ease of use"),
}
_SECOND_CAUSES = {
    ("Support", "Response time"): ("Support", "Quality of answers"),
    ("Product", "Missing feature"): ("Commercial", "Contract and renewal"),
    ("Relationship", "CSM availability"): ("Relationship", "Communication"),
    ("Product", "Performance and reliability"): ("Product", "Bugs and defects"),
}
_CHURN_CAUSE = ("Customer context", "Budget or reorganisation")
_UNREACHABLE_CAUSE = (None, "Other")
_NOTHING_TO_FIX = (None, "Nothing to fix")


@dataclass(frozen=True)
class _Wish:
    """The one thing a passive misses, and what the CSM did about it."""

    heard: str
    touch: str
    internal: str


_WISHES = {
    "Missing features": _Wish(
        heard="The one thing that would make it a 10: a Teams integration and a usable mobile app.",
        touch="Shared the roadmap dates for the Teams integration and invited them to the beta.",
        internal="Product: log the Teams integration request with the account's ARR",
    ),
    "Account management": _Wish(
        heard="They have not heard from us since the kickoff and would like a yearly review "
        "of how they use the product.",
        touch="Booked a usage review with their team leads for next month.",
        internal="CS: add the account to the quarterly check-in list",
    ),
    "Pricing and value": _Wish(
        heard="They like the product but this year's increase was hard to justify; they use "
        "only part of it.",
        touch="Sent a short adoption report with three features that fit their team.",
        internal="Renewals desk: prepare an option matched to their real usage",
    ),
    "Ease of use": _Wish(
        heard="New hires take too long to find their way around; the set-up screens confuse them.",
        touch="Sent the new-hire training videos and ran a refresher for their team leads.",
        internal="Product: share the confusing set-up screens with the design team",
    ),
    "Reporting": _Wish(
        heard="Reports are fine, but they would love figures per region without exporting "
        "to Excel.",
        touch="Showed their analyst how to build the per-region view with saved filters.",
        internal="Product: log the per-region reporting request",
    ),
    "Support": _Wish(
        heard="Support is competent but first replies are slow; a faster first answer would "
        "make it a 9.",
        touch="Introduced them to the support lead and shared the priority guidelines.",
        internal="Support: review first-reply times for the account's tickets",
    ),
}
_PASSIVE_THEMES = tuple(_WISHES)

_NOT_REACHED = (
    "Voicemail; left a message and sent an email with two slots.",
    "No answer; their assistant said they are travelling this week.",
    "The number on file no longer works; asked the champion for a new one.",
)
_SHARED = (
    "Shared what we heard and the plan with {name}, the champion.",
    "Walked {name} (champion) through the feedback; they will relay it internally.",
)
_SHARE_SKIPS = (
    "Small team: the person who answered is our only contact there.",
    "The champion is on leave; the plan went to the team lead instead.",
    "Already discussed with the champion in our weekly call.",
)
_THANKS = (
    "Sent a personal thank-you note.",
    "Thanked them by phone; they mentioned the support team by name.",
    "Wrote a short thank-you and passed the praise on to the team.",
)
_ASKED = (
    "Agreed to write a review on a software marketplace.",
    "Happy to take a reference call with a prospect.",
    "Agreed to a short case study with marketing.",
)
_ASK_SKIPS = (
    "Already a reference for two deals this quarter.",
    "Company policy: no public reviews.",
    "Too early: they asked us to come back after their renewal.",
)
_AFTERWARDS = {
    _RESOLVED: (
        "the customer confirmed the problem is solved and thanked the team.",
        "the champion says the team trusts us again.",
    ),
    _NOT_RESOLVED: (
        "the fix is still pending; the customer is patient but watching closely.",
        "they appreciated the call, but the underlying problem remains.",
    ),
    _CHURNED: (
        "they decided not to renew despite the plan; the feedback went to product and sales.",
    ),
}
_PASSIVE_AFTERWARDS = {
    _RESOLVED: "they said it made a real difference.",
    _NOT_RESOLVED: "glad we called, but what they miss is not on the roadmap yet.",
}
_RESOLUTIONS = {
    _RESOLVED: (
        "Plan delivered; the customer confirmed things are back on track.",
        "Spoke with the exec sponsor myself; the relationship is stable again.",
    ),
    _NOT_RESOLVED: ("The fix is not there yet: the account stays on the renewal risk list.",),
    _CHURNED: ("They will not renew; the loss is in the forecast.",),
    CaseOutcome.UNREACHABLE: (
        "Nobody answers at the customer: the account is on the risk list, sales is told.",
    ),
}

# --- the moments of a story ---------------------------------------------------------------


class _Clock:
    """Which moment of the story each act stands for, and when it really ran."""

    def __init__(self) -> None:
        self._ran: list[dt.datetime] = []
        self._story: list[dt.datetime] = []

    def act_at(self, moment: dt.datetime) -> None:
        """What the services write from now until the next act belongs to `moment`."""
        self._ran.append(timezone.now())
        self._story.append(moment)

    def story_time(self, stamp: dt.datetime | None) -> dt.datetime | None:
        """The story's moment for a stamp the services wrote; earlier values are the story's."""
        if stamp is None or not self._ran or stamp < self._ran[0]:
            return stamp
        return self._story[bisect_right(self._ran, stamp) - 1]


@dataclass(frozen=True)
class _Act:
    moment: dt.datetime
    do: Callable[[], Any]


def _office_time(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """`moment` if people are at work then, else early on the next working morning."""
    local = timezone.localtime(moment)
    if local.hour >= 18 or local.weekday() >= 5:
        local += dt.timedelta(days=1)
        while local.weekday() >= 5:
            local += dt.timedelta(days=1)
        local = local.replace(hour=8)
    if local.hour < 8:
        local = local.replace(hour=8, minute=rng.randrange(60))
    return local


class DemoCases:
    """Opens the cases of the demo answers, works them up to today, then dates them."""

    def __init__(self, *, manager: User, csms: Sequence[User]) -> None:
        self.now = timezone.now()
        self.manager, self.csms = manager, tuple(csms)
        self.clock = _Clock()
        self.opened: list[int] = []
        loop = LoopSettings.current()
        self._working_days = loop.working_days
        self._holidays = parse_holidays(loop.holidays)
        self.themes = {theme.name: theme for theme in Theme.objects.filter(active=True)}
        self.root_causes = {
            (cause.parent.name if cause.parent else None, cause.name): cause
            for cause in RootCause.objects.closable().select_related("parent")
        }
        self._due_in_days: dict[int, dict[int, int | None]] = {}
        # Written with the other dates at the end: no service reads them meanwhile.
        self.sla_due_at: dict[int, dt.datetime | None] = {}
        self.step_due_at: dict[int, dt.datetime | None] = {}

    def open_and_work(self, *, response_id: int, answered_at: dt.datetime, seed: str) -> None:
        """Process the answer as the worker would, then work its case up to today."""
        rng = random.Random(f"{_SEED}-{seed}")
        opened = answered_at + dt.timedelta(minutes=rng.randint(2, 180))
        opened = min(opened, self.now - dt.timedelta(minutes=1))
        self.clock.act_at(opened)
        # In the story the answer arrived when it was given: it is followed up, not history.
        processed = process_response(response_id=response_id, arrived_at=opened)
        if processed.already or processed.case_id is None:
            return  # a worker was faster, or no playbook wants the answer
        case = Case.objects.select_related(
            "response", "account", "contact", "owner", "playbook"
        ).get(pk=processed.case_id)
        steps = self._count_due_dates(case, opened)
        story = _Story(case=case, steps=steps, opened=opened, rng=rng, team=self)
        for act in sorted(story.acts, key=lambda act: act.moment):
            if act.moment >= self.now:
                break
            self.clock.act_at(act.moment)
            act.do()
        self.opened.append(case.pk)

    def finish(self) -> int:
        """Move what the services stamped to the story's moments; returns the cases opened."""
        _date_the_story(
            self.clock, self.opened, sla_due_at=self.sla_due_at, step_due_at=self.step_due_at
        )
        return len(self.opened)

    def _count_due_dates(self, case: Case, opened: dt.datetime) -> list[CaseStep]:
        """The case's steps, with the SLA and due dates counted from the story's opening."""
        due_in_days = self._due_in_days_of(case.playbook)
        case.sla_due_at = self._due(opened, case.playbook.sla_business_days)
        self.sla_due_at[case.pk] = case.sla_due_at
        steps = list(case.steps.all())
        for step in steps:
            step.due_at = self._due(opened, due_in_days.get(step.position))
            self.step_due_at[step.pk] = step.due_at
        return steps

    def _due_in_days_of(self, playbook: Playbook) -> dict[int, int | None]:
        # The engine numbers a case's steps 1, 2, ... in the playbook's order.
        if playbook.pk not in self._due_in_days:
            days = playbook.steps.values_list("due_in_days", flat=True)
            self._due_in_days[playbook.pk] = dict(enumerate(days, start=1))
        return self._due_in_days[playbook.pk]

    def _due(self, start: dt.datetime, days: int | None) -> dt.datetime | None:
        if days is None:
            return None
        return add_business_days(
            timezone.localtime(start),
            days,
            working_days=self._working_days,
            holidays=self._holidays,
        )


# --- one case's story ---------------------------------------------------------------------


class _Story:
    """The acts of one case, from its opening to its closing, each at its moment."""

    def __init__(
        self,
        *,
        case: Case,
        steps: list[CaseStep],
        opened: dt.datetime,
        rng: random.Random,
        team: DemoCases,
    ) -> None:
        self.case, self.steps, self.opened, self.rng, self.team = case, steps, opened, rng, team
        # The manager's own draws: how the owner's work goes does not change her answers.
        self.manager_rng = random.Random(rng.getrandbits(32))
        self.acts: list[_Act] = []
        self.items: dict[int, ActionItem] = {}
        self.owner = case.owner
        self.escalations = list(case.escalations.all())
        self._deliver_notifications()
        start = self._take_over()
        if case.category == Category.DETRACTOR:
            self._detractor(start)
        elif case.category == Category.PASSIVE:
            self._passive(start)
        else:
            self._promoter(start)

    # -- helpers

    def _at(self, moment: dt.datetime, do: Callable[[], Any]) -> None:
        self.acts.append(_Act(moment, do))

    def _later(
        self, start: dt.datetime, low: float, high: float, rng: random.Random | None = None
    ) -> dt.datetime:
        """A moment `low` to `high` hours after `start`, moved into office hours."""
        rng = rng or self.rng
        moment = start + dt.timedelta(hours=rng.uniform(low, high))
        return _office_time(moment, rng)

    def _steps(self, kind: str) -> list[CaseStep]:
        return [step for step in self.steps if step.kind == kind and step.is_open]

    def _step(self, kind: str) -> CaseStep | None:
        return next(iter(self._steps(kind)), None)

    def _first_contact(
        self, start: dt.datetime, due: dt.datetime | None, on_time: float
    ) -> dt.datetime:
        """When the owner first reaches out: mostly well within the SLA, sometimes late."""
        if due is not None and self.rng.random() >= on_time:
            return self._later(due, 2, 40)
        return self._later(start, 1, 14)

    # -- what the system and the managers do

    def _deliver_notifications(self) -> None:
        """The worker sends the notifications and escalation emails within the minute."""
        moment = self.opened + dt.timedelta(seconds=self.rng.randint(20, 90))
        for step in self.steps:
            if step.kind in (StepKind.NOTIFY, StepKind.ACKNOWLEDGE):
                self._at(moment, partial(_deliver, notifications.deliver_step, step_id=step.pk))
        for escalation in self.escalations:
            self._at(
                moment,
                partial(_deliver, notifications.deliver_escalation, escalation_id=escalation.pk),
            )

    def _take_over(self) -> dt.datetime:
        """A case the managers hold is given to a CSM; the work starts then."""
        if self.owner is not None or not self.team.csms:
            return self.opened
        self.owner = self.rng.choice(self.team.csms)
        moment = self._later(self.opened, 1, 8)
        self._at(
            moment,
            partial(reassign_case, case=self.case, actor=self.team.manager, owner=self.owner),
        )
        return moment

    def _escalations(self, *, plan_done: dt.datetime, outcome: str) -> None:
        """The manager acknowledges the case's escalations within the day (within the week
        when busy), and resolves them once the plan is delivered."""
        if not self.escalations:
            return
        rng = self.manager_rng
        slow = rng.random() < 0.3
        acknowledged = self._later(self.opened, *((48, 200) if slow else (1, 20)), rng=rng)
        resolved = max(self._later(plan_done, 1, 24, rng), acknowledged + dt.timedelta(hours=1))
        resolution = rng.choice(_RESOLUTIONS[outcome])
        manager = self.team.manager
        for escalation in self.escalations:
            act = partial(acknowledge_escalation, escalation=escalation, actor=manager)
            self._at(acknowledged, act)
            act = partial(
                resolve_escalation, escalation=escalation, actor=manager, resolution=resolution
            )
            self._at(resolved, act)

    # -- what the owner does

    def _calls(self, first: dt.datetime, *, themes: list[Theme], notes: str) -> dt.datetime:
        """Log the qualification call, after a missed attempt now and then; returns when the
        customer was reached."""
        step = self._step(StepKind.QUALIFICATION_CALL)
        if step is None:
            return first
        if self.rng.random() < 0.3:
            missed = partial(
                log_call,
                step=step,
                actor=self.owner,
                reached=False,
                called_at=first,
                notes=self.rng.choice(_NOT_REACHED),
            )
            self._at(first, missed)
            first = self._later(first, 3, 30)
        reached = partial(
            log_call,
            step=step,
            actor=self.owner,
            reached=True,
            called_at=first,
            themes=themes,
            notes=notes,
        )
        self._at(first, reached)
        return first

    def _share_with_champion(self, after: dt.datetime) -> None:
        step = self._step(StepKind.SHARE_WITH_CHAMPION)
        draw = self.rng.random()
        if step is None or draw >= 0.8:
            return  # left open: closing the case skips it
        champion = (
            Contact.objects.filter(account=self.case.account_id, persona=Persona.CHAMPION)
            .exclude(pk=self.case.contact_id)
            .first()
            if self.case.account_id
            else None
        )
        if draw < 0.6 and champion is not None:
            note = self.rng.choice(_SHARED).format(name=champion.name)
            act = partial(complete_step, step=step, actor=self.owner, note=note)
            self._at(self._later(after, 2, 50), act)
        else:
            reason = self.rng.choice(_SHARE_SKIPS)
            act = partial(skip_step, step=step, actor=self.owner, reason=reason)
            self._at(self._later(after, 1, 20), act)

    def _plan(
        self, after: dt.datetime, planned: list[tuple[str, str, User]]
    ) -> tuple[dt.datetime, list[str]]:
        """Add the action plan's items and see them through; returns when the last one ended,
        and the items done (the first always is: a plan with none done is not complete)."""
        added = self._later(after, 0.2, 24)
        ended, done = added, []
        stalled = self.rng.random() < 0.05
        for index, (audience, text, owner) in enumerate(planned):
            due = timezone.localtime(added).date() + dt.timedelta(days=self.rng.randint(3, 10))
            add = partial(
                self._add_item,
                index,
                audience=audience,
                text=text,
                owner=owner,
                due_date=due,
            )
            self._at(added + dt.timedelta(minutes=index), add)
            status = ActionStatus.DONE
            if index and self.rng.random() < 0.08:
                status = ActionStatus.CANCELLED
            low, high = (24 * 30, 24 * 60) if stalled and index == 0 else (20, 260)
            end = self._later(added, low, high)
            started = _office_time(added + (end - added) * self.rng.uniform(0.1, 0.6), self.rng)
            if self.rng.random() < 0.5 and started < end:
                self._at(started, partial(self._move_item, index, ActionStatus.IN_PROGRESS))
            self._at(end, partial(self._move_item, index, status))
            ended = max(ended, end)
            if status == ActionStatus.DONE:
                done.append(text)
        return ended, done

    def _add_item(self, index: int, **fields: Any) -> None:
        self.items[index] = add_action_item(case=self.case, actor=self.owner, **fields)

    def _move_item(self, index: int, status: str) -> None:
        set_action_item_status(item=self.items[index], actor=self.owner, status=status)

    def _ask_for_follow_up(self, plan_done: dt.datetime) -> dt.datetime | None:
        """Two weeks after the plan, the sweep lets the customer be surveyed again."""
        step = self._step(StepKind.FOLLOW_UP_SURVEY)
        if step is None or self.rng.random() >= 0.4:
            return None
        delay = int(step.options.get("delay_days", schedule.DEFAULT_FOLLOW_UP_DELAY_DAYS))
        moment = plan_done + dt.timedelta(days=delay, minutes=self.rng.randint(1, 30))
        self._at(moment, partial(self._request_follow_up, step, moment))
        return moment

    def _request_follow_up(self, step: CaseStep, moment: dt.datetime) -> None:
        Case.objects.filter(pk=self.case.pk).update(follow_up_due_at=moment)
        schedule.request_follow_up(case_id=self.case.pk)
        # Dated now rather than at the end: the contact's later answers, processed next,
        # link back only to a request made before they answered.
        Case.objects.filter(pk=self.case.pk).update(follow_up_requested_at=moment)
        _send_follow_up_in_the_past(step, moment)

    def _do_tasks(
        self, first: dt.datetime, notes: Sequence[str], skips: Sequence[str] = ()
    ) -> tuple[dt.datetime, list[str]]:
        """Do the playbook's tasks in order, the first at `first`; an optional one may be
        skipped or left open. Returns when the last one was done, and the notes written."""
        last, written = first, []
        for index, step in enumerate(self._steps(StepKind.TASK)):
            note = notes[index] if index < len(notes) else ""
            draw = self.rng.random()
            if step.required or draw < 0.5:
                last = self._later(last, 4, 100) if index else first
                self._at(last, partial(complete_step, step=step, actor=self.owner, note=note))
                written.append(note)
            elif draw < 0.7 and skips:
                reason = self.rng.choice(skips)
                act = partial(skip_step, step=step, actor=self.owner, reason=reason)
                self._at(self._later(last, 2, 48), act)
        return last, written

    def _close(
        self,
        moment: dt.datetime,
        outcome: str,
        post_mortem: str,
        cause: tuple[str | None, str] = _NOTHING_TO_FIX,
    ) -> None:
        """Close the case at `moment`, or once the story's last other act is done, with the
        root cause named (cause, sub-cause)."""
        last = max((act.moment for act in self.acts), default=moment)
        moment = max(moment, last + dt.timedelta(minutes=self.rng.randint(5, 60)))
        root_causes = self.team.root_causes
        root_cause = root_causes.get(cause) or root_causes.get(_UNREACHABLE_CAUSE)
        act = partial(
            close_case,
            case=self.case,
            actor=self.owner,
            outcome=outcome,
            post_mortem=post_mortem,
            root_cause=root_cause,
        )
        self._at(moment, act)

    def _cause_of(self, theme: Theme | None, outcome: str) -> tuple[str | None, str]:
        """The root cause a CSM would pick for what the call revealed. Drawn apart from the
        story's own draws, which stay the same whatever is drawn here."""
        draw = random.Random(f"{_SEED}-cause-{self.case.response_id}").random()
        if outcome == _CHURNED and draw < 0.5:
            return _CHURN_CAUSE
        cause = _ROOT_CAUSES.get(theme.name if theme else "Account management", _UNREACHABLE_CAUSE)
        if cause in _SECOND_CAUSES and draw < 0.3:
            return _SECOND_CAUSES[cause]
        return cause

    def _heard(self, candidates: Sequence[str]) -> Theme | None:
        """The reason the call brings out: the comment's theme, else the account's usual
        complaint, else one of `candidates`."""
        known = [t for t in self.case.response.themes.all() if t.name in candidates]
        if known:
            return known[0]
        if self.case.account_id is not None:
            usual = (
                Theme.objects.filter(
                    responses__account=self.case.account_id,
                    responses__category=self.case.category,
                    name__in=candidates,
                )
                .annotate(answers=Count("responses"))
                .order_by("-answers", "name")
                .first()
            )
            if usual is not None:
                return usual
        present = [name for name in candidates if name in self.team.themes]
        return self.team.themes[self.rng.choice(present)] if present else None

    # -- the three kinds of case

    def _detractor(self, start: dt.datetime) -> None:
        if self.rng.random() < 0.05:
            self._never_reached(start)
            return
        theme = self._heard(_DETRACTOR_THEMES)
        remedy = _REMEDIES[theme.name if theme else "Account management"]
        outcome = self.rng.choices((_RESOLVED, _NOT_RESOLVED, _CHURNED), weights=(62, 32, 6))[0]
        first = self._first_contact(start, self.case.sla_due_at, on_time=0.85)
        heard = self.rng.choice(remedy.heard)
        reached = self._calls(first, themes=[theme] if theme else [], notes=heard)
        self._share_with_champion(reached)
        escalated = bool(self.escalations)
        planned = [
            (ActionAudience.CUSTOMER, text, self.owner)
            for text in self.rng.sample(remedy.for_customer, self.rng.randint(1, 2))
        ] + [
            (ActionAudience.INTERNAL, text, self.team.manager if escalated else self.owner)
            for text in self.rng.sample(remedy.internal, self.rng.randint(1, 2))
        ]
        plan_done, done = self._plan(reached, planned)
        asked = self._ask_for_follow_up(plan_done) if outcome != _CHURNED else None
        if asked is None:
            closing = self._later(plan_done, 4, 120)
        elif self.rng.random() < 0.85:
            closing = self._later(asked, 48, 240)
        else:
            closing = self._later(asked, 24 * 60, 24 * 120)  # still waits for the answer
        self._escalations(plan_done=plan_done, outcome=outcome)
        post_mortem = "\n".join(
            (
                f"What happened: {heard}",
                f"What we did: {'; '.join(done)}.",
                f"Afterwards: {self.rng.choice(_AFTERWARDS[outcome])}",
                f"What should change: {remedy.lesson}",
            )
        )
        self._close(closing, outcome, post_mortem, self._cause_of(theme, outcome))

    def _never_reached(self, start: dt.datetime) -> None:
        """Three calls over a week, no answer: the case closes as unreachable."""
        step = self._step(StepKind.QUALIFICATION_CALL)
        if step is None:
            return
        moment = self._first_contact(start, self.case.sla_due_at, on_time=0.85)
        for _ in range(3):
            attempt = partial(
                log_call,
                step=step,
                actor=self.owner,
                reached=False,
                called_at=moment,
                notes=self.rng.choice(_NOT_REACHED),
            )
            self._at(moment, attempt)
            moment = self._later(moment, 30, 60)
        self._escalations(plan_done=moment, outcome=CaseOutcome.UNREACHABLE)
        self._close(
            moment,
            CaseOutcome.UNREACHABLE,
            "Three calls and two emails over a week, no answer; the champion did not reply "
            "either. The account is flagged to sales before the renewal.",
            _UNREACHABLE_CAUSE,
        )

    def _passive(self, start: dt.datetime) -> None:
        theme = self._heard(_PASSIVE_THEMES)
        wish = _WISHES[theme.name if theme else "Account management"]
        first = self._first_contact(start, self.case.sla_due_at, on_time=0.85)
        reached = self._calls(first, themes=[theme] if theme else [], notes=wish.heard)
        last, _ = self._do_tasks(self._later(reached, 4, 140), [wish.touch])
        if self.rng.random() < 0.25:
            planned = [(ActionAudience.INTERNAL, wish.internal, self.owner)]
            last = max(last, self._plan(reached, planned)[0])
        outcome = _RESOLVED if self.rng.random() < 0.75 else _NOT_RESOLVED
        post_mortem = "\n".join(
            (
                f"What they miss: {wish.heard}",
                f"What we did: {wish.touch}",
                f"Afterwards: {_PASSIVE_AFTERWARDS[outcome]}",
            )
        )
        # Half of what passives miss is a real gap; the rest is noted, nothing to fix.
        gap = self.case.response_id % 2 == 0
        cause = self._cause_of(theme, outcome) if gap else _NOTHING_TO_FIX
        self._close(self._later(last, 2, 72), outcome, post_mortem, cause)

    def _promoter(self, start: dt.datetime) -> None:
        tasks = self._steps(StepKind.TASK)
        thanked = self._first_contact(start, tasks[0].due_at if tasks else None, on_time=0.9)
        asked = self.rng.choice(_ASKED)
        last, written = self._do_tasks(thanked, [self.rng.choice(_THANKS), asked], _ASK_SKIPS)
        name = self.case.contact.name.split(" ")[0] or self.case.contact.email
        answer = asked if asked in written else "No review or reference asked for this time."
        self._close(self._later(last, 1, 48), _RESOLVED, f"Thanked {name} personally. {answer}")


def _deliver(deliver: Callable[..., bool], **ids: int) -> None:
    """Deliver a notification of the past: stamped and on the timeline, but not sent.

    The demo's staff and customers (and a Slack channel) would otherwise get hundreds of
    messages at once.
    """
    deliver(send=False, **ids)


def _send_follow_up_in_the_past(step: CaseStep, moment: dt.datetime) -> None:
    """The follow-up email of a past request went out back then, not when the demo is seeded
    (a worker would otherwise send them all at once). One deferred by the throttling
    window went out when the window ended, unless that is still to come."""
    invitation_id = CaseStep.objects.get(pk=step.pk).result.get("invitation")
    invitation = Invitation.objects.filter(
        pk=invitation_id, status=InvitationStatus.SCHEDULED
    ).first()
    if invitation is None:
        return
    now = timezone.now()
    if invitation.scheduled_for > now:
        return
    deferred = invitation.scheduled_for < now - dt.timedelta(minutes=1)
    sent_at = invitation.scheduled_for if deferred else moment
    Invitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.SENT,
        scheduled_for=sent_at,
        sent_at=sent_at,
        expires_at=sent_at + dt.timedelta(days=30),
        attempts=1,
    )


# --- dating what the services wrote -------------------------------------------------------

_CASE_STAMPS = (
    "opened_at",
    "first_contact_at",
    "closed_at",
    "plan_completed_at",
    "follow_up_requested_at",
    "won_back_at",
    "created_at",
    "updated_at",
)
_STAMPED = (
    (CaseEvent, ("created_at",)),
    (ActionItem, ("created_at", "done_at")),
    (Escalation, ("raised_at", "acknowledged_at", "resolved_at", "notified_at")),
    (Suppression, ("starts_at", "lifted_at", "created_at")),
)
# Moments the services write into a step's result (360° snapshot, deliveries, follow-up).
_RESULT_STAMPS = ("taken_at", "queued_at", "emailed_at", "sent_at", "requested_at")


def _date_the_story(
    clock: _Clock,
    case_ids: list[int],
    *,
    sla_due_at: dict[int, dt.datetime | None],
    step_due_at: dict[int, dt.datetime | None],
) -> None:
    """Date every row the story's acts wrote at the moment of the act that wrote it, and
    set the due dates counted from the story's opening."""
    cases = list(Case.objects.filter(pk__in=case_ids).only("pk", "follow_up_due_at", *_CASE_STAMPS))
    now = timezone.now()
    for case in cases:
        delay = (
            case.follow_up_due_at - case.plan_completed_at
            if case.follow_up_due_at and case.plan_completed_at
            else None
        )
        _move(clock, case, _CASE_STAMPS)
        case.sla_due_at = sla_due_at[case.pk]
        # A follow-up the story did not ask for and whose date is past stays unasked: the
        # worker would otherwise survey these customers all at once.
        due = case.plan_completed_at + delay if delay is not None else None
        if case.follow_up_requested_at is None and due is not None and due <= now:
            due = None
        case.follow_up_due_at = (
            due if case.follow_up_requested_at is None else case.follow_up_due_at
        )
    _write_back(Case, cases, [*_CASE_STAMPS, "sla_due_at", "follow_up_due_at"])
    steps = list(CaseStep.objects.filter(case__in=case_ids).only("pk", "done_at", "result"))
    for step in steps:
        _move(clock, step, ("done_at",))
        step.due_at = step_due_at[step.pk]
        for key in _RESULT_STAMPS:
            with suppress(KeyError, TypeError, ValueError):
                stamp = dt.datetime.fromisoformat(step.result[key])
                step.result[key] = clock.story_time(stamp).isoformat()
    _write_back(CaseStep, steps, ["done_at", "due_at", "result"])
    for model, fields in _STAMPED:
        rows = model.objects.filter(case__in=case_ids).only("pk", *fields)
        moved = [row for row in rows if _move(clock, row, fields)]
        _write_back(model, moved, fields)
    # An answer was recorded and processed when its case opened.
    opened = Subquery(
        Case.objects.current().filter(response=OuterRef("pk")).values("opened_at")[:1]
    )
    Response.objects.filter(cases__in=case_ids).update(
        created_at=opened, updated_at=opened, processed_at=opened
    )


def _write_back(model: type[Model], rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of `rows` back, each from its own row: one UPDATE joined to the
    values unnested from arrays, a statement whose cost grows with the rows, where
    `bulk_update`'s CASE of one branch per row makes it grow with their square."""
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        arrays = [f"unnest(%s::{meta.pk.db_type(connection)}[]) AS pk"]
        params: list[list[Any]] = [[row.pk for row in chunk]]
        for position, column in enumerate(columns):
            arrays.append(f"unnest(%s::{column.db_type(connection)}[]) AS v{position}")
            params.append(
                [column.get_db_prep_save(getattr(row, column.attname), connection) for row in chunk]
            )
        assignments = ", ".join(
            f"{connection.ops.quote_name(column.column)} = v.v{position}"
            for position, column in enumerate(columns)
        )
        # Names and types come from the model, quoted; every value is a parameter.
        statement = (
            f"UPDATE {connection.ops.quote_name(meta.db_table)} AS t SET {assignments} "  # noqa: S608
            f"FROM (SELECT {', '.join(arrays)}) AS v "
            f"WHERE t.{connection.ops.quote_name(meta.pk.column)} = v.pk"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)


def _move(clock: _Clock, row: Any, fields: Sequence[str]) -> bool:
    """Move the row's stamps to the story; False when none was the services'."""
    moved = False
    for name in fields:
        value = getattr(row, name)
        story = clock.story_time(value)
        if story != value:
            setattr(row, name, story)
            moved = True
    return moved
