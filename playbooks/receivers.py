"""How the playbook engine hears of new answers: the `response_recorded` signal of `surveys`."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.signals import account_arr_changed, contact_role_changed
from core.background import (
    enqueue_in_batches_on_commit,
    enqueue_many_on_commit,
    enqueue_on_commit,
)
from playbooks.models import Playbook, PlaybookStep
from surveys.models import Source
from surveys.signals import (
    contact_matched,
    response_batch_recorded,
    response_recorded,
    response_updated,
)

logger = logging.getLogger(__name__)


# Answers that arrive by the thousand: processed in batches, on the `bulk` queue, after
# the answers someone just gave (survey page, API, webhooks) on the `live` queue.
BULK_SOURCES = frozenset({Source.CSV})
# History answers per engine task, in engine batches (`NPS_ENGINE_BATCH_SIZE`): processing
# one only tags its themes, a few milliseconds.
HISTORY_BATCH_FACTOR = 10


@receiver(response_recorded, dispatch_uid="playbooks.enqueue_processing")
def enqueue_processing(sender, response, **kwargs) -> None:
    """Enqueue the answer's processing once its transaction commits: alone on the `live`
    queue (`playbooks.process_response`), or, for an import's, in a batch on the `bulk`
    queue (`playbooks.process_responses`, `NPS_ENGINE_BATCH_SIZE` answers a task).

    `robust=True`: when the broker is unreachable the answer is still stored (it is
    already committed) and stays unprocessed; the minute sweep enqueues it again.
    """
    if response.source in BULK_SOURCES:
        enqueue_in_batches_on_commit(
            "playbooks.process_responses",
            key="response_ids",
            item=response.pk,
            size=settings.NPS_ENGINE_BATCH_SIZE,
        )
    else:
        enqueue_on_commit("playbooks.process_response", response_id=response.pk)


@receiver(response_batch_recorded, dispatch_uid="playbooks.enqueue_batch_processing")
def enqueue_batch_processing(sender, response_ids, history_ids=(), **kwargs) -> None:
    """The engine processes many new answers (opens their cases, or not) once their
    transaction commits: `NPS_ENGINE_BATCH_SIZE` answers a task, on the `bulk` queue,
    behind the answers people are giving now; all sent over one broker connection.
    History (`history_ids`, answers that open no case: the engine only tags their themes)
    goes `HISTORY_BATCH_FACTOR` times as many to a task: a hundred thousand rows of history
    are a few hundred tasks, not ten thousand.

    When the broker is unreachable the answers stay stored and unprocessed; the minute
    sweep enqueues them again."""
    size = settings.NPS_ENGINE_BATCH_SIZE
    batches = [response_ids[i : i + size] for i in range(0, len(response_ids), size)]
    history_ids = list(history_ids)
    size *= HISTORY_BATCH_FACTOR
    batches += [history_ids[i : i + size] for i in range(0, len(history_ids), size)]
    enqueue_many_on_commit(
        "playbooks.process_responses", [{"response_ids": batch} for batch in batches]
    )


@receiver(response_updated, dispatch_uid="playbooks.note_answer_amended")
def note_answer_amended(sender, response, fields, previous=None, **kwargs) -> None:
    """A comment that arrives after the case opened shows on the case's timeline; a corrected
    score is processed again when it has no case yet or its case's playbook no longer fits
    (that case is superseded)."""
    from playbooks.services.engine import note_answer_amended

    if note_answer_amended(response=response, fields=list(fields), previous=previous or {}):
        enqueue_on_commit("playbooks.process_response", response_id=response.pk)


@receiver(contact_matched, dispatch_uid="playbooks.cases_follow_their_account")
def cases_follow_their_account(sender, contact, account, response_ids, actor, **kwargs) -> None:
    """Cases opened while their answer matched no account join it, in the same transaction."""
    from playbooks.models import Case
    from playbooks.services.cases import match_case_to_account

    for case in Case.objects.filter(response_id__in=response_ids, account__isnull=True):
        match_case_to_account(case=case, account=account, actor=actor)


@receiver(account_arr_changed, dispatch_uid="playbooks.risk_follows_arr")
def risk_follows_arr(sender, account_ids, **kwargs) -> None:
    """An account's ARR changed: the stored risk of its cases follows, in the same
    transaction."""
    from playbooks.services.risk import refresh_risk_of_accounts

    refresh_risk_of_accounts(account_ids=list(account_ids))


@receiver(contact_role_changed, dispatch_uid="playbooks.risk_follows_influence")
def risk_follows_influence(sender, contact_ids, **kwargs) -> None:
    """A contact's persona or influence changed: the stored risk of their cases follows, in
    the same transaction."""
    from playbooks.services.risk import refresh_risk_of_contacts

    refresh_risk_of_contacts(contact_ids=list(contact_ids))


@receiver(post_save, sender=Playbook, dispatch_uid="playbooks.forget_playbooks_saved")
@receiver(post_delete, sender=Playbook, dispatch_uid="playbooks.forget_playbooks_deleted")
@receiver(post_save, sender=PlaybookStep, dispatch_uid="playbooks.forget_steps_saved")
@receiver(post_delete, sender=PlaybookStep, dispatch_uid="playbooks.forget_steps_deleted")
def forget_cached_playbooks(sender, **kwargs) -> None:
    """A playbook or a step changed (editor, admin): the engine's cached playbooks go, now and
    once the change commits (a worker may have cached the old ones meanwhile)."""
    from playbooks.selectors.cases import forget_active_playbooks

    forget_active_playbooks()
    transaction.on_commit(forget_active_playbooks, robust=True)
