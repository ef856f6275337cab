"""The contact page: one person, their answers and cases, why surveys to them are paused,
and (for admins) erasing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.models import Contact
from core.access import Reach, reach_of
from playbooks.access import accounts_visible_to, answers_visible_to, cases_visible_to
from playbooks.models import OPEN_CASE_STATUSES, Case
from surveys.models import Response, Suppression
from surveys.selectors import active_suppressions

if TYPE_CHECKING:
    from core.models import User

LIST_LIMIT = 50


@dataclass(frozen=True)
class ContactPage:
    contact: Contact
    answers: list[Response]
    answer_count: int
    cases: list[Case]
    open_cases: int
    # Pauses of their own surveys in force (an open case, by hand, a bounce, a complaint).
    suppressions: list[Suppression]


def contact_page(*, user: User, contact_id: int) -> ContactPage | None:
    """The contact with what the reader may see of their answers and cases, or None when
    the reader may not see them: a contact of an account the reader sees, or (managers
    and admins) one matched to no account yet."""
    contact = Contact.objects.select_related("account").filter(pk=contact_id).first()
    if contact is None:
        return None
    if contact.account_id is None:
        if reach_of(user) is not Reach.EVERYTHING:
            return None
    elif not accounts_visible_to(user).filter(pk=contact.account_id).exists():
        return None
    answers = answers_visible_to(user).filter(contact=contact)
    cases = cases_visible_to(user).filter(contact=contact)
    return ContactPage(
        contact=contact,
        answers=list(answers.select_related("campaign").order_by("-answered_at")[:LIST_LIMIT]),
        answer_count=answers.count(),
        cases=list(cases.select_related("response").order_by("-opened_at")[:LIST_LIMIT]),
        open_cases=cases.filter(status__in=OPEN_CASE_STATUSES).count(),
        suppressions=list(active_suppressions().filter(contact=contact)),
    )
