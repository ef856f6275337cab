"""What `surveys` announces to outbound webhooks: answers recorded and corrected, contacts
who opted out. The bodies' schema is documented in docs/webhooks.md (version 1)."""

from __future__ import annotations

from typing import Any

from accounts.models import Contact
from surveys.models import Response
from webhooks.selectors import is_wanted
from webhooks.services.outbox import Announcement, emit, emit_many

RECORDED = "response.recorded"
UPDATED = "response.updated"
OPTED_OUT = "contact.opted_out"


def response_data(response: Response) -> dict[str, Any]:
    """The `data` of a response event (reads only what recording the answer read)."""
    account = response.account
    return {
        "id": response.pk,
        "score": response.score,
        "category": response.category,
        "comment": response.comment,
        "language": response.language,
        "source": response.source,
        "external_id": response.external_id,
        "answered_at": response.answered_at,
        "campaign_id": response.campaign_id,
        "contact": {"id": response.contact_id, "email": response.contact.email},
        "account": None
        if account is None
        else {"id": account.pk, "external_id": account.external_id},
    }


def announce_recorded(*, response: Response) -> None:
    """Announce a new answer (`response.recorded`)."""
    emit(
        RECORDED,
        object_key=f"response:{response.pk}",
        data=lambda: response_data(response),
        contact_id=response.contact_id,
    )


def announce_recorded_batch(*, response_ids: list[int]) -> None:
    """Announce the answers of a batch (an import's, a bulk request's), in one query."""
    if not response_ids or not is_wanted(RECORDED):
        return
    responses = Response.objects.select_related("contact", "account").filter(pk__in=response_ids)
    emit_many(
        [
            Announcement(
                RECORDED,
                f"response:{response.pk}",
                response_data(response),
                contact_id=response.contact_id,
            )
            for response in responses.order_by("pk")
        ]
    )


def announce_updated(*, response: Response, fields: list[str]) -> None:
    """Announce a corrected answer (`response.updated`), with the fields that changed."""
    emit(
        UPDATED,
        object_key=f"response:{response.pk}",
        data=lambda: {**response_data(response), "changed": list(fields)},
        contact_id=response.contact_id,
    )


def announce_opted_out(*, contact: Contact) -> None:
    """Announce a contact who asked for no more surveys (`contact.opted_out`)."""
    announce_opted_out_many(contacts=[contact])


def announce_opted_out_many(*, contacts: list[Contact]) -> None:
    """Announce contacts opted out at once (a CSV import's), in one go."""
    if not contacts or not is_wanted(OPTED_OUT):
        return
    emit_many(
        [
            Announcement(
                OPTED_OUT,
                f"contact:{contact.pk}",
                {"id": contact.pk, "email": contact.email, "opted_out_at": contact.opted_out_at},
                contact_id=contact.pk,
            )
            for contact in contacts
        ]
    )
