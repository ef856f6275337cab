# gunicorn's settings for NPS Loop (the Docker image's web server, and `make bench`'s).
# gunicorn reads this file from the current directory; the image runs it from the
# project's root.

import os

bind = "0.0.0.0:8000"
# Sync workers, WEB_CONCURRENCY of them (2 by default, the image's): each request holds
# its worker from start to end, so give a machine about one per core.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
graceful_timeout = 20
# The access log goes to standard output, with API keys sent as ?token= redacted.
accesslog = "-"
logger_class = "core.gunicorn_logger.RedactingGunicornLogger"
