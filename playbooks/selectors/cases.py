"""Reads of the `playbooks` app: which playbook fits an answer, the 360° view, visible cases."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    Expression,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, JSONObject, Left
from django.utils import timezone

from accounts.models import Interaction
from core.resilient_cache import cache_delete, cache_get, cache_set
from playbooks import escalation_rules
from playbooks.access import cases_visible_to
from playbooks.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseAnswer,
    CaseEvent,
    CaseStep,
    Escalation,
    Playbook,
    PlaybookStep,
    StepKind,
)
from surveys.models import Category, Integration, Response

if TYPE_CHECKING:
    from core.models import User

ANSWER_HISTORY_DAYS = 365
INTERACTION_HISTORY_DAYS = 90
SNAPSHOT_LIMIT = 20  # answers, interactions and cases kept in a 360° snapshot
# The active playbooks with their steps, read for every answer: cached, and forgotten on
# any change (`forget_active_playbooks`, called by the receivers of `Playbook` and
# `PlaybookStep` saves and deletes and by the services' bulk writes); the timeout bounds
# what a change made around them would leave stale.
PLAYBOOKS_CACHE_KEY = "nps_loop:active_playbooks"
PLAYBOOKS_CACHE_SECONDS = 300


def active_playbooks() -> list[Playbook]:
    """The active playbooks, each with its steps (and their assignees), from the cache
    when it has them."""
    playbooks = cache_get(PLAYBOOKS_CACHE_KEY)
    if playbooks is None:
        playbooks = list(
            Playbook.objects.filter(active=True).prefetch_related(
                Prefetch("steps", queryset=PlaybookStep.objects.select_related("assignee_user"))
            )
        )
        cache_set(PLAYBOOKS_CACHE_KEY, playbooks, PLAYBOOKS_CACHE_SECONDS)
    return playbooks


def forget_active_playbooks() -> None:
    """A playbook or a step changed: the next answer reads the playbooks from the database."""
    cache_delete(PLAYBOOKS_CACHE_KEY)


def playbook_for(
    *, response: Response, playbooks: Iterable[Playbook] | None = None
) -> Playbook | None:
    """The active playbook whose trigger matches the answer; the highest priority wins.

    Ties go to the playbook with the most conditions (the most specific), then by name.
    `playbooks`: the active playbooks, when the caller has them at hand.
    """
    account = response.account
    return playbook_matching(
        category=response.category,
        score=response.score,
        segment=account.segment if account else None,
        tier=account.tier if account else None,
        arr=account.arr if account else None,
        playbooks=playbooks,
    )


def playbook_matching(
    *,
    category: str,
    score: int,
    segment: str | None,
    tier: str | None,
    arr: Decimal | None,
    playbooks: Iterable[Playbook] | None = None,
) -> Playbook | None:
    """The active playbook an answer with these facts would get (None for the account's
    facts: the answer matches no account), as `playbook_for` chooses it."""
    matches = []
    for playbook in active_playbooks() if playbooks is None else playbooks:
        if category not in playbook.categories:
            continue
        if playbook.min_score is not None and score < playbook.min_score:
            continue
        if playbook.max_score is not None and score > playbook.max_score:
            continue
        if playbook.segment and segment != playbook.segment:
            continue
        if playbook.tier and (tier is None or tier.lower() != playbook.tier.lower()):
            continue
        if playbook.min_arr is not None and (arr is None or arr < playbook.min_arr):
            continue
        matches.append(playbook)
    if not matches:
        return None
    return min(matches, key=lambda p: (-p.priority, -_specificity(p), p.name))


def _specificity(playbook: Playbook) -> int:
    conditions = (
        playbook.min_score is not None,
        playbook.max_score is not None,
        bool(playbook.segment),
        bool(playbook.tier),
        playbook.min_arr is not None,
    )
    return sum(conditions) + (3 - len(playbook.categories))


def account_360(*, case: Case, now: dt.datetime | None = None) -> dict[str, Any]:
    """The 360° snapshot of a case's contact and account, as plain JSON-ready values."""
    now = now or timezone.now()
    history = (
        Response.objects.filter(pk=case.response_id)
        .annotate(**answer_history(now=now, exclude_case_id=case.pk))
        .values(*HISTORY_FIELDS)
        .first()
    )
    return snapshot_360(case=case, history=history or {}, now=now)


HISTORY_FIELDS = ("history_answers", "history_interactions", "history_open_cases")


def answer_history(
    *, now: dt.datetime, detractor_windows: Iterable[int] = (), exclude_case_id: int | None = None
) -> dict[str, Expression]:
    """Annotations of a `Response` query with what opening its case reads of its account:
    the other answers of 12 months, the interactions of 90 days, the other open cases (as
    JSON rows, most recent first) and, per window of `detractor_windows` days, the
    account's detractors since the answer's date less the window (`detractors_<days>`).

    The engine asks them in the query that locks the answer: one round trip for all.
    """
    account = OuterRef("account_id")
    answers = (
        Response.objects.filter(
            account_id=account, answered_at__gte=now - dt.timedelta(days=ANSWER_HISTORY_DAYS)
        )
        .exclude(pk=OuterRef("pk"))
        .order_by("-answered_at")
        .values(
            row=JSONObject(
                id="pk",
                score="score",
                category="category",
                answered_at="answered_at",
                contact_id="contact_id",
                contact_name="contact__name",
                contact_email="contact__email",
                persona="contact__persona",
                comment=Left("comment", 280),
            )
        )[:SNAPSHOT_LIMIT]
    )
    interactions = (
        Interaction.objects.filter(
            account_id=account,
            occurred_at__gte=now - dt.timedelta(days=INTERACTION_HISTORY_DAYS),
        )
        .order_by("-occurred_at")
        .values(
            row=JSONObject(
                id="pk",
                kind="kind",
                summary=Left("summary", 280),
                occurred_at="occurred_at",
                contact_email="contact__email",
            )
        )[:SNAPSHOT_LIMIT]
    )
    open_cases = Case.objects.filter(account_id=account, status__in=OPEN_CASE_STATUSES).exclude(
        response_id=OuterRef("pk")
    )
    if exclude_case_id is not None:
        open_cases = open_cases.exclude(pk=exclude_case_id)
    open_cases = open_cases.order_by("-opened_at").values(
        row=JSONObject(
            id="pk",
            status="status",
            category="category",
            score="response__score",
            contact_name="contact__name",
            contact_email="contact__email",
            opened_at="opened_at",
        )
    )[:SNAPSHOT_LIMIT]
    annotations: dict[str, Expression] = {
        "history_answers": ArraySubquery(answers),
        "history_interactions": ArraySubquery(interactions),
        "history_open_cases": ArraySubquery(open_cases),
    }
    for days in sorted(set(detractor_windows)):
        since = ExpressionWrapper(
            OuterRef("answered_at") - Value(dt.timedelta(days=days)),
            output_field=DateTimeField(),
        )
        detractors = (
            Response.objects.filter(
                account_id=account, category=Category.DETRACTOR, answered_at__gte=since
            )
            .order_by()
            .values("account_id")
            .annotate(count=Count("pk"))
            .values("count")
        )
        annotations[f"detractors_{days}"] = Coalesce(
            Subquery(detractors, output_field=IntegerField()), 0
        )
    return annotations


def escalation_windows(playbooks: Iterable[Playbook]) -> set[int]:
    """The detractor windows (days) of the escalation steps of `playbooks`. A window that is
    not a number is left out: the step fails on it, for its own answers only."""
    windows = set()
    for playbook in playbooks:
        for step in playbook.steps.all():
            if step.kind == StepKind.ESCALATION:
                with contextlib.suppress(TypeError, ValueError):
                    windows.add(
                        int(escalation_rules.thresholds(step.options)["detractor_window_days"])
                    )
    return windows


def snapshot_360(*, case: Case, history: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The 360° snapshot of a case's contact and account, as plain JSON-ready values, from
    the rows `answer_history` read."""
    contact, account = case.contact, case.account
    snapshot: dict[str, Any] = {
        "taken_at": now.isoformat(),
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "email": contact.email,
            "title": contact.title,
            "persona": contact.persona,
            "persona_label": str(contact.get_persona_display()),
            "influence": contact.influence,
            "is_key_contact": contact.persona in ("champion", "exec_sponsor"),
            "opted_out": contact.opted_out,
        },
        "account": None,
        "other_answers": [],
        "confirms_dissatisfaction": False,
        "interactions": [],
        "other_open_cases": [],
    }
    if account is None:
        return snapshot
    snapshot["account"] = {
        "id": account.pk,
        "name": account.name,
        "external_id": account.external_id,
        "arr": str(account.arr),
        "currency": account.currency,
        "segment": account.segment,
        "tier": account.tier,
        "renewal_date": account.renewal_date.isoformat() if account.renewal_date else None,
        "renewal_in_days": (
            (account.renewal_date - timezone.localdate(now)).days if account.renewal_date else None
        ),
        "csm": account.csm.name if account.csm else None,
    }
    others = history.get("history_answers") or []
    snapshot["other_answers"] = [
        {
            "id": other["id"],
            "score": other["score"],
            "category": other["category"],
            "answered_at": _isoformat(other["answered_at"]),
            "contact": other["contact_name"] or other["contact_email"],
            "persona": other["persona"],
            "same_contact": other["contact_id"] == contact.pk,
            "comment": other["comment"],
        }
        for other in others
    ]
    # Confirmed beyond one person: another person at the account was a detractor too.
    snapshot["confirms_dissatisfaction"] = any(
        other["category"] == Category.DETRACTOR and other["contact_id"] != contact.pk
        for other in others
    )
    kinds = dict(Interaction._meta.get_field("kind").flatchoices)
    snapshot["interactions"] = [
        {
            "id": interaction["id"],
            "kind": interaction["kind"],
            "kind_label": str(kinds.get(interaction["kind"], interaction["kind"])),
            "summary": interaction["summary"],
            "occurred_at": _isoformat(interaction["occurred_at"]),
            "contact": interaction["contact_email"],
        }
        for interaction in history.get("history_interactions") or []
    ]
    snapshot["other_open_cases"] = [
        {
            "id": other["id"],
            "status": other["status"],
            "category": other["category"],
            "score": other["score"],
            "contact": other["contact_name"] or other["contact_email"],
            "opened_at": _isoformat(other["opened_at"]),
        }
        for other in history.get("history_open_cases") or []
    ]
    return snapshot


def _isoformat(value: str) -> str:
    """A timestamp PostgreSQL wrote in JSON, as Python's `isoformat` writes it."""
    return dt.datetime.fromisoformat(value).isoformat()


def account_detractors_since(*, response: Response, since: dt.datetime) -> int:
    """Detractor answers at the answer's account answered since `since` (the answer is one)."""
    if response.account_id is None:
        return int(response.category == Category.DETRACTOR)
    return Response.objects.filter(
        account_id=response.account_id, category=Category.DETRACTOR, answered_at__gte=since
    ).count()


# What a case's row shows besides the case, unless a list shows less.
LIST_RELATIONS = ("account", "contact", "owner", "playbook", "response", "root_cause__parent")


def case_list(
    *, user: User | Integration, relations: tuple[str, ...] = LIST_RELATIONS
) -> QuerySet[Case]:
    """Cases for a list: what each row shows (`relations`, read in the same query), and
    whether each is escalated."""
    has_open_escalation = Escalation.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True)
    return (
        cases_visible_to(user)
        .select_related(*relations)
        .annotate(escalated=Exists(has_open_escalation))
    )


def case_detail(*, user: User | Integration, case_id: int) -> Case | None:
    """One case with its steps, action items, escalations and timeline, or None if hidden."""
    return (
        case_list(user=user)
        .prefetch_related(
            Prefetch("steps", queryset=CaseStep.objects.select_related("assignee", "done_by")),
            "action_items__owner",
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related(
                    "raised_by", "acknowledged_by", "resolved_by"
                ),
            ),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
            Prefetch(
                "joined_answers",
                queryset=CaseAnswer.objects.select_related("response__contact"),
            ),
        )
        .select_related("follow_up_response")
        .filter(pk=case_id)
        .first()
    )


def filter_cases(
    cases: QuerySet[Case],
    *,
    status: str = "",
    owner: str = "",
    escalated: bool | None = None,
    category: str = "",
    account: str = "",
    response: int | None = None,
    root_cause: int | None = None,
) -> QuerySet[Case]:
    """Cases matching a list's filters, newest first. `status` "open" means any open status;
    `owner` is a user id, or "none" for the managers' cases; `response` an answer the case
    came from or that joined it; `root_cause` a cause, its sub-causes included. Needs
    `case_list`'s annotation."""
    if status == "open":
        cases = cases.filter(status__in=OPEN_CASE_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if owner == "none":
        cases = cases.filter(owner__isnull=True)
    elif owner:
        cases = cases.filter(owner_id=int(owner))
    if escalated is not None:
        cases = cases.filter(escalated=escalated)
    if category:
        cases = cases.filter(category=category)
    if account:
        cases = cases.filter(account__external_id=account)
    if response is not None:
        joined = CaseAnswer.objects.filter(case=OuterRef("pk"), response_id=response)
        cases = cases.filter(Q(response_id=response) | Exists(joined))
    if root_cause is not None:
        cases = cases.filter(Q(root_cause_id=root_cause) | Q(root_cause__parent_id=root_cause))
    return cases.order_by("-opened_at", "-id")


def with_joined_answer_ids(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with the ids of the answers that joined each, in one more query a page."""
    return cases.prefetch_related(
        Prefetch("joined_answers", queryset=CaseAnswer.objects.only("id", "case_id", "response_id"))
    )
