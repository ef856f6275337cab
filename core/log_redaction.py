"""Secrets kept out of the logs: API keys sent in a URL (`?token=<key>`) never reach the
access log of gunicorn (core.gunicorn_logger) or of `manage.py runserver`, nor any other
log line.

Survey tools that cannot sign their webhooks authenticate with the key in the URL; web
servers log every URL they serve, so the key would otherwise sit in plain text wherever
the logs go.
"""

import logging
import re

REDACTED = "[redacted]"
# Query parameters whose value is a secret, wherever they appear in a URL.
SECRET_PARAMETERS = ("token",)
_NAMES = "|".join(SECRET_PARAMETERS)
_SECRET_IN_QUERY = re.compile(rf"(?P<name>(?:^|[?&;])(?:{_NAMES})=)[^&;\s\"']*", re.IGNORECASE)


def redact_secrets(text: str) -> str:
    """The text with the value of every secret query parameter replaced by [redacted]."""
    return _SECRET_IN_QUERY.sub(rf"\g<name>{REDACTED}", text)


class RedactSecretsFilter(logging.Filter):
    """A logging filter that redacts secret query parameters from the formatted message
    (used on the `django.server` access log of runserver and on every console line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
