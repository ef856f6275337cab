"""Who may see which case, account and answer: one rule, used by every page, export and API.

The rule is the case's (`Case.objects.visible_to`): managers, admins and REST API keys see
every case; a CSM sees the cases of the accounts they look after, the cases they own, the
cases with a step waiting for them or done by them, the cases they own an action item of,
and the cases a note mentions them on. A case given to someone else thus leaves its previous
owner's reach unless they still hold part of its work. Accounts
and answers follow from it: a CSM sees the accounts they look after, those a note mentions
them on and the accounts of the cases they may see; the answers of the accounts they look
after and the answers of the cases they may see. Unmatched answers (no account yet) are the
managers' and admins' to sort out.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Account
from core.access import Reach, reach_of
from core.roles import Role, has_role
from playbooks.models import Case, Note
from surveys.models import Response


def cases_visible_to(reader) -> QuerySet[Case]:
    """The cases `reader` (a person or an API key) may see."""
    return Case.objects.visible_to(reader)


def account_cases_visible_to(reader, account: Account) -> QuerySet[Case]:
    """The cases of `account` that `reader` may see. The CSM who looks after the account
    sees all of them, by the rule's first clause: the rule's other clauses, checked on
    each case, are then left out of the query."""
    reach = reach_of(reader)
    if reach is Reach.OWN and account.csm_id == reader.pk:
        return Case.objects.filter(account=account)
    return cases_visible_to(reader).filter(account=account)


def accounts_visible_to(reader) -> QuerySet[Account]:
    """The accounts `reader` may see: those they look after and those of their cases."""
    reach = reach_of(reader)
    if reach is Reach.EVERYTHING:
        return Account.objects.all()
    if reach is Reach.NOTHING:
        return Account.objects.none()
    has_visible_case = Exists(cases_visible_to(reader).filter(account=OuterRef("pk")))
    mentioned = Note.mentions.through.objects.filter(user=reader).values("note__account_id")
    return Account.objects.filter(Q(csm=reader) | has_visible_case | Q(pk__in=mentioned))


def answers_visible_to(reader) -> QuerySet[Response]:
    """The answers `reader` may see: those of the accounts they look after and of their cases."""
    reach = reach_of(reader)
    if reach is Reach.EVERYTHING:
        return Response.objects.all()
    if reach is Reach.NOTHING:
        return Response.objects.none()
    # The cases' answers as a set of ids computed once (a check per answer scans them all).
    of_visible_cases = cases_visible_to(reader).values("response_id")
    return Response.objects.filter(Q(account__csm=reader) | Q(pk__in=of_visible_cases))


def may_work(user, case: Case) -> bool:
    """Whether `user` may work the case as a whole (plan, escalate, close, reopen):
    managers and admins, its owner and its account's CSM. The others who may read it (a
    colleague with a step or an action item, someone a note mentions, a previous owner)
    do their own part and write notes, no more."""
    if has_role(user, Role.MANAGER, Role.ADMIN):
        return True
    if case.owner_id is not None and case.owner_id == user.pk:
        return True
    return case.account_id is not None and case.account.csm_id == user.pk


def may_work_step(user, case: Case, step) -> bool:
    """Whether `user` may do, skip or log a step: who works the case, or whom it waits for."""
    return may_work(user, case) or (step.assignee_id is not None and step.assignee_id == user.pk)


def may_work_item(user, case: Case, item) -> bool:
    """Whether `user` may change an action item: who works the case, or the item's owner."""
    return may_work(user, case) or (item.owner_id is not None and item.owner_id == user.pk)
