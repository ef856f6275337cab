"""The dead-letter log: answers the worker could not process, kept for someone to look at."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from playbooks.models import ProcessingFailure
from surveys.models import Response

logger = logging.getLogger(__name__)


def record_processing_failure(*, response_id: int, error: BaseException) -> None:
    """Note that processing the answer failed for good; the re-enqueue skips it from now on."""
    message = f"{type(error).__name__}: {error}"[:2000]
    logger.error("process_response %s failed: %s", response_id, message)
    try:
        with transaction.atomic():
            if not Response.objects.filter(pk=response_id).exists():
                return
            now = timezone.now()
            failure, created = ProcessingFailure.objects.select_for_update().get_or_create(
                response_id=response_id,
                defaults={
                    "attempts": 1,
                    "error": message,
                    "first_failed_at": now,
                    "last_failed_at": now,
                },
            )
            if not created:
                ProcessingFailure.objects.filter(pk=failure.pk).update(
                    attempts=F("attempts") + 1, error=message, last_failed_at=now, resolved_at=None
                )
    except Exception:  # the database itself may be what failed: the log line above stays
        logger.exception("could not record the failure of answer %s", response_id)


def retry_failed_response(*, failure: ProcessingFailure) -> None:
    """Mark a dead-lettered answer for another try; the next sweep enqueues it."""
    ProcessingFailure.objects.filter(pk=failure.pk).update(resolved_at=timezone.now())
