"""Every email NPS Loop sends is three templates — subject, plain text, HTML — in the
reader's language, from the sender of the settings unless told otherwise."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from core.models import LoopSettings


def default_sender() -> str:
    """The From of the emails NPS Loop sends: the settings' sender, else DEFAULT_FROM_EMAIL."""
    return LoopSettings.current().sender_email or settings.DEFAULT_FROM_EMAIL


def compose_email(
    template: str,
    context: dict,
    *,
    language: str,
    to: list[str],
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
    reply_to: list[str] | None = None,
) -> EmailMultiAlternatives:
    """The email of `template` (`<template>_subject.txt`, `.txt`, `.html`) in `language`."""
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=from_email or default_sender(),
        to=to,
        headers=headers,
        reply_to=reply_to,
    )
    message.attach_alternative(html, "text/html")
    return message
