"""Reads of the playbook editor: the playbooks with their counts, what their triggers leave
uncovered, and which playbook a sample answer would get."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from playbooks.models import OPEN_CASE_STATUSES, Playbook, PlaybookStep
from playbooks.selectors.cases import playbook_matching
from surveys.models import Category
from surveys.nps import category_for


def playbook_list() -> QuerySet[Playbook]:
    """Every playbook, active ones first, with its steps and cases counted."""
    return Playbook.objects.annotate(
        step_count=Count("steps", distinct=True),
        case_count=Count("cases", distinct=True),
        open_case_count=Count(
            "cases", filter=Q(cases__status__in=OPEN_CASE_STATUSES), distinct=True
        ),
    ).order_by("-active", "-priority", "name")


def playbook_with_steps(*, playbook_id: int) -> Playbook | None:
    return (
        playbook_list()
        .prefetch_related(
            "steps",
            "steps__assignee_user",
        )
        .filter(pk=playbook_id)
        .first()
    )


@dataclass(frozen=True)
class Coverage:
    """Which answer categories the active playbooks leave without a case."""

    uncovered: list[str]  # no active playbook at all
    partly: list[str]  # only playbooks with conditions (score, segment, tier, ARR)


def coverage() -> Coverage:
    uncovered, partly = [], []
    active = list(Playbook.objects.filter(active=True))
    for category in Category.values:
        matching = [p for p in active if category in p.categories]
        if not matching:
            uncovered.append(category)
        elif all(_has_conditions(p) for p in matching):
            partly.append(category)
    return Coverage(uncovered=uncovered, partly=partly)


def _has_conditions(playbook: Playbook) -> bool:
    return any(
        (
            playbook.min_score is not None,
            playbook.max_score is not None,
            bool(playbook.segment),
            bool(playbook.tier),
            playbook.min_arr is not None,
        )
    )


@dataclass(frozen=True)
class Preview:
    category: str
    playbook: Playbook | None
    steps: list[PlaybookStep]


def preview(
    *, score: int, segment: str = "", tier: str = "", arr: Decimal | None = None
) -> Preview:
    """The playbook and steps a new answer with these facts would get today. With neither
    segment, tier nor ARR the answer matches no account."""
    has_account = bool(segment or tier or arr is not None)
    category = category_for(score)
    playbook = playbook_matching(
        category=category,
        score=score,
        segment=segment if has_account else None,
        tier=tier if has_account else None,
        arr=(arr if arr is not None else Decimal(0)) if has_account else None,
    )
    steps = list(playbook.steps.all()) if playbook else []
    return Preview(category=category, playbook=playbook, steps=steps)
