"""The playbook engine: an answer in, a case with its steps out, automatic steps run.

`process_response` is what the Celery task calls. It runs in one transaction,
with the answer's row locked, so that two workers given the same answer (a
retried task, the periodic re-enqueue) serialise and the second finds it
processed; the one-case-per-answer unique constraint backs that up. Emails and
Slack posts are only queued here, on commit: no transaction waits on the network.

The engine must keep up with bursts (an import of ten thousand detractors): an answer
costs one query to lock and read everything it needs, and one write per table
(tests/playbooks/test_engine_queries.py pins it to 8 statements). `process_responses`
does a batch (an import's) in one transaction: one query locks and reads all its
answers, and its cases, steps and timelines are written one statement per table.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Account, Persona
from core.business_days import add_business_days, parse_holidays
from core.models import ExchangeRate, LoopSettings
from core.money import convert
from playbooks import escalation_rules, risk
from playbooks.defaults import said_name
from playbooks.models import (
    AUTOMATIC_STEP_KINDS,
    OPEN_CASE_STATUSES,
    AssigneeKind,
    Case,
    CaseAnswer,
    CaseEvent,
    CasePriority,
    CaseStatus,
    CaseStep,
    Escalation,
    EscalationRule,
    Playbook,
    PlaybookStep,
    StepKind,
    StepStatus,
)
from playbooks.selectors import (
    account_detractors_since,
    active_playbooks,
    answer_history,
    escalation_windows,
    playbook_for,
    snapshot_360,
)
from playbooks.selectors.cases import HISTORY_FIELDS
from playbooks.selectors.risk import account_arr
from playbooks.services import announcements
from playbooks.services.cases import (
    record_event,
    supersede_case,
    suppression_for_case,
    widen_suppression_to_account,
)
from playbooks.services.notices import tell_answer_joined, tell_follow_up_answered
from playbooks.services.notifications import queue_escalation_emails, queue_step_delivery
from playbooks.services.risk import refresh_risk_base
from playbooks.timeline import Said, choice, phrase, say, sentences, someone
from surveys.history import case_window_days, is_history
from surveys.models import Category, Response
from surveys.services.themes import tag_themes
from webhooks.services.outbox import Announcement, emit_many

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)

CATEGORY_RANK = {Category.DETRACTOR: 0, Category.PASSIVE: 1, Category.PROMOTER: 2}
BASE_PRIORITY = {
    Category.DETRACTOR: CasePriority.NORMAL,
    Category.PASSIVE: CasePriority.LOW,
    Category.PROMOTER: CasePriority.LOW,
}


@dataclass(frozen=True)
class Processed:
    """What processing an answer did; `already` when an earlier run had done it."""

    response_id: int
    case_id: int | None
    already: bool = False


def process_response(*, response_id: int, arrived_at: dt.datetime | None = None) -> Processed:
    """Classify, tag, open the case with its steps, run the automatic steps, mark processed.

    An answer that is history (`surveys.history`: given more than the case window before
    it arrived, by default when NPS Loop stored it) is tagged and marked processed, but
    opens no case. A second run (or a concurrent one) finds the answer processed and does
    nothing.
    """
    playbooks = active_playbooks()
    with transaction.atomic():
        response = _locked_answer(response_id, playbooks)
        if response is None:
            logger.warning("process_response: answer %s does not exist (deleted?)", response_id)
            return Processed(response_id=response_id, case_id=None, already=True)
        return _process_locked(response, playbooks, arrived_at=arrived_at)


@dataclass(frozen=True)
class ProcessedBatch:
    """What processing a batch did: the answers processed (or found processed), and those
    left to be processed one by one (another run held them, or they are gone)."""

    processed: list[Processed]
    left: list[int]


def process_responses(*, response_ids: list[int]) -> ProcessedBatch:
    """Process a batch of answers (an import's, the minute sweep's) in one transaction: one
    query locks and reads them all, one statement marks them processed, one commit writes
    them all. Answers another transaction holds are skipped rather than waited for: the
    caller processes them one by one. Any error rolls the whole batch back and is raised:
    the caller then processes the answers one by one, each failing (or not) on its own.
    """
    playbooks = active_playbooks()
    with transaction.atomic():
        answers = {
            answer.pk: answer
            for answer in _annotated_answers(response_ids, playbooks).select_for_update(
                of=("self",), skip_locked=True
            )
        }
        writes = _CaseWrites()
        processed = []
        for response_id in response_ids:
            if response_id not in answers:
                continue
            answer = answers[response_id]
            # The cases this batch opened at the account count among its other open cases,
            # as they would had each answer been processed alone.
            opened_here = writes.open_cases_at(answer.account_id)
            answer.history_open_cases = [*opened_here, *answer.history_open_cases][:20]
            processed.append(
                _process_locked(answer, playbooks, mark_processed=False, writes=writes)
            )
        writes.write()
        Response.objects.filter(
            pk__any_of=[outcome.response_id for outcome in processed if not outcome.already]
        ).update(processed_at=timezone.now())
    left = [response_id for response_id in response_ids if response_id not in answers]
    return ProcessedBatch(processed=processed, left=left)


def _process_locked(
    response: Response,
    playbooks: list[Playbook],
    *,
    arrived_at: dt.datetime | None = None,
    mark_processed: bool = True,
    writes: _CaseWrites | None = None,
) -> Processed:
    """Process an answer whose row this transaction locked (`_annotated_answers`); unless
    told not to (a batch marks its answers at once), mark it processed."""
    response_id = response.pk
    if response.processed_at is not None:
        current = Case.objects.current().filter(response=response)
        case_id = current.values_list("pk", flat=True).first()
        if case_id is None:
            joined = CaseAnswer.objects.filter(response=response).values_list("case_id", flat=True)
            case_id = joined.first()
        return Processed(response_id=response_id, case_id=case_id, already=True)

    tag_themes(response=response, tagged=response.tagged_theme_ids)
    history = is_history(
        answered_at=response.answered_at,
        arrived_at=arrived_at or response.created_at,
        window_days=case_window_days(),
    )
    if response.follow_up_case_id is not None:
        _link_follow_up(response, history=history)
    playbook = None if history else playbook_for(response=response, playbooks=playbooks)
    case = None
    if playbook is not None and playbook.group_by_account and response.account_id is not None:
        case = _join_open_case(response=response, playbook=playbook, writes=writes)
    if playbook is not None and case is None:
        case = open_case(response=response, playbook=playbook, writes=writes)
    if history:
        logger.info(
            "answer %s is history (answered %s, arrived %s): no case opened",
            response.pk,
            response.answered_at.isoformat(),
            (arrived_at or response.created_at).isoformat(),
        )
    elif playbook is None:
        logger.warning(
            "no active playbook matches answer %s (score %s): no case opened",
            response.pk,
            response.score,
        )
    if mark_processed:
        Response.objects.filter(pk=response.pk).update(processed_at=timezone.now())
    logger.info(
        "answer processed id=%s case=%s playbook=%s",
        response_id,
        case.pk if case else None,
        playbook.pk if playbook else None,
    )
    return Processed(response_id=response_id, case_id=case.pk if case else None)


class CaseAlreadyOpen(Exception):  # noqa: N818 - a refusal, not an error
    """The answer has a current case already: one answer, one case."""

    def __init__(self, case_id: int) -> None:
        super().__init__(f"The answer has case #{case_id} already.")
        self.case_id = case_id


def open_case_by_hand(*, response_id: int, playbook: Playbook, actor: User) -> Case:
    """Open a case for an answer that has none, with the playbook someone chose: a promoter
    to thank, a passive to win over, a history answer after all. The case is the one the
    engine would open (360° snapshot, steps, automatic steps, SLA); its timeline says who
    opened it. The answer counts as processed: the engine opens nothing more for it.

    Raises `CaseAlreadyOpen` when the answer has a current case, and `Response.DoesNotExist`
    when it is gone."""
    with transaction.atomic():
        response = _locked_answer(response_id, [playbook])
        if response is None:
            raise Response.DoesNotExist(response_id)
        current = Case.objects.current().filter(response=response).values_list("pk", flat=True)
        if existing := current.first():
            raise CaseAlreadyOpen(existing)
        joined = CaseAnswer.objects.filter(response=response).values_list("case_id", flat=True)
        if existing := joined.first():
            raise CaseAlreadyOpen(existing)
        case = open_case(response=response, playbook=playbook)
        record_event(
            case=case,
            kind="opened_by_hand",
            actor=actor,
            message=say(
                gettext_noop("%(who)s opened this case by hand, with playbook '%(playbook)s'."),
                who=someone(actor),
                playbook=said_name(playbook.name),
            ),
        )
        if response.processed_at is None:
            Response.objects.filter(pk=response.pk).update(processed_at=timezone.now())
    logger.info("case opened by hand id=%s response=%s by=%s", case.pk, response_id, actor.pk)
    return case


def _locked_answer(response_id: int, playbooks: list[Playbook]) -> Response | None:
    """The answer, its row locked, with in the same query what processing it reads: its
    themes, a case awaiting its follow-up, the case a corrected score superseded, the
    account's history for the 360° view and the escalation rules, and the id its case will
    take. One round trip instead of one per step: the engine must keep up with bursts.

    When another transaction holds the row (a correction being recorded, a concurrent run),
    PostgreSQL would wait, then hand back the row as now committed but the subqueries as
    of before the wait: a case superseded meanwhile would be missed. So the first try skips
    a locked row; on a miss, wait for the lock alone, then read everything afresh.
    """
    answer = _annotated_answers([response_id], playbooks).select_for_update(
        of=("self",), skip_locked=True
    )
    found = answer.first()
    if found is not None:
        return found
    if not Response.objects.select_for_update().filter(pk=response_id).values("pk").exists():
        return None
    return _annotated_answers([response_id], playbooks).select_for_update(of=("self",)).first()


def _annotated_answers(response_ids: list[int], playbooks: list[Playbook]) -> QuerySet[Response]:
    return (
        Response.objects.select_related("contact", "account", "account__csm")
        .annotate(
            tagged_theme_ids=ArraySubquery(
                Response.themes.through.objects.filter(response_id=OuterRef("pk")).values(
                    "theme_id"
                )
            ),
            follow_up_case_id=Subquery(
                _awaiting_follow_up(
                    contact_id=OuterRef("contact_id"),
                    answered_at=OuterRef("answered_at"),
                    response_id=OuterRef("pk"),
                ).values("pk")[:1]
            ),
            replaced_case_id=Subquery(
                Case.objects.filter(
                    response_id=OuterRef("pk"),
                    superseded_at__isnull=False,
                    replaced_by__isnull=True,
                )
                .order_by("-superseded_at")
                .values("pk")[:1]
            ),
            # Known before the case is written, so that its suppression (whose note names
            # it) and escalations are written first and the case once, complete.
            next_case_id=RawSQL("nextval(pg_get_serial_sequence('playbooks_case', 'id'))", ()),
            **answer_history(now=timezone.now(), detractor_windows=escalation_windows(playbooks)),
        )
        .filter(pk__any_of=response_ids)
    )


def _awaiting_follow_up(*, contact_id: Any, answered_at: Any, response_id: Any) -> QuerySet[Case]:
    """Cases of the answer's contact that asked for a follow-up survey (by its date, at most
    FOLLOW_UP_ANSWER_WINDOW days before it) and have no answer yet, most recent request
    first, closed or not. The arguments are values, or `OuterRef`s."""
    return (
        Case.objects.filter(
            contact_id=contact_id,
            follow_up_requested_at__isnull=False,
            follow_up_requested_at__lte=ExpressionWrapper(
                answered_at + dt.timedelta(minutes=5), output_field=DateTimeField()
            ),
            follow_up_requested_at__gte=ExpressionWrapper(
                answered_at - dt.timedelta(days=FOLLOW_UP_ANSWER_WINDOW),
                output_field=DateTimeField(),
            ),
            follow_up_response__isnull=True,
        )
        .exclude(response_id=response_id)
        .order_by("-follow_up_requested_at")
    )


# --- answers that join their account's case -------------------------------------------


def _join_open_case(
    *, response: Response, playbook: Playbook, writes: _CaseWrites | None
) -> Case | None:
    """With a playbook that groups the answers of one account: when the account has an open
    case of that playbook, the answer joins it (listed on it, a line on its timeline, the
    rule "N detractors at one account" judged again) and that case is returned; else None,
    and the caller opens the case, which later answers of the account will join.

    Two workers given two answers of one account must not both open a case: a lock on
    (playbook, account), held until commit, makes the second wait for the first's case,
    which it then finds and joins.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"playbooks.group:{playbook.pk}:{response.account_id}"],
        )
    case = (
        writes.open_case_of(account_id=response.account_id, playbook_id=playbook.pk)
        if writes
        else None
    )
    if case is None:
        case = (
            Case.objects.current()
            .select_for_update(of=("self",))
            .filter(
                account_id=response.account_id,
                playbook=playbook,
                status__in=OPEN_CASE_STATUSES,
            )
            .order_by("opened_at", "pk")
            .first()
        )
    if case is None:
        return None
    alone = writes is None
    writes = _CaseWrites() if writes is None else writes
    joining = _Opening(case=case, answer=response)
    writes.joins.append(CaseAnswer(case=case, response=response, joined_at=timezone.now()))
    joining.event(
        "answer_joined",
        say(
            gettext_noop(
                "%(contact)s of the same account answered %(score)s (%(category)s): the "
                "answer joins this case."
            ),
            contact=response.contact.name or response.contact.email,
            score=response.score,
            category=choice("category", response.category, lower=True),
        ),
        response=response.pk,
        contact=response.contact_id,
    )
    if response.contact_id != case.contact_id and widen_suppression_to_account(case=case):
        joining.event(
            "suppression_widened",
            say(
                gettext_noop(
                    "Another person of the account is in this case: no survey goes to anyone "
                    "at the account while it is open."
                )
            ),
            suppression=case.suppression_id,
        )
    tell_answer_joined(
        case=case,
        contact=response.contact.name or response.contact.email,
        score=response.score,
        answer_id=response.pk,
    )
    if response.category == Category.DETRACTOR:
        _escalate_repeated_detractors(joining, writes)
    writes.events.extend(joining.events)
    writes.announcements.extend(joining.announcements)
    if alone:
        writes.write()
    logger.info("answer %s joined case %s", response.pk, case.pk)
    return case


def _escalate_repeated_detractors(joining: _Opening, writes: _CaseWrites) -> None:
    """Judge the rule "N detractors at one account" again for the case a detractor joined,
    with the thresholds of the case's own escalation step (none: the rule does not apply)."""
    case = joining.case
    options = next(
        (s.options for s in writes.steps if s.case is case and s.kind == StepKind.ESCALATION),
        None,
    )
    if options is None:
        options = (
            CaseStep.objects.filter(case=case, kind=StepKind.ESCALATION)
            .values_list("options", flat=True)
            .first()
        )
    if options is None:
        return
    limits = escalation_rules.thresholds(options)
    count = joining.account_detractors_since(days=int(limits["detractor_window_days"]))
    answer = joining.answer
    facts = escalation_rules.CaseFacts(
        arr=0,
        currency="",
        persona="",
        persona_label="",
        account_detractors_in_window=count,
        renewal_date=None,
        today=timezone.localdate(answer.answered_at),
    )
    due = [
        rule
        for rule in escalation_rules.escalations_due(facts, options)
        if rule.rule == EscalationRule.REPEATED_DETRACTORS
    ]
    if not due:
        return
    if Escalation.objects.filter(case_id=case.pk, rule=EscalationRule.REPEATED_DETRACTORS).exists():
        return
    escalation = Escalation.objects.create(
        case=case,
        rule=due[0].rule,
        level=due[0].level,
        reason=due[0].reason,
        said=due[0].said.as_json(),
        raised_at=timezone.now(),
    )
    joining.event(
        "escalation_raised",
        say(
            gettext_noop("Escalated (level %(level)s): %(reason)s"),
            level=escalation.level,
            reason=escalation.reason_param,
        ),
        escalation=escalation.pk,
        rule=escalation.rule,
    )
    # The managers and the owner are told in the app when its email is delivered.
    queue_escalation_emails(escalation_ids=[escalation.pk])
    joining.announcements.append(announcements.escalated(case, escalation))
    if case in writes.cases:
        case.priority = max(case.priority, CasePriority.HIGH)
    else:
        Case.objects.filter(pk=case.pk, priority__lt=CasePriority.HIGH).update(
            priority=CasePriority.HIGH, updated_at=timezone.now()
        )


def open_case(*, response: Response, playbook: Playbook, writes: _CaseWrites | None = None) -> Case:
    """Open the answer's case with the playbook's steps copied in, and run the automatic ones.

    The answer comes from `_locked_answer` (its annotations); the automatic steps run on
    the case in memory, and each table is written once: suppression, escalations, the case,
    its steps, its timeline. Given `writes` (a batch's), the case, its steps and timeline
    are written with the batch's other cases, when it ends.
    """
    loop = LoopSettings.current()
    weights = risk.RiskWeights.of(loop)
    now = timezone.now()
    account = response.account
    owner = _owner_for(response, loop)
    detractor = response.category == Category.DETRACTOR
    case = Case(
        pk=response.next_case_id,
        response=response,
        # The case a corrected score superseded, if any: the new one carries its history on.
        replaces_id=response.replaced_case_id,
        account=account,
        contact=response.contact,
        playbook=playbook,
        owner=owner,
        category=response.category,
        status=CaseStatus.NEW,
        priority=BASE_PRIORITY[response.category],
        opened_at=now,
        sla_due_at=_due(now, playbook.sla_business_days, loop),
        arr_at_risk=account.arr if (account and detractor) else 0,
        currency=account.currency if account else "",
        risk_base=risk.base_points(
            arr=account_arr(account, weights=weights, rates=ExchangeRate.table()),
            score=response.score,
            persona=response.contact.persona,
            influence=response.contact.influence,
            weights=weights,
        ),
    )
    steps = [
        _copy_step(case, definition, position, owner, now, loop)
        for position, definition in enumerate(playbook.steps.all(), start=1)
    ]
    opening = _Opening(case=case, answer=response)
    opening.event(
        "opened",
        say(
            gettext_noop(
                "Case opened by playbook '%(playbook)s' for a score of %(score)s "
                "(%(category)s); owner: %(owner)s."
            ),
            playbook=said_name(playbook.name),
            score=response.score,
            category=choice("category", response.category, lower=True),
            owner=someone(owner),
        ),
        playbook=playbook.pk,
        owner=owner.pk if owner else None,
    )
    for step in steps:
        if step.kind in AUTOMATIC_STEP_KINDS:
            step.result = _RUNNERS[step.kind](opening, step)
            step.status, step.done_at = StepStatus.DONE, timezone.now()
    # The suppression and escalations written above point to the case: PostgreSQL checks
    # foreign keys at commit, by which time it is written.
    alone = writes is None
    writes = _CaseWrites() if writes is None else writes
    writes.add(opening, steps)
    if alone:
        writes.write()
    return case


@dataclass
class _CaseWrites:
    """The cases opened in a transaction with their steps and timelines, written together:
    one statement per table for a batch of answers, not one per case."""

    cases: list[Case] = field(default_factory=list)
    steps: list[CaseStep] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    deliveries: list[CaseStep] = field(default_factory=list)
    joins: list[CaseAnswer] = field(default_factory=list)
    # Outbound webhooks' events, announced with the rows: `case.opened` before the rest.
    announcements: list[Announcement] = field(default_factory=list)

    def add(self, opening: _Opening, steps: list[CaseStep]) -> None:
        self.cases.append(opening.case)
        self.steps.extend(steps)
        self.events.extend(opening.events)
        self.deliveries.extend(opening.deliveries)
        self.announcements.append(announcements.opened(opening.case))
        self.announcements.extend(opening.announcements)

    def open_cases_at(self, account_id: int | None) -> list[dict[str, Any]]:
        """The cases opened here at the account, most recent first, as `answer_history`
        reads open cases."""
        if account_id is None:
            return []
        return [
            {
                "id": case.pk,
                "status": case.status,
                "category": case.category,
                "score": case.response.score,
                "contact_name": case.contact.name,
                "contact_email": case.contact.email,
                "opened_at": case.opened_at.isoformat(),
            }
            for case in reversed(self.cases)
            if case.account_id == account_id
        ]

    def write(self) -> None:
        Case.objects.bulk_create(self.cases)
        CaseStep.objects.bulk_create(self.steps)
        for step in self.deliveries:
            queue_step_delivery(step_id=step.pk)
        CaseEvent.objects.bulk_create(self.events)
        CaseAnswer.objects.bulk_create(self.joins)
        emit_many(self.announcements)

    def open_case_of(self, *, account_id: int, playbook_id: int) -> Case | None:
        """The case opened here at the account with the playbook, if any (the first)."""
        for case in self.cases:
            if case.account_id == account_id and case.playbook_id == playbook_id:
                return case
        return None


@dataclass
class _Opening:
    """What the automatic steps of a case being opened write, gathered to be written at once."""

    case: Case
    answer: Response  # with the annotations of `_locked_answer`
    events: list[CaseEvent] = field(default_factory=list)
    deliveries: list[CaseStep] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)

    def event(self, kind: str, message: Said, **details: Any) -> None:
        self.events.append(
            CaseEvent(
                case=self.case,
                kind=kind,
                message=message.english(),
                said=message.as_json(),
                details=details,
            )
        )

    def account_detractors_since(self, *, days: int) -> int:
        """Detractors at the account since the answer's date less `days`, this one included."""
        counted = getattr(self.answer, f"detractors_{days}", None)
        if counted is None or self.answer.account_id is None:
            # A playbook changed since the answer was read, or an answer with no account.
            return account_detractors_since(
                response=self.answer, since=self.answer.answered_at - dt.timedelta(days=days)
            )
        return counted


def _owner_for(response: Response, loop: LoopSettings) -> User | None:
    """The account's CSM; else the fallback owner; else None, meaning the manager group."""
    if response.account is not None and response.account.csm is not None:
        return response.account.csm
    return loop.fallback_owner


def _due(start: dt.datetime, days: int | None, loop: LoopSettings) -> dt.datetime | None:
    if days is None:
        return None
    local = timezone.localtime(start)
    return add_business_days(
        local, days, working_days=loop.working_days, holidays=parse_holidays(loop.holidays)
    )


def _copy_step(
    case: Case,
    definition: PlaybookStep,
    position: int,
    owner: User | None,
    now: dt.datetime,
    loop: LoopSettings,
) -> CaseStep:
    if definition.assignee_kind == AssigneeKind.USER:
        assignee = definition.assignee_user or owner
    elif definition.assignee_kind == AssigneeKind.MANAGERS:
        assignee = None
    else:
        assignee = owner
    return CaseStep(
        case=case,
        position=position,
        kind=definition.kind,
        title=definition.title,
        instructions=definition.instructions,
        required=definition.required,
        options=dict(definition.options),
        assignee_kind=definition.assignee_kind,
        assignee=assignee,
        due_at=_due(now, definition.due_in_days, loop),
    )


# --- automatic steps ------------------------------------------------------------------


def _lookup_360(opening: _Opening, step: CaseStep) -> dict[str, Any]:
    snapshot = snapshot_360(
        case=opening.case,
        history={name: getattr(opening.answer, name) for name in HISTORY_FIELDS},
        now=timezone.now(),
    )
    others = snapshot["other_answers"]
    opening.event(
        "lookup_360",
        say(
            gettext_noop(
                "360° view taken: %(answers)s other answer(s) from the account in 12 months, "
                "%(interactions)s interaction(s) in 90 days, %(cases)s other open case(s). "
                "%(confirmed)s"
            ),
            answers=len(others),
            interactions=len(snapshot["interactions"]),
            cases=len(snapshot["other_open_cases"]),
            confirmed=(
                phrase(gettext_noop("It is confirmed by another person's low score."))
                if snapshot["confirms_dissatisfaction"]
                else ""
            ),
        ),
    )
    return snapshot


def _suppress_surveys(opening: _Opening, step: CaseStep) -> dict[str, Any]:
    scope = step.options.get("scope", "contact")
    suppression = suppression_for_case(case=opening.case, scope=scope)
    opening.case.suppression = suppression
    opening.event(
        "suppression_started",
        say(gettext_noop("No survey goes to anyone at the account while the case is open."))
        if suppression.account_id
        else say(gettext_noop("No survey goes to the contact while the case is open.")),
        suppression=suppression.pk,
    )
    return {
        "suppression": suppression.pk,
        "scope": "account" if suppression.account_id else "contact",
    }


def _arr_for_rules(account: Account | None) -> tuple[Decimal, str]:
    """The ARR the rules compare with their threshold, set in the reporting currency: the
    account's converted; as it stands, in its own currency, when that has no rate (better
    a rule that names another currency than a large account never escalated)."""
    if account is None:
        return Decimal(0), ""
    reporting = LoopSettings.current().reporting_currency
    converted = convert(
        account.arr, account.currency, reporting=reporting, rates=ExchangeRate.table()
    )
    if converted is None:
        return account.arr, account.currency
    return converted, reporting


def _escalation_rules(opening: _Opening, step: CaseStep) -> dict[str, Any]:
    case = opening.case
    limits = escalation_rules.thresholds(step.options)
    response, account, contact = case.response, case.account, case.contact
    if response.category != Category.DETRACTOR and not step.options.get("all_categories"):
        return {"raised": [], "note": "Rules apply to detractors only."}
    arr, currency = _arr_for_rules(account)
    facts = escalation_rules.CaseFacts(
        arr=arr,
        currency=currency,
        persona=contact.persona,
        persona_label=str(Persona(contact.persona).label),
        account_detractors_in_window=opening.account_detractors_since(
            days=int(limits["detractor_window_days"])
        ),
        renewal_date=account.renewal_date if account else None,
        # Judged as of the answer: a renewal near when it was given, not near today.
        today=timezone.localdate(response.answered_at),
    )
    # A case just opened has no escalation yet; the unique constraints stand behind this.
    now = timezone.now()
    raised = Escalation.objects.bulk_create(
        [
            Escalation(
                case=case,
                rule=due.rule,
                level=due.level,
                reason=due.reason,
                said=due.said.as_json(),
                raised_at=now,
            )
            for due in escalation_rules.escalations_due(facts, step.options)
        ]
    )
    for escalation in raised:
        opening.event(
            "escalation_raised",
            say(
                gettext_noop("Escalated (level %(level)s): %(reason)s"),
                level=escalation.level,
                reason=escalation.reason_param,
            ),
            escalation=escalation.pk,
            rule=escalation.rule,
        )
    if raised:
        top = max(e.level for e in raised)
        priority = CasePriority.URGENT if top >= 3 else CasePriority.HIGH
        if priority > case.priority:
            case.priority = priority
        queue_escalation_emails(escalation_ids=[e.pk for e in raised])
        opening.announcements.extend(announcements.escalated(case, e) for e in raised)
    return {"raised": [e.pk for e in raised], "rules": [e.rule for e in raised]}


def _notify(opening: _Opening, step: CaseStep) -> dict[str, Any]:
    audience = step.options.get("to", "owner")
    opening.deliveries.append(step)
    return {"to": audience, "queued_at": timezone.now().isoformat()}


def _acknowledge(opening: _Opening, step: CaseStep) -> dict[str, Any]:
    contact = opening.case.contact
    if contact.opted_out:
        return {"sent": False, "note": "The contact opted out: no email."}
    opening.deliveries.append(step)
    return {"to": contact.email, "queued_at": timezone.now().isoformat()}


_RUNNERS = {
    StepKind.LOOKUP_360: _lookup_360,
    StepKind.SUPPRESS_SURVEYS: _suppress_surveys,
    StepKind.ESCALATION: _escalation_rules,
    StepKind.NOTIFY: _notify,
    StepKind.ACKNOWLEDGE: _acknowledge,
}


# --- answers amended later ------------------------------------------------------------


def note_answer_amended(*, response: Response, fields: list[str], previous: dict[str, Any]) -> bool:
    """A channel delivered a correction of an answer (`previous` holds the values it replaced).

    Returns True when the answer must be processed again:
    - it was processed without a case, and its score changed: the new score may call for
      one (a 9 corrected to 3);
    - its case's playbook no longer matches the new score: that case is superseded, and
      processing opens the matching playbook's case, which replaces it.
    Otherwise the change goes on the case's timeline for the CSM to see, and a new comment
    is tagged with its themes.
    """
    case = Case.objects.current().filter(response=response).first()
    if case is None and (joined := CaseAnswer.objects.filter(response=response).first()):
        return _joined_answer_amended(
            joined=joined, response=response, fields=fields, previous=previous
        )
    if case is None:
        if "score" not in fields:
            return False  # not processed yet: processing will read the amended answer
        # Conditional: an answer still being processed (its row is locked meanwhile) or
        # never processed reads the new score anyway; one-case-per-answer backs this up.
        return bool(
            Response.objects.filter(pk=response.pk, processed_at__isnull=False).update(
                processed_at=None
            )
        )
    old_score = previous.get("score", response.score)
    if "score" in fields:
        playbook = playbook_for(response=response)
        if playbook is None or playbook.pk != case.playbook_id:
            supersede_case(case=case, old_score=old_score, new_score=response.score)
            Response.objects.filter(pk=response.pk).update(processed_at=None)
            return True
        if response.category != case.category:
            Case.objects.filter(pk=case.pk).update(
                category=response.category, updated_at=timezone.now()
            )
        refresh_risk_base(cases=Case.objects.filter(pk=case.pk))
    if "comment" in fields:
        tag_themes(response=response)
    changes = []
    if "comment" in fields:
        changes.append(say(gettext_noop('Comment: "%(comment)s"'), comment=response.comment[:500]))
    if "score" in fields:
        changes.append(
            say(
                gettext_noop("Score corrected from %(old)s to %(new)s."),
                old=old_score,
                new=response.score,
            )
        )
    if "language" in fields:
        changes.append(say(gettext_noop("Language: %(language)s."), language=response.language))
    record_event(
        case=case,
        kind="answer_amended",
        message=say(
            gettext_noop("The customer's answer was updated. %(changes)s"),
            changes=sentences(*changes),
        ),
        details={"fields": fields, "previous": previous},
    )
    return False


def _joined_answer_amended(
    *, joined: CaseAnswer, response: Response, fields: list[str], previous: dict[str, Any]
) -> bool:
    """A correction of an answer that joined a case: the case's timeline says so; when the
    new score takes the answer out of the case's playbook, the answer leaves the case and is
    processed again (it may open its own case, or join another). Returns True then."""
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=joined.case_id)
        if "comment" in fields:
            tag_themes(response=response)
        old_score = previous.get("score", response.score)
        playbook = playbook_for(response=response) if "score" in fields else None
        leaves = "score" in fields and (playbook is None or playbook.pk != case.playbook_id)
        contact = response.contact.name or response.contact.email
        if leaves:
            joined.delete()
            Response.objects.filter(pk=response.pk).update(processed_at=None)
            message = say(
                gettext_noop(
                    "%(contact)s's answer was corrected from %(old)s to %(new)s: it leaves "
                    "this case."
                ),
                contact=contact,
                old=old_score,
                new=response.score,
            )
        else:
            message = say(
                gettext_noop("%(contact)s's answer, joined to this case, was updated."),
                contact=contact,
            )
        record_event(
            case=case,
            kind="joined_answer_amended",
            message=message,
            details={"response": response.pk, "fields": fields, "previous": previous},
        )
    return leaves


# --- follow-up answers ----------------------------------------------------------------

# The contact's next answer links to the case when given within this many days of the
# follow-up survey being requested; a later one is a new answer like any other.
FOLLOW_UP_ANSWER_WINDOW = 120


def _link_follow_up(response: Response, *, history: bool) -> None:
    """An answer from a contact whose case asked for a follow-up survey links back to it,
    whatever the channel that brought it: a passive or a promoter marks the case won back,
    a detractor not won back. The case's owner is told, unless the answer is history (an
    import of old answers): it counts, its timeline says so, and nobody is nudged about
    an answer given weeks ago. Integrations still hear of the case won back: its state
    changed."""
    case = (
        _awaiting_follow_up(
            contact_id=response.contact_id,
            answered_at=Value(response.answered_at),
            response_id=response.pk,
        )
        .select_for_update()
        .first()
    )
    if case is None:
        return
    fields: dict[str, Any] = {"follow_up_response": response, "updated_at": timezone.now()}
    won_back = response.category != Category.DETRACTOR
    if won_back:
        fields["won_back_at"] = timezone.now()
    Case.objects.filter(pk=case.pk).update(**fields)
    if won_back:
        case.follow_up_response, case.won_back_at = response, fields["won_back_at"]
        announcements.announce_won_back(case=case, follow_up=response)
    before = Response.objects.filter(pk=case.response_id).values_list("score", flat=True).get()
    record_event(
        case=case,
        kind="follow_up_answered",
        message=say(
            gettext_noop("Follow-up answer: before %(before)s → after %(score)s: won back.")
            if won_back
            else gettext_noop(
                "Follow-up answer: before %(before)s → after %(score)s: not won back."
            ),
            before=before,
            score=response.score,
        ),
        details={"response": response.pk, "won_back": won_back},
    )
    if not history:
        tell_follow_up_answered(case=case, before=before, after=response.score, won_back=won_back)
