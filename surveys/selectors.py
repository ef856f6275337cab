"""Reads of the `surveys` app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from accounts.models import Account, Contact
from surveys.models import Category, Response, Suppression
from surveys.nps import NpsSummary, summarize_counts

if TYPE_CHECKING:
    from nps_loop.models import User


def responses_in(
    *,
    answered_from: dt.date | None = None,
    answered_to: dt.date | None = None,
    segment: str = "",
    tier: str = "",
    persona: str = "",
) -> QuerySet[Response]:
    """Answers of a slice. Dates are inclusive and read in the server's time zone."""
    qs = Response.objects.all()
    if answered_from:
        qs = qs.filter(answered_at__date__gte=answered_from)
    if answered_to:
        qs = qs.filter(answered_at__date__lte=answered_to)
    if segment:
        qs = qs.filter(account__segment=segment)
    if tier:
        qs = qs.filter(account__tier=tier)
    if persona:
        qs = qs.filter(contact__persona=persona)
    return qs


def nps_for(responses: QuerySet[Response]) -> NpsSummary:
    """NPS of the pooled answers of `responses`, counted in one query."""
    counts = responses.aggregate(
        promoters=Count("id", filter=Q(category=Category.PROMOTER)),
        passives=Count("id", filter=Q(category=Category.PASSIVE)),
        detractors=Count("id", filter=Q(category=Category.DETRACTOR)),
    )
    return summarize_counts(counts["promoters"], counts["passives"], counts["detractors"])


def unmatched_responses() -> QuerySet[Response]:
    """Answers whose contact belongs to no account yet, newest first, for an admin to assign."""
    return Response.objects.filter(account__isnull=True).select_related("contact", "campaign")


@dataclass(frozen=True)
class AnswerOverview:
    accounts: int
    answers: int
    unmatched_answers: int
    last_received_at: dt.datetime | None


def answer_overview(*, csm: User | None = None) -> AnswerOverview:
    """Counts of accounts and answers for the home page: all of them, or those `csm` owns."""
    accounts = Account.objects.all()
    responses = Response.objects.all()
    if csm is not None:
        accounts = accounts.filter(csm=csm)
        responses = responses.filter(account__csm=csm)
    figures = responses.aggregate(
        answers=Count("id"),
        unmatched=Count("id", filter=Q(account__isnull=True)),
        last_received_at=Max("created_at"),
    )
    return AnswerOverview(
        accounts=accounts.count(),
        answers=figures["answers"],
        unmatched_answers=figures["unmatched"],
        last_received_at=figures["last_received_at"],
    )


def active_suppressions(*, at: dt.datetime | None = None) -> QuerySet[Suppression]:
    """Suppressions in force at `at` (now by default), newest first."""
    at = at or timezone.now()
    return (
        Suppression.objects.filter(lifted_at__isnull=True, starts_at__lte=at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .select_related("contact", "account")
        .order_by("-starts_at", "-id")
    )


@dataclass(frozen=True)
class SurveyClearance:
    """Whether a person may be surveyed now, and if not, every reason why."""

    email: str
    allowed: bool
    reasons: list[str]
    contact: Contact | None
    suppressions: list[Suppression]


def survey_clearance(*, email: str, at: dt.datetime | None = None) -> SurveyClearance:
    """May this address get a survey now? Opt-out and active suppressions say no."""
    email = email.strip().lower()
    contact = Contact.objects.select_related("account").filter(email__iexact=email).first()
    if contact is None:
        return SurveyClearance(email=email, allowed=True, reasons=[], contact=None, suppressions=[])
    reasons = []
    if contact.opted_out:
        reasons.append("The contact opted out of surveys.")
    scope = Q(contact=contact)
    if contact.account_id is not None:
        scope |= Q(account_id=contact.account_id)
    suppressions = list(active_suppressions(at=at).filter(scope))
    for suppression in suppressions:
        who = "the contact" if suppression.contact_id else "everyone at the account"
        until = f" until {suppression.ends_at:%Y-%m-%d}" if suppression.ends_at else " until lifted"
        why = suppression.get_reason_display()
        note = f" ({suppression.note})" if suppression.note else ""
        reasons.append(f"Surveys to {who} are suppressed{until}: {why}{note}.")
    return SurveyClearance(
        email=email,
        allowed=not reasons,
        reasons=reasons,
        contact=contact,
        suppressions=suppressions,
    )
