"""Team notes on cases and accounts, and the colleagues they @mention.

A note is for the team, never for the customer. `@username` in its text mentions a colleague
(any active CSM, manager or admin): they are told, in the app and by email as they chose,
and may open what they were mentioned on. A mention of nobody is refused with the names
that would work, rather than telling no one.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Account
from core.models import User
from core.roles import Role
from playbooks.models import NOTE_MAX_LENGTH, Case, Note
from playbooks.services import notices
from playbooks.services.cases import record_event
from playbooks.timeline import say

# "@alice", "@jean-marc.dupont", "@ops@example.com": not the domain of an address in the text
# ("write to bob@acme.com"), and not a sentence's last full stop ("ask @alice.").
MENTION = re.compile(r"(?<![\w.@])@([\w+-]+(?:[.@][\w+-]+)*)")


def mentionable_people() -> QuerySet[User]:
    """Whom a note may mention: the active people holding a role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.CSM, Role.MANAGER, Role.ADMIN])
        .distinct()
        .order_by("username")
    )


def mentioned_in(body: str) -> list[User]:
    """The people `body` mentions; a ValidationError naming any handle that is nobody's."""
    handles = list(dict.fromkeys(h.lower() for h in MENTION.findall(body)))
    if not handles:
        return []
    people = {user.username.lower(): user for user in mentionable_people()}
    unknown = [handle for handle in handles if handle not in people]
    if unknown:
        raise ValidationError(
            {
                "body": _(
                    "Nobody can be mentioned as %(handles)s: check the spelling. "
                    "Mention a colleague with @ and their username, e.g. %(example)s."
                )
                % {
                    "handles": ", ".join(f"@{h}" for h in unknown),
                    "example": ", ".join(f"@{name}" for name in list(people)[:3]) or "@alice",
                }
            }
        )
    return [people[handle] for handle in handles]


def add_note(
    *, author: User, body: str, case: Case | None = None, account: Account | None = None
) -> Note:
    """Write a note on a case (it is on the timeline, and on its account's page) or on an
    account; tell the people it mentions."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write the note first.")})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"body": _("Keep the note under %(n)s characters.") % {"n": NOTE_MAX_LENGTH}}
        )
    people = mentioned_in(body)
    with transaction.atomic():
        note = Note.objects.create(
            author=author,
            body=body,
            case=case,
            account=case.account if case is not None else account,
        )
        note.mentions.set(people)
        if case is not None:
            record_event(
                case=case,
                kind="note",
                actor=author,
                message=say(gettext_noop("Note: %(note)s"), note=body),
                details={"note": note.pk, "mentions": [person.pk for person in people]},
            )
        _tell_mentioned(note, people, author)
    return note


def note_target(note: Note) -> str:
    """Where a note is read: its case's timeline, or its account's notes."""
    if note.case_id is not None:
        return f"{reverse('case-detail', args=[note.case_id])}#note-{note.pk}"
    return f"{reverse('account-detail', args=[note.account_id])}#note-{note.pk}"


def _tell_mentioned(note: Note, people: list[User], author: User) -> None:
    notices.tell_mentioned(note=note, people=people, author=author, target_url=note_target(note))
