"""The events NPS Loop announces, and a sample of each body's `data` (schema version 1).

The sample is what "Send test" delivers, and the documentation's example: tests check that
every real event has exactly its shape (the same keys, at every level). Within version 1
fields are only ever added, never renamed or removed (docs/webhooks.md).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

SCHEMA_VERSION = 1

EVENT_TYPES = {
    "response.recorded": _("An answer was recorded"),
    "response.updated": _("An answer was corrected"),
    "case.opened": _("A case was opened"),
    "case.escalated": _("A case was escalated"),
    "case.closed": _("A case was closed"),
    "case.won_back": _("A case was won back"),
    "contact.opted_out": _("A contact opted out of surveys"),
    "contact.erased": _("A contact was erased"),
    "issue.threshold_reached": _("A recurring issue reached the alert threshold"),
}

_ACCOUNT = {"id": 7, "external_id": "ACME-001"}
_CONTACT = {"id": 31, "email": "jane.doe@acme.example"}

_RESPONSE = {
    "id": 1042,
    "score": 3,
    "category": "detractor",
    "comment": "Support takes days to answer.",
    "language": "en",
    "source": "api",
    "external_id": "survey-tool-8812",
    "answered_at": "2026-12-01T09:30:00+00:00",
    "campaign_id": None,
    "contact": _CONTACT,
    "account": _ACCOUNT,
}

_CASE = {
    "id": 215,
    "url": "https://nps.example.com/cases/215/",
    "status": "new",
    "category": "detractor",
    "priority": 2,
    "response_id": 1042,
    "score": 3,
    "playbook": {"id": 1, "name": "Detractor follow-up"},
    "owner": {"id": 4, "name": "Camille Martin", "email": "camille@nps.example.com"},
    "contact": _CONTACT,
    "account": _ACCOUNT,
    "opened_at": "2026-12-01T09:30:02+00:00",
    "closed_at": None,
    "outcome": "",
    "root_cause": None,
    "won_back_at": None,
}
_ROOT_CAUSE = {
    "id": 14,
    "name": "Billing errors",
    "name_fr": "Erreurs de facturation",
    "parent": {"id": 2, "name": "Product", "name_fr": "Produit"},
}

SAMPLES: dict[str, dict[str, Any]] = {
    "response.recorded": {**_RESPONSE},
    "response.updated": {**_RESPONSE, "changed": ["score", "comment"]},
    "case.opened": {**_CASE},
    "case.escalated": {
        **_CASE,
        "priority": 3,
        "escalation": {
            "id": 88,
            "rule": "arr_at_stake",
            "level": 2,
            "reason": "ARR at stake: 80000 EUR",
            "raised_at": "2026-12-01T09:30:02+00:00",
        },
    },
    "case.closed": {
        **_CASE,
        "status": "closed",
        "closed_at": "2026-12-09T16:00:00+00:00",
        "outcome": "resolved",
        "root_cause": _ROOT_CAUSE,
    },
    "case.won_back": {
        **_CASE,
        "status": "closed",
        "closed_at": "2026-12-09T16:00:00+00:00",
        "outcome": "resolved",
        "root_cause": _ROOT_CAUSE,
        "won_back_at": "2027-01-20T10:00:00+00:00",
        "follow_up": {"response_id": 1380, "score": 9, "category": "promoter"},
    },
    "contact.opted_out": {**_CONTACT, "opted_out_at": "2026-12-02T08:00:00+00:00"},
    # No personal data: the id is all a receiver needs to forget the person.
    "contact.erased": {"id": 31, "erased_at": "2026-12-03T11:00:00+00:00"},
    "issue.threshold_reached": {
        "id": 12,
        "kind": "root_cause",
        "issue": {
            "id": 5,
            "name": "Product › Billing errors",
            "name_fr": "Produit › Erreurs de facturation",
        },
        "url": "https://nps.example.com/recurring-issues/?start=2026-11-02&end=2026-12-01",
        "window": {"start": "2026-11-02", "end": "2026-12-01", "days": 30},
        "threshold": {"detractor_answers": 10, "arr": 250000},
        "figures": {
            "cases": 9,
            "answers": 0,
            "accounts": 2,
            "detractor_answers": 11,
            "arr": "180000.00",
        },
        "accounts": [
            {"id": 7, "name": "Acme", "arr": "120000.00", "currency": "EUR"},
            {"id": 9, "name": "Globex", "arr": "60000.00", "currency": "EUR"},
        ],
        "raised_at": "2026-12-01T10:20:00+00:00",
    },
}


def sample_data(event_type: str) -> dict[str, Any]:
    """The sample `data` of an event type (a copy)."""
    return dict(SAMPLES[event_type])


def shape(value: Any) -> Any:
    """The keys of a body, at every level, without the values: what two bodies of one
    event type have in common."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], dict) else []
    return None
