# gunicorn's settings for NPS Loop (the Docker image's web server). gunicorn reads this
# file from the current directory; the image runs it from the project's root.
# WEB_CONCURRENCY, read by gunicorn itself, sets the number of workers.

bind = "0.0.0.0:8000"
timeout = 30
graceful_timeout = 20
# The access log goes to standard output, with API keys sent as ?token= redacted.
accesslog = "-"
logger_class = "core.gunicorn_logger.RedactingGunicornLogger"
