"""The logger class of gunicorn.conf.py: gunicorn's own, with API keys redacted."""

from gunicorn.glogging import Logger

from core.log_redaction import REDACTED, RedactSecretsFilter, redact_secrets


class RedactingGunicornLogger(Logger):
    """gunicorn's logger with the request line, query string, referrer and every other
    value of the access log redacted, the Authorization header never printed, and the
    error log's lines ("Error handling request <uri>") redacted too."""

    def __init__(self, cfg):
        super().__init__(cfg)
        # gunicorn.error is a process-wide logger: one filter, however many instances.
        if not any(isinstance(f, RedactSecretsFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RedactSecretsFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if isinstance(value, str):
                atoms[name] = redact_secrets(value)
        for name in ("{authorization}i", "{http_authorization}e"):
            if name in atoms:
                atoms[name] = REDACTED
        return atoms
