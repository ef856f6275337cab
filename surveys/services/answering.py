"""Answers given on the public survey page of an invitation, and unsubscribing from it.

The answer goes through `record_response` like any other, so the playbooks hear of
it; the invitation only points to it. Each service locks the invitation's row, so
two clicks at once (a person and a mail scanner, a double tap) serialise: the
first records the answer, the second finds it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from surveys.answers import AnswerIn
from surveys.models import Invitation, InvitationStatus, Response, Source
from surveys.public_selectors import answer_can_change, can_be_answered
from surveys.services.responses import opt_out_contact, record_response

logger = logging.getLogger(__name__)

# Invitations whose email went out and still waits for the person: an answer or an opt-out
# moves them on (one waiting to be sent again after a soft bounce is then not sent again).
ANSWERABLE = (InvitationStatus.SENT, InvitationStatus.DEFERRED)


class AnswerRefused(Exception):
    """The invitation takes no answer any more: its link expired, or the answer is final."""


@dataclass(frozen=True)
class Answered:
    """The invitation's answer; `created` False when an earlier click had recorded it."""

    response: Response
    created: bool


def external_id_for(invitation: Invitation) -> str:
    """The answer's id under the survey-page source: one answer per invitation."""
    return f"invitation-{invitation.pk}"


def mark_invitation_opened(*, invitation: Invitation) -> None:
    """Stamp the first visit of the invitation's page; later visits change nothing."""
    now = timezone.now()
    if Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now):
        invitation.opened_at = now


def answer_invitation(*, invitation: Invitation, score: int) -> Answered:
    """Record the invitation's first answer and link it; an answered invitation keeps its answer.

    Raises `AnswerRefused` when the link expired before anyone answered.
    """
    with transaction.atomic():
        locked = _locked(invitation)
        if locked.response is not None:
            return Answered(response=locked.response, created=False)
        now = timezone.now()
        if not can_be_answered(locked, at=now):
            raise AnswerRefused("The invitation's link has expired.")
        recorded = record_response(
            answer=AnswerIn(
                source=Source.SURVEY_PAGE,
                external_id=external_id_for(locked),
                email=locked.contact.email,
                score=score,
                campaign=locked.campaign,
                language=locked.language,
                answered_at=now,
            )
        )
        answer = {"answered_at": now, "response": recorded.response}
        opened = {"opened_at": Coalesce("opened_at", now)}
        # An invitation the person opted out of stays opted out, but still gets its answer.
        if not Invitation.objects.filter(
            pk=locked.pk, status__in=ANSWERABLE, response__isnull=True
        ).update(resend_at=None, status=InvitationStatus.ANSWERED, **answer, **opened):
            Invitation.objects.filter(pk=locked.pk, response__isnull=True).update(
                **answer, **opened
            )
    logger.info(
        "invitation answered id=%s response=%s created=%s",
        invitation.pk,
        recorded.response.pk,
        recorded.created,
    )
    invitation.refresh_from_db()
    return Answered(response=recorded.response, created=recorded.created)


def choose_score(*, invitation: Invitation, score: int) -> Answered:
    """The score a person chose with the page's buttons: the first answer, or a change of it.

    Unlike a one-click link (which may be a mail scanner's visit), pressing a button is
    the person's own choice: when an earlier click recorded another score, this one wins,
    within the 24 hours. Raises `AnswerRefused` once the answer can no longer change.
    """
    answered = answer_invitation(invitation=invitation, score=score)
    if answered.created or answered.response.score == score:
        return answered
    return Answered(response=correct_answer(invitation=invitation, score=score), created=False)


def correct_answer(
    *, invitation: Invitation, score: int | None = None, comment: str | None = None
) -> Response:
    """Change the score or the comment of the invitation's answer, within 24 h of answering.

    The answer is amended through `record_response`, so a case already opened shows
    the change on its timeline. Raises `AnswerRefused` when there is no answer yet or
    the 24 hours are over.
    """
    with transaction.atomic():
        locked = _locked(invitation)
        if locked.response is None or not answer_can_change(locked):
            raise AnswerRefused("The answer can no longer be changed.")
        response = locked.response
        record_response(
            answer=AnswerIn(
                source=response.source,
                external_id=response.external_id,
                email=response.contact.email,
                score=response.score if score is None else score,
                comment=response.comment if comment is None else comment,
                campaign=locked.campaign,
                language=locked.language,
            )
        )
    response.refresh_from_db()
    invitation.refresh_from_db()
    return response


def unsubscribe_invitation(*, invitation: Invitation) -> None:
    """Opt the invitation's contact out of every survey and mark the invitation opted out.

    An invitation already answered keeps its status; its opting out is stamped anyway.
    Doing it twice changes nothing.
    """
    with transaction.atomic():
        locked = _locked(invitation)
        opt_out_contact(email=locked.contact.email)
        now = timezone.now()
        if not Invitation.objects.filter(pk=locked.pk, status__in=ANSWERABLE).update(
            status=InvitationStatus.OPTED_OUT, opted_out_at=now, resend_at=None
        ):
            Invitation.objects.filter(pk=locked.pk, opted_out_at__isnull=True).update(
                opted_out_at=now
            )
    logger.info("invitation opted out id=%s contact=%s", invitation.pk, invitation.contact_id)
    invitation.refresh_from_db()


def _locked(invitation: Invitation) -> Invitation:
    # The answer is read after the lock, not joined to it: a row locked after waiting is
    # re-read, but PostgreSQL keeps the joined rows it had read before (none, here).
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("campaign", "contact")
        .get(pk=invitation.pk)
    )
