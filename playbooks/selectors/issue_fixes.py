"""Reads for fixed recurring issues: who raised an issue, who of them may be emailed about
its fix (and why not the others), the email as each language reads it, and the NPS of those
contacts before and after the fix."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact, ErasedAddress
from core.periods import period_filter
from playbooks.fix_defaults import DEFAULT_FIX_EMAILS, FIX_PLACEHOLDERS
from playbooks.models import (
    Case,
    CaseOutcome,
    FixEmail,
    FixEmailStatus,
    IssueFix,
    IssueKind,
    MessageLanguage,
)
from playbooks.placeholders import fill
from surveys.models import Category, Invitation, InvitationStatus, Response
from surveys.nps import NpsSummary, summarize_counts

# Those who raised an issue and may hear it was fixed: the unhappy, not the promoters.
RAISING = (Category.DETRACTOR, Category.PASSIVE)
# Why a contact who raised the issue is not emailed, in the order they are checked.
EXCLUSIONS = {
    "erased": _("Erased at their request"),
    "no_email": _("No email address"),
    "opted_out": _("Opted out of emails"),
    "bounced": _("Their last survey email bounced"),
}


def _issue_cases(fix: IssueFix) -> QuerySet[Case]:
    """The cases of the issue over the fix's period: closed with the root cause (or one of
    its sub-causes), or opened or joined by an answer that carries the theme."""
    if fix.kind == IssueKind.ROOT_CAUSE:
        return Case.objects.filter(
            Q(root_cause_id=fix.root_cause_id) | Q(root_cause__parent_id=fix.root_cause_id),
            period_filter("closed_at", fix.raised_from, fix.raised_to),
        ).exclude(outcome__in=(CaseOutcome.SUPERSEDED, CaseOutcome.CONTACT_ERASED))
    answers = _theme_answers(fix)
    return Case.objects.filter(
        Q(response__in=answers.values("pk")) | Q(joined_answers__response__in=answers.values("pk"))
    ).distinct()


def _theme_answers(fix: IssueFix) -> QuerySet[Response]:
    return Response.objects.filter(
        period_filter("answered_at", fix.raised_from, fix.raised_to), themes=fix.theme_id
    )


def linked_case_ids(fix: IssueFix) -> list[int]:
    """The cases whose timeline says the issue was fixed."""
    return sorted(set(_issue_cases(fix).values_list("pk", flat=True)))


def raising_contacts(fix: IssueFix) -> dict[int, str]:
    """Contact id → the language of the answer they raised it in: the contacts of the
    issue's detractor and passive cases (root cause) or answers (theme) in the period."""
    if fix.kind == IssueKind.ROOT_CAUSE:
        rows = (
            _issue_cases(fix)
            .filter(category__in=RAISING)
            .values_list("contact_id", "response__language")
        )
    else:
        rows = (
            _theme_answers(fix).filter(category__in=RAISING).values_list("contact_id", "language")
        )
    return {contact_id: language or "" for contact_id, language in rows.order_by()}


@dataclass(frozen=True)
class Recipient:
    """A contact the fix's email goes to, and what fills its placeholders."""

    contact_id: int
    name: str
    first_name: str
    email: str
    account: str
    language: str


@dataclass(frozen=True)
class FixAudience:
    """Who of the contacts who raised an issue gets the email, and why the others do not."""

    recipients: list[Recipient]
    excluded: dict[str, int]  # reason (a key of EXCLUSIONS) → how many

    @property
    def raised(self) -> int:
        return len(self.recipients) + sum(self.excluded.values())

    def excluded_lines(self) -> list[tuple[str, int]]:
        """(reason in words, how many), in the order reasons are checked."""
        return [
            (str(EXCLUSIONS[key]), self.excluded[key]) for key in EXCLUSIONS if key in self.excluded
        ]

    def by_language(self) -> dict[str, int]:
        counts = Counter(recipient.language for recipient in self.recipients)
        return {language: counts.get(language, 0) for language in MessageLanguage.values}


def fix_audience(fix: IssueFix) -> FixAudience:
    """The contacts who raised the issue, split into who may be emailed about its fix and
    how many may not, by reason (erased, no address, opted out, last survey email bounced)."""
    raised = raising_contacts(fix)
    last_invitation = Invitation.objects.filter(contact=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    contacts = list(
        Contact.objects.filter(pk__in=list(raised))
        .select_related("account")
        .annotate(last_invitation=Subquery(last_invitation.values("status")[:1]))
        .order_by("pk")
    )
    erased_addresses = ErasedAddress.objects.among(contact.email for contact in contacts)
    recipients: list[Recipient] = []
    excluded: Counter[str] = Counter()
    for contact in contacts:
        reason = _exclusion(contact, erased_addresses)
        if reason:
            excluded[reason] += 1
            continue
        recipients.append(
            Recipient(
                contact_id=contact.pk,
                name=contact.name,
                first_name=contact.first_name or contact.name,
                email=contact.email,
                account=contact.account.name if contact.account else "",
                language=_language(contact.language, raised[contact.pk]),
            )
        )
    return FixAudience(recipients=recipients, excluded=dict(excluded))


def _exclusion(contact: Contact, erased_addresses: set[str]) -> str:
    if contact.is_erased or (contact.email or "").strip().lower() in erased_addresses:
        return "erased"
    if not contact.email:
        return "no_email"
    if contact.opted_out:
        return "opted_out"
    if contact.last_invitation == InvitationStatus.BOUNCED:
        return "bounced"
    return ""


def _language(*candidates: str) -> str:
    """English or French: the contact's, else their answer's, else the site's."""
    for candidate in (*candidates, settings.LANGUAGE_CODE):
        code = (candidate or "").lower()[:2]
        if code in MessageLanguage.values:
            return code
    return MessageLanguage.EN


def issue_name(fix: IssueFix, language: str) -> str:
    """The issue's name in `language`; a sub-cause's behind its cause's."""
    return fix.issue_labels()[language]


def email_templates(fix: IssueFix) -> dict[str, tuple[str, str]]:
    """Language → (subject, body): as sent, else the shipped text."""
    return {
        language: (fix.template(language) if fix.template(language)[0] else None)
        or DEFAULT_FIX_EMAILS[language]
        for language in MessageLanguage.values
    }


def fill_fix_email(
    *, fix: IssueFix, recipient: Recipient, subject: str, body: str, sender_name: str
) -> tuple[str, str]:
    """The subject and body one recipient reads, placeholders filled in their language."""
    with translation.override(recipient.language):
        fixed_on = date_format(timezone.localtime(fix.fixed_at).date(), "DATE_FORMAT")
    values = {
        "contact_name": recipient.name,
        "contact_first_name": recipient.first_name,
        "account": recipient.account,
        "issue": issue_name(fix, recipient.language),
        "release_note": fix.note,
        "fixed_on": fixed_on,
        "sender_name": sender_name,
    }
    return (
        " ".join(fill(subject, values, known=FIX_PLACEHOLDERS).split()),
        fill(body, values, known=FIX_PLACEHOLDERS),
    )


def sample_recipient(audience: FixAudience, language: str) -> Recipient:
    """A recipient of `language` to preview the email with; a made-up one when none."""
    for recipient in audience.recipients:
        if recipient.language == language:
            return recipient
    return Recipient(
        contact_id=0,
        name="Jane Doe" if language == MessageLanguage.EN else "Camille Martin",
        first_name="Jane" if language == MessageLanguage.EN else "Camille",
        email="",
        account="Acme",
        language=language,
    )


# --- the results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FixResult:
    """A fix and the NPS of the contacts who raised it: their latest answer before it, and
    their answers since."""

    fix: IssueFix
    contacts: int
    before: NpsSummary
    after: NpsSummary
    emails: dict[str, int]  # status → how many

    @property
    def emails_sent(self) -> int:
        return self.emails.get(FixEmailStatus.SENT, 0)


def fix_results(fixes: list[IssueFix]) -> list[FixResult]:
    """Each fix with the NPS of its contacts before and after it (three queries a fix)."""
    emails: dict[int, Counter[str]] = defaultdict(Counter)
    for fix_id, status in FixEmail.objects.filter(fix__in=fixes).values_list("fix_id", "status"):
        emails[fix_id][status] += 1
    results = []
    for fix in fixes:
        contact_ids = list(raising_contacts(fix))
        latest_before = (
            Response.objects.filter(contact_id__in=contact_ids, answered_at__lt=fix.fixed_at)
            .order_by("contact_id", "-answered_at", "-pk")
            .distinct("contact_id")
            .values_list("category", flat=True)
        )
        before = Counter(latest_before)
        after = Response.objects.filter(contact_id__in=contact_ids, answered_at__gte=fix.fixed_at)
        results.append(
            FixResult(
                fix=fix,
                contacts=len(contact_ids),
                before=summarize_counts(
                    before[Category.PROMOTER], before[Category.PASSIVE], before[Category.DETRACTOR]
                ),
                after=after.nps(),
                emails=dict(emails[fix.pk]),
            )
        )
    return results


def recent_fixes(*, limit: int = 20) -> list[IssueFix]:
    """The latest fixes, newest first, with their issue and who fixed them."""
    return list(IssueFix.objects.select_related("root_cause__parent", "theme", "fixed_by")[:limit])


def fixed_on_by_issue() -> dict[tuple[str, int], dt.date]:
    """(kind, issue id) → the day of its latest fix."""
    fixed: dict[tuple[str, int], dt.date] = {}
    for kind, cause_id, theme_id, fixed_at in IssueFix.objects.order_by("fixed_at").values_list(
        "kind", "root_cause_id", "theme_id", "fixed_at"
    ):
        key = (kind, cause_id if kind == IssueKind.ROOT_CAUSE else theme_id)
        fixed[key] = timezone.localdate(fixed_at)
    return fixed
