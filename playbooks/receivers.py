"""How the playbook engine hears of new answers: the `response_recorded` signal of `surveys`."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from core.background import enqueue_on_commit
from surveys.signals import contact_matched, response_recorded, response_updated

logger = logging.getLogger(__name__)


@receiver(response_recorded, dispatch_uid="playbooks.enqueue_processing")
def enqueue_processing(sender, response, **kwargs) -> None:
    """Enqueue `process_response` once the answer's transaction commits.

    `robust=True`: when the broker is unreachable the answer is still stored (it is
    already committed) and stays unprocessed; the minute sweep enqueues it again.
    """
    enqueue_on_commit("playbooks.process_response", response_id=response.pk)


@receiver(response_updated, dispatch_uid="playbooks.note_answer_amended")
def note_answer_amended(sender, response, fields, previous=None, **kwargs) -> None:
    """A comment that arrives after the case opened shows on the case's timeline; a corrected
    score is processed again when it has no case yet or its case's playbook no longer fits
    (that case is superseded)."""
    from playbooks.services.engine import note_answer_amended

    if note_answer_amended(response=response, fields=list(fields), previous=previous or {}):
        enqueue_processing(sender, response)


@receiver(contact_matched, dispatch_uid="playbooks.cases_follow_their_account")
def cases_follow_their_account(sender, contact, account, response_ids, actor, **kwargs) -> None:
    """Cases opened while their answer matched no account join it, in the same transaction."""
    from playbooks.models import Case
    from playbooks.services.cases import match_case_to_account

    for case in Case.objects.filter(response_id__in=response_ids, account__isnull=True):
        match_case_to_account(case=case, account=account, actor=actor)
