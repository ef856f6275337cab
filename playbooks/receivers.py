"""How the playbook engine hears of new answers: the `response_recorded` signal of `surveys`."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver

from surveys.signals import response_recorded, response_updated

logger = logging.getLogger(__name__)


@receiver(response_recorded, dispatch_uid="playbooks.enqueue_processing")
def enqueue_processing(sender, response, **kwargs) -> None:
    """Enqueue `process_response` once the answer's transaction commits.

    `robust=True`: when the broker is unreachable the answer is still stored (it is
    already committed) and stays unprocessed; the minute sweep enqueues it again.
    """
    from playbooks.tasks import process_response

    response_id = response.pk
    transaction.on_commit(lambda: process_response.delay(response_id=response_id), robust=True)


@receiver(response_updated, dispatch_uid="playbooks.note_answer_amended")
def note_answer_amended(sender, response, fields, **kwargs) -> None:
    """A comment that arrives after the case opened shows on the case's timeline."""
    from playbooks.services.engine import note_answer_amended

    note_answer_amended(response=response, fields=list(fields))
