"""Who a campaign reaches, and who may not be surveyed now and why (reads only).

The same rules judge the preview an admin sees before launching and every batch
just before it is sent: opted out; an active suppression of the contact or of
their account (an open case, one set by hand); surveyed or answering within the
throttling window; their account's quota for the period reached.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contact, Influence
from core.models import LoopSettings
from surveys.models import Campaign, Exclusion, Invitation, Response, Suppression

# IN lists stay well below what any database accepts.
CHUNK = 5000


@dataclass(frozen=True)
class Member:
    """A contact as the exclusion rules see it."""

    contact_id: int
    account_id: int | None
    opted_out: bool


@dataclass(frozen=True)
class Verdict:
    """Why a contact may not be surveyed now; `available_at` when waiting would do."""

    reason: Exclusion
    note: str
    available_at: dt.datetime | None = None


@dataclass(frozen=True)
class Rules:
    throttle_days: int
    quota: int | None
    quota_days: int

    @classmethod
    def current(cls) -> Rules:
        loop = LoopSettings.current()
        return cls(
            throttle_days=loop.survey_throttle_days,
            quota=loop.account_survey_quota,
            quota_days=loop.account_quota_days,
        )


def campaign_audience(campaign: Campaign) -> QuerySet[Contact]:
    """The contacts of accounts the campaign's filters select, most influential first.

    People matched to no account are left out: a campaign asks customers the CRM knows;
    so are people erased at their request.
    """
    contacts = Contact.objects.not_erased().filter(account__isnull=False)
    if campaign.audience_segment:
        contacts = contacts.filter(account__segment=campaign.audience_segment)
    if campaign.audience_tier:
        contacts = contacts.filter(account__tier__iexact=campaign.audience_tier)
    if campaign.audience_persona:
        contacts = contacts.filter(persona=campaign.audience_persona)
    if campaign.audience_account_id:
        contacts = contacts.filter(account_id=campaign.audience_account_id)
    if campaign.audience_csm_id:
        contacts = contacts.filter(account__csm_id=campaign.audience_csm_id)
    influence_rank = Case(
        When(influence=Influence.HIGH, then=Value(0)),
        When(influence=Influence.MEDIUM, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return contacts.alias(rank=influence_rank).order_by("rank", "pk")


def members_of(contacts: QuerySet[Contact]) -> list[Member]:
    return [
        Member(contact_id=pk, account_id=account_id, opted_out=opted_out)
        for pk, account_id, opted_out in contacts.values_list("pk", "account_id", "opted_out")
    ]


# A case's follow-up survey is part of the conversation the customer is in, asked for on
# the date the plan promised: the rules against surveying too often (the throttling
# window, which the case's own answer would otherwise trigger, and the account's quota)
# do not hold it back. Opting out, erasure and other pauses still do.
NOT_FOR_FOLLOW_UPS = frozenset({Exclusion.THROTTLED, Exclusion.QUOTA})


def follow_up_verdict(verdict: Verdict | None) -> Verdict | None:
    """What of `verdict` holds for a case's follow-up survey (see NOT_FOR_FOLLOW_UPS)."""
    return None if verdict is None or verdict.reason in NOT_FOR_FOLLOW_UPS else verdict


def exclusions_for(
    members: Sequence[Member],
    *,
    at: dt.datetime | None = None,
    rules: Rules | None = None,
    ignore_suppression_ids: Iterable[int] = (),
    among: QuerySet[Contact] | None = None,
) -> dict[int, Verdict]:
    """Contact id → why that member may not be surveyed at `at`; members absent may be.

    The quota is shared in the order of `members`: the first ones of an account take
    what is left of it. Reasons are checked in a fixed order (opted out, suppressed,
    surveyed recently, quota) and the first that applies is given. `among`, the
    queryset the members were read from, lets a whole audience be read through
    subqueries instead of long lists of ids.
    """
    at = at or timezone.now()
    rules = rules or Rules.current()
    contacts = _scope([m.contact_id for m in members], among, "pk")
    accounts = _scope({m.account_id for m in members} - {None}, among, "account_id")
    suppressed = _suppressions(contacts, accounts, at, set(ignore_suppression_ids))
    last_surveyed = _last_surveyed(contacts, at - dt.timedelta(days=rules.throttle_days))
    quota_used = (
        _quota_used(accounts, at - dt.timedelta(days=rules.quota_days))
        if rules.quota is not None
        else Counter()
    )
    verdicts: dict[int, Verdict] = {}
    for member in members:
        verdict = _judge(member, rules, suppressed, last_surveyed, quota_used)
        if verdict is None:
            if member.account_id is not None:
                quota_used[member.account_id] += 1
        else:
            verdicts[member.contact_id] = verdict
    return verdicts


def _judge(member, rules, suppressed, last_surveyed, quota_used) -> Verdict | None:
    if member.opted_out:
        return Verdict(Exclusion.OPTED_OUT, _("Unsubscribed from surveys."))
    if member.account_id is None:
        return Verdict(Exclusion.NO_ACCOUNT, _("No longer belongs to an account."))
    suppression = suppressed.get(("contact", member.contact_id)) or suppressed.get(
        ("account", member.account_id)
    )
    if suppression is not None:
        return Verdict(Exclusion.SUPPRESSED, _suppression_note(suppression))
    surveyed_at = last_surveyed.get(member.contact_id)
    if surveyed_at is not None:
        return Verdict(
            Exclusion.THROTTLED,
            _("Surveyed or answered on %(date)s; %(days)s days must pass between two surveys.")
            % {"date": f"{timezone.localtime(surveyed_at):%Y-%m-%d}", "days": rules.throttle_days},
            available_at=surveyed_at + dt.timedelta(days=rules.throttle_days),
        )
    if rules.quota is not None and quota_used[member.account_id] >= rules.quota:
        return Verdict(
            Exclusion.QUOTA,
            _("The account already had %(quota)s surveys in the last %(days)s days.")
            % {"quota": rules.quota, "days": rules.quota_days},
        )
    return None


def _suppression_note(suppression: Suppression) -> str:
    scope = _("the contact") if suppression.contact_id else _("everyone at the account")
    if suppression.ends_at:
        until = _("until %(date)s") % {
            "date": f"{timezone.localtime(suppression.ends_at):%Y-%m-%d}"
        }
    else:
        until = _("until lifted")
    note = f" — {suppression.note}" if suppression.note else ""
    return (
        _("Surveys to %(scope)s are suppressed %(until)s: %(reason)s")
        % {"scope": scope, "until": until, "reason": suppression.get_reason_display()}
        + note
        + "."
    )


def _scope(ids: Iterable[int], among: QuerySet[Contact] | None, field: str) -> list:
    """What `__in` lookups take for these ids: one subquery of `among` when given, else the
    ids in chunks."""
    if among is not None:
        return [among.order_by().values(field)]
    ordered = sorted(ids)
    return [ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)]


def _suppressions(contacts, accounts, at, ignored) -> dict[tuple[str, int], Suppression]:
    live = (
        Suppression.objects.filter(lifted_at__isnull=True, starts_at__lte=at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .exclude(pk__in=ignored)
    )
    found: dict[tuple[str, int], Suppression] = {}
    for ids in contacts:
        for suppression in live.filter(contact_id__in=ids):
            found.setdefault(("contact", suppression.contact_id), suppression)
    for ids in accounts:
        for suppression in live.filter(account_id__in=ids):
            found.setdefault(("account", suppression.account_id), suppression)
    return found


def _last_surveyed(contacts: list, since: dt.datetime) -> dict[int, dt.datetime]:
    """Contact id → the latest invitation sent or answer received since `since`."""
    latest: dict[int, dt.datetime] = {}
    for ids in contacts:
        sent = (
            Invitation.objects.filter(contact_id__in=ids, sent_at__gte=since)
            .values("contact_id")
            .annotate(last=Max("sent_at"))
        )
        answered = (
            Response.objects.filter(contact_id__in=ids, answered_at__gte=since)
            .values("contact_id")
            .annotate(last=Max("answered_at"))
        )
        for row in [*sent, *answered]:
            known = latest.get(row["contact_id"])
            if known is None or row["last"] > known:
                latest[row["contact_id"]] = row["last"]
    return latest


def _quota_used(accounts: list, since: dt.datetime) -> Counter:
    """Account id → invitations sent to its people since `since`."""
    used: Counter = Counter()
    for ids in accounts:
        rows = (
            Invitation.objects.filter(account_id__in=ids, sent_at__gte=since)
            .values("account_id")
            .annotate(n=Count("id"))
        )
        for row in rows:
            used[row["account_id"]] = row["n"]
    return used


# --- the preview before launching ---------------------------------------------------------


@dataclass(frozen=True)
class ExcludedContact:
    contact: Contact
    verdict: Verdict


@dataclass(frozen=True)
class AudiencePreview:
    """How many people a campaign would reach if it were sent now, and who it would not."""

    audience: int
    excluded_by_reason: dict[Exclusion, int] = field(default_factory=dict)
    examples: list[ExcludedContact] = field(default_factory=list)
    # When the rules were applied: now, or the first sending when that is later.
    judged_at: dt.datetime | None = None
    at_first_sending: bool = False

    @property
    def excluded(self) -> int:
        return sum(self.excluded_by_reason.values())

    @property
    def reachable(self) -> int:
        return self.audience - self.excluded


def audience_preview(
    campaign: Campaign, *, at: dt.datetime | None = None, examples: int = 20
) -> AudiencePreview:
    """The campaign's audience judged by the exclusion rules, with a few named examples.

    By default it is judged at the first sending when that is still to come (people
    surveyed recently may be free again by then), else now.
    """
    now = timezone.now()
    at_first_sending = at is None and campaign.send_at is not None and campaign.send_at > now
    if at is None:
        at = campaign.send_at if at_first_sending else now
    audience = campaign_audience(campaign)
    members = members_of(audience)
    verdicts = exclusions_for(members, at=at, among=audience)
    by_reason = Counter(verdict.reason for verdict in verdicts.values())
    shown = list(verdicts)[:examples]
    contacts = Contact.objects.select_related("account").in_bulk(shown)
    return AudiencePreview(
        audience=len(members),
        excluded_by_reason={Exclusion(reason): count for reason, count in by_reason.most_common()},
        examples=[ExcludedContact(contacts[pk], verdicts[pk]) for pk in shown if pk in contacts],
        judged_at=at,
        at_first_sending=at_first_sending,
    )
