"""Reads of the `surveys` app."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from surveys.models import Category, Response
from surveys.nps import NpsSummary, summarize_counts


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
