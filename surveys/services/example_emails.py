"""The "send me a test" of a campaign: its survey email, exactly as a contact of its audience
gets it, sent to the signed-in person's own address."""

from __future__ import annotations

import logging
import math
import smtplib

from django.core.mail import get_connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.models import User
from surveys.emails import example_invitation, invitation_email
from surveys.models import Campaign
from surveys.rate_limits import hit, test_email_limit
from surveys.selectors import example_contact

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 15


class SendingRefused(Exception):
    """Why the test email was not sent, said to the person who asked for it."""


def send_test_email(*, campaign: Campaign, language: str, to: User) -> str:
    """Email `to` the campaign's survey email in `language`, addressed as to a contact of its
    audience; returns the address it went to.

    At most 5 a person every 10 minutes (`test_email_limit`), every request counted. Its
    links carry an example token: clicking them records nothing. Raises SendingRefused.
    """
    if not to.email:
        raise SendingRefused(
            _(
                "Your profile has no email address to send the test to: ask an admin to add "
                "one under Configuration → People and roles."
            )
        )
    limit = test_email_limit()
    wait = hit(limit, client=f"user:{to.pk}")
    if wait is not None:
        minutes = math.ceil(wait / 60)
        raise SendingRefused(
            ngettext(
                "You sent %(count)d test emails within %(window)d minutes: send the next one "
                "in %(minutes)d minute.",
                "You sent %(count)d test emails within %(window)d minutes: send the next one "
                "in %(minutes)d minutes.",
                minutes,
            )
            % {"count": limit.requests, "window": limit.seconds // 60, "minutes": minutes}
        )
    contact = example_contact(campaign, language=language)
    message = invitation_email(example_invitation(campaign, language=language, contact=contact))
    message.to = [to.email]
    # Sent from the web request: a mail server that hangs must not hold the page for long.
    message.connection = get_connection(timeout=SEND_TIMEOUT_SECONDS)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Test email of campaign %s to user %s failed: %s", campaign.pk, to.pk, error)
        raise SendingRefused(
            _("The mail server did not take the test email (%(error)s): try again later.")
            % {"error": error}
        ) from error
    return to.email
