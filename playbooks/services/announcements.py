"""What `playbooks` announces to outbound webhooks: cases opened, escalated, closed and won
back, and contacts erased. The bodies' schema is documented in docs/webhooks.md (version 1);
every case event carries the same `case` fields, plus its own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from playbooks.models import Case, Escalation
from surveys.models import Response
from webhooks.services.outbox import Announcement, emit, emit_many

OPENED = "case.opened"
ESCALATED = "case.escalated"
CLOSED = "case.closed"
WON_BACK = "case.won_back"
ERASED = "contact.erased"


def case_data(case: Case) -> dict[str, Any]:
    """The fields every case event carries (the case's answer, playbook, owner, contact and
    account are read if not loaded yet)."""
    owner, account = case.owner, case.account
    return {
        "id": case.pk,
        "url": settings.NPS_BASE_URL + reverse("case-detail", args=[case.pk]),
        "status": case.status,
        "category": case.category,
        "priority": case.priority,
        "response_id": case.response_id,
        "score": case.response.score,
        "playbook": {"id": case.playbook_id, "name": case.playbook.name},
        "owner": None
        if owner is None
        else {"id": owner.pk, "name": owner.name, "email": owner.email},
        "contact": {"id": case.contact_id, "email": case.contact.email},
        "account": None
        if account is None
        else {"id": account.pk, "external_id": account.external_id},
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "outcome": case.outcome,
        "root_cause": root_cause_data(case.root_cause) if case.root_cause_id else None,
        "won_back_at": case.won_back_at,
    }


def root_cause_data(cause) -> dict[str, Any]:
    """A root cause as the cases API gives it: a sub-cause with its cause as `parent`."""
    parent = cause.parent
    return {
        "id": cause.pk,
        "name": cause.name,
        "name_fr": cause.name_fr,
        "parent": None
        if parent is None
        else {"id": parent.pk, "name": parent.name, "name_fr": parent.name_fr},
    }


def escalation_data(escalation: Escalation) -> dict[str, Any]:
    return {
        "id": escalation.pk,
        "rule": escalation.rule,
        "level": escalation.level,
        "reason": escalation.reason,
        "raised_at": escalation.raised_at,
    }


def case_announcement(event_type: str, case: Case, **extra: Any) -> Announcement:
    """An event about the case; its body is built only if an endpoint wants it."""

    def data() -> dict[str, Any]:
        return {**case_data(case), **{key: build() for key, build in extra.items()}}

    return Announcement(event_type, f"case:{case.pk}", data, contact_id=case.contact_id)


def opened(case: Case) -> Announcement:
    return case_announcement(OPENED, case)


def escalated(case: Case, escalation: Escalation) -> Announcement:
    return case_announcement(ESCALATED, case, escalation=lambda: escalation_data(escalation))


def announce_escalated(*, case: Case, escalation: Escalation) -> None:
    """Announce an escalation raised on the case (`case.escalated`)."""
    emit_many([escalated(case, escalation)])


def announce_closed(*, case: Case) -> None:
    """Announce a case closed (`case.closed`)."""
    emit_many([case_announcement(CLOSED, case)])


def announce_won_back(*, case: Case, follow_up: Response) -> None:
    """Announce a case whose follow-up answer moved up a category (`case.won_back`)."""
    emit_many(
        [
            case_announcement(
                WON_BACK,
                case,
                follow_up=lambda: {
                    "response_id": follow_up.pk,
                    "score": follow_up.score,
                    "category": follow_up.category,
                },
            )
        ]
    )


def announce_erased(*, contact_id: int) -> None:
    """Announce a contact erased (`contact.erased`): the id alone, no personal data."""
    emit(
        ERASED,
        object_key=f"contact:{contact_id}",
        data={"id": contact_id, "erased_at": timezone.now()},
    )
