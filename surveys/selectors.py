"""Reads of the `surveys` app."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import ERASED_EMAIL_DOMAIN, Account, Contact, ErasedAddress
from core.business_days import parse_holidays
from core.models import LoopSettings
from surveys.audience import campaign_audience
from surveys.drip import drip_times, sending_days
from surveys.models import (
    NPS_COUNTS,
    Campaign,
    Exclusion,
    Invitation,
    InvitationStatus,
    Response,
    Suppression,
)
from surveys.nps import NpsSummary, summary_of

if TYPE_CHECKING:
    pass


def responses_in(
    *,
    answered_from: dt.date | None = None,
    answered_to: dt.date | None = None,
    segment: str = "",
    tier: str = "",
    persona: str = "",
) -> QuerySet[Response]:
    """Answers of a slice. Dates are inclusive and read in the server's time zone."""
    qs = Response.objects.in_period(answered_from, answered_to)
    if segment:
        qs = qs.filter(account__segment=segment)
    if tier:
        qs = qs.filter(account__tier=tier)
    if persona:
        qs = qs.filter(contact__persona=persona)
    return qs


def unmatched_responses() -> QuerySet[Response]:
    """Answers whose contact belongs to no account yet, newest first, for an admin to assign."""
    return Response.objects.filter(account__isnull=True).select_related("contact", "campaign")


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
    # Why not, as stable codes: "erased", "opted_out", "suppressed".
    reason_codes: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str | None:
        """The first reason's code; None when allowed."""
        return self.reason_codes[0] if self.reason_codes else None


def survey_clearance(*, email: str, at: dt.datetime | None = None) -> SurveyClearance:
    """May this address get a survey now? Erasure, opt-out and active suppressions say no."""
    email = email.strip().lower()
    if email.endswith(f"@{ERASED_EMAIL_DOMAIN}") or ErasedAddress.objects.holds(email):
        return SurveyClearance(
            email=email,
            allowed=False,
            reasons=["The person was erased at their request (GDPR): never survey them."],
            contact=None,
            suppressions=[],
            reason_codes=["erased"],
        )
    contact = Contact.objects.select_related("account").filter(email__iexact=email).first()
    if contact is None:
        return SurveyClearance(email=email, allowed=True, reasons=[], contact=None, suppressions=[])
    reasons, codes = [], []
    if contact.opted_out:
        reasons.append("The contact opted out of surveys.")
        codes.append("opted_out")
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
    if suppressions:
        codes.append("suppressed")
    return SurveyClearance(
        email=email,
        allowed=not reasons,
        reasons=reasons,
        contact=contact,
        suppressions=suppressions,
        reason_codes=codes,
    )


# --- the campaign pages ---------------------------------------------------------------------

SHOW_EXCLUDED_PREFIX = "excluded-"
ACCOUNT_SUGGESTIONS = 20
ANSWER_COUNTS = {**NPS_COUNTS, "commented": Count("pk", filter=~Q(comment=""))}


def campaign_list() -> QuerySet[Campaign]:
    """Every campaign, sent by NPS Loop or imported from another tool, the latest first: drafts
    by when they were created, the others by when they were launched or started."""
    return Campaign.objects.select_related("audience_account", "audience_csm").order_by(
        Coalesce("launched_at", "started_at", "created_at").desc(), "-pk"
    )


@dataclass(frozen=True)
class CampaignRow:
    """A campaign of the list with its figures."""

    campaign: Campaign
    sent: int | None
    nps: NpsSummary
    with_comment: int

    @property
    def answered(self) -> int:
        return self.nps.responses

    @property
    def response_rate(self) -> float | None:
        return 100 * self.answered / self.sent if self.sent else None


def campaign_rows(campaigns: Sequence[Campaign]) -> list[CampaignRow]:
    """The figures of a page of campaigns, in two queries whatever their number."""
    ids = [campaign.pk for campaign in campaigns]
    counted = (
        Response.objects.filter(campaign_id__in=ids)
        .values("campaign")
        .annotate(**ANSWER_COUNTS)
        .order_by()
    )
    answers = {row["campaign"]: row for row in counted}
    sent = dict(
        Invitation.objects.filter(campaign_id__in=ids, sent_at__isnull=False)
        .values("campaign")
        .annotate(n=Count("id"))
        .values_list("campaign", "n")
        .order_by()
    )
    rows = []
    for campaign in campaigns:
        counts = answers.get(campaign.pk, {})
        rows.append(
            CampaignRow(
                campaign=campaign,
                sent=_sent(campaign, sent.get(campaign.pk, 0)),
                nps=summary_of(counts),
                with_comment=counts.get("commented", 0),
            )
        )
    return rows


def _sent(campaign: Campaign, invitations_sent: int) -> int | None:
    """Emails NPS Loop sent are counted from their invitations; another tool's campaign
    says how many people it asked, or nothing."""
    return invitations_sent if campaign.is_email else campaign.invitations_sent


@dataclass(frozen=True)
class CampaignFigures:
    """What became of a campaign's invitations, and of the answers they brought."""

    planned: int  # invitations created (by the planning of an email campaign)
    waiting: int  # still to send: scheduled, or being sent right now
    sent: int | None
    bounced: int
    failed: int
    opted_out: int
    complained: int  # marked as spam, reported by the email provider
    retrying: int  # soft-bounced, to be sent again
    excluded_by_reason: dict[Exclusion, int]
    nps: NpsSummary
    with_comment: int

    @property
    def answered(self) -> int:
        return self.nps.responses

    @property
    def excluded(self) -> int:
        return sum(self.excluded_by_reason.values())

    @property
    def response_rate(self) -> float | None:
        return 100 * self.answered / self.sent if self.sent else None

    @property
    def comment_rate(self) -> float | None:
        return 100 * self.with_comment / self.answered if self.answered else None

    @property
    def done(self) -> int:
        return self.planned - self.waiting

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.planned) if self.planned else 0


def campaign_figures(campaign: Campaign) -> CampaignFigures:
    """Sent, answered, rates, NPS, bounces (soft ones being retried apart), spam complaints,
    opt-outs and exclusions of one campaign."""
    rows = (
        Invitation.objects.filter(campaign=campaign)
        .values("status", "exclusion")
        .annotate(
            n=Count("id"),
            sent=Count("id", filter=Q(sent_at__isnull=False)),
            bounced=Count("id", filter=Q(bounced_at__isnull=False)),
            opted_out=Count("id", filter=Q(opted_out_at__isnull=False)),
            complained=Count("id", filter=Q(complained_at__isnull=False)),
        )
        .order_by()
    )
    totals = dict.fromkeys(
        ("n", "sent", "bounced", "opted_out", "complained", "waiting", "failed", "retrying"), 0
    )
    excluded: dict[Exclusion, int] = {}
    for row in rows:
        for key in ("n", "sent", "bounced", "opted_out", "complained"):
            totals[key] += row[key]
        if row["status"] in (InvitationStatus.SCHEDULED, InvitationStatus.SENDING):
            totals["waiting"] += row["n"]
        elif row["status"] == InvitationStatus.FAILED:
            totals["failed"] += row["n"]
        elif row["status"] == InvitationStatus.DEFERRED:
            totals["retrying"] += row["n"]
        elif row["status"] == InvitationStatus.EXCLUDED:
            reason = Exclusion(row["exclusion"])
            excluded[reason] = excluded.get(reason, 0) + row["n"]
    counts = Response.objects.filter(campaign=campaign).aggregate(**ANSWER_COUNTS)
    return CampaignFigures(
        planned=totals["n"],
        waiting=totals["waiting"],
        sent=_sent(campaign, totals["sent"]),
        bounced=totals["bounced"],
        failed=totals["failed"],
        opted_out=totals["opted_out"],
        complained=totals["complained"],
        retrying=totals["retrying"],
        excluded_by_reason=dict(sorted(excluded.items(), key=lambda item: -item[1])),
        nps=summary_of(counts),
        with_comment=counts.get("commented", 0),
    )


@dataclass(frozen=True)
class DayOfAnswers:
    day: dt.date
    detractors: int
    passives: int
    promoters: int

    @property
    def answers(self) -> int:
        return self.detractors + self.passives + self.promoters


def answers_per_day(campaign: Campaign) -> list[DayOfAnswers]:
    """The campaign's answers by day (in the server's time zone) and category, every day from
    the first answer to the last one, days without answers included."""
    rows = (
        Response.objects.filter(campaign=campaign)
        .annotate(day=TruncDate("answered_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .with_nps_counts()
        .order_by()
    )
    counts: dict[dt.date, dict[str, int]] = {row["day"]: row for row in rows}
    if not counts:
        return []
    days, day = [], min(counts)
    while day <= max(counts):
        found = counts.get(day, {})
        days.append(
            DayOfAnswers(
                day=day,
                detractors=found.get("detractors", 0),
                passives=found.get("passives", 0),
                promoters=found.get("promoters", 0),
            )
        )
        day += dt.timedelta(days=1)
    return days


def campaign_invitations(campaign: Campaign, *, show: str = "") -> QuerySet[Invitation]:
    """The campaign's invitations in sending order, with their contact, account and answer;
    `show` keeps one status, or the invitations excluded for one reason ("excluded-quota")."""
    invitations = Invitation.objects.filter(campaign=campaign)
    if show.startswith(SHOW_EXCLUDED_PREFIX):
        invitations = invitations.filter(
            status=InvitationStatus.EXCLUDED, exclusion=show.removeprefix(SHOW_EXCLUDED_PREFIX)
        )
    elif show:
        invitations = invitations.filter(status=show)
    # The answer's current case, when the playbooks opened one (read through the reverse relation:
    # `surveys` does not import `playbooks`).
    return (
        invitations.select_related("contact", "account", "response")
        .annotate(
            current_case=FilteredRelation(
                "response__cases", condition=Q(response__cases__superseded_at__isnull=True)
            )
        )
        .annotate(case_id=F("current_case__id"))
        .order_by("scheduled_for", "pk")
    )


def sending_plan(*, count: int, start: dt.datetime, days: int) -> list[tuple[dt.date, int]]:
    """How many of `count` invitations a campaign starting at `start` sends on each of its
    `days` sending days (working days of the business settings)."""
    loop = LoopSettings.current()
    rules = {"working_days": loop.working_days, "holidays": parse_holidays(loop.holidays)}
    start = timezone.localtime(start)
    per_moment = Counter(drip_times(count, start=start, days=days, **rules))
    return [
        (moment.date(), per_moment.get(moment, 0)) for moment in sending_days(start, days, **rules)
    ]


def accounts_named(search: str) -> list[Account]:
    """Accounts whose name contains `search` or whose CRM id starts with it, A to Z: the
    suggestions of a campaign's account filter."""
    search = search.strip()
    if not search:
        return []
    return list(
        Account.objects.filter(Q(name__icontains=search) | Q(external_id__istartswith=search))
        .only("pk", "name", "external_id")
        .order_by("name", "external_id")[:ACCOUNT_SUGGESTIONS]
    )


def account_tiers() -> list[str]:
    """The tiers accounts have, A to Z: the suggestions of a campaign's tier filter."""
    return list(
        Account.objects.exclude(tier="").values_list("tier", flat=True).distinct().order_by("tier")
    )


# The person a preview addresses when the campaign's audience is empty.
EXAMPLE_CONTACT_NAME = "Alex Example"
EXAMPLE_CONTACT_EMAIL = "alex@example.com"


def example_contact(campaign: Campaign, *, language: str) -> Contact:
    """Who a preview of the campaign's email addresses: the first contact of its audience who
    reads `language`, else its first contact, else a made-up one (not saved)."""
    audience = campaign_audience(campaign)
    contact = audience.filter(language__istartswith=language).first() or audience.first()
    return contact or Contact(
        name=EXAMPLE_CONTACT_NAME, email=EXAMPLE_CONTACT_EMAIL, language=language
    )
