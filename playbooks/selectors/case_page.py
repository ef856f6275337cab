"""What the case page shows: the case with its work, and the live 360° view around it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.models import Interaction
from playbooks.models import OPEN_CASE_STATUSES, Case, StepKind
from playbooks.risk import RiskScore
from playbooks.selectors.cases import (
    ANSWER_HISTORY_DAYS,
    INTERACTION_HISTORY_DAYS,
    SNAPSHOT_LIMIT,
    case_detail,
)
from playbooks.selectors.queue import is_overdue, with_risk
from surveys.models import Category, Invitation, Response, Theme

if TYPE_CHECKING:
    from core.models import User


@dataclass(frozen=True)
class CasePage:
    case: Case
    other_answers: list[Response]  # the account's, last 12 months, newest first
    confirmed_by_others: bool  # another person at the account was a detractor too
    interactions: list[Interaction]  # the account's, last 90 days, newest first
    other_open_cases: list[Case]
    themes: list[Theme]
    # The follow-up survey requested and not answered yet: sent, still to go out, or None
    # when none went out (the contact opted out, was erased...).
    follow_up_invitation: Invitation | None
    risk: RiskScore

    @property
    def other_detractors(self) -> int:
        """How many of the other answers (last 12 months, as listed) are detractors'."""
        return sum(answer.category == Category.DETRACTOR for answer in self.other_answers)

    @property
    def last_interaction(self) -> Interaction | None:
        return self.interactions[0] if self.interactions else None


def case_page(*, user: User, case_id: int, now: dt.datetime | None = None) -> CasePage | None:
    """The case and its 360° view, or None when the reader may not see the case."""
    case = case_detail(user=user, case_id=case_id)
    if case is None:
        return None
    now = now or timezone.now()
    case.overdue = is_overdue(case=case, now=now)
    with_risk([case], now=now)
    account = case.account
    other_answers: list[Response] = []
    interactions: list[Interaction] = []
    other_cases: list[Case] = []
    if account is not None:
        other_answers = list(
            Response.objects.filter(
                account=account, answered_at__gte=now - dt.timedelta(days=ANSWER_HISTORY_DAYS)
            )
            .exclude(pk=case.response_id)
            .select_related("contact")
            .order_by("-answered_at")[:SNAPSHOT_LIMIT]
        )
        interactions = list(
            Interaction.objects.filter(
                account=account,
                occurred_at__gte=now - dt.timedelta(days=INTERACTION_HISTORY_DAYS),
            )
            .select_related("contact")
            .order_by("-occurred_at")[:SNAPSHOT_LIMIT]
        )
        other_cases = list(
            Case.objects.filter(account=account, status__in=OPEN_CASE_STATUSES)
            .exclude(pk=case.pk)
            .select_related("contact", "response", "owner")
            .order_by("-opened_at")[:SNAPSHOT_LIMIT]
        )
    return CasePage(
        case=case,
        other_answers=other_answers,
        confirmed_by_others=any(
            answer.category == Category.DETRACTOR and answer.contact_id != case.contact_id
            for answer in other_answers
        ),
        interactions=interactions,
        other_open_cases=other_cases,
        themes=list(case.response.themes.all()),
        follow_up_invitation=_follow_up_invitation(case),
        risk=case.risk,
    )


def _follow_up_invitation(case: Case) -> Invitation | None:
    """The invitation the case's follow-up survey made, while it waits for an answer."""
    if case.follow_up_requested_at is None or case.follow_up_response_id is not None:
        return None
    ids = [
        step.result.get("invitation")
        for step in case.steps.all()
        if step.kind == StepKind.FOLLOW_UP_SURVEY
    ]
    return Invitation.objects.filter(pk__in=[pk for pk in ids if pk]).first()
