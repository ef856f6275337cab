# syntax=docker/dockerfile:1
# NPS Loop. The image serves the web app under gunicorn by default; the same image
# runs the Celery worker and beat with another command (see docker-compose.yml).
# The Debian release is pinned so that a rebuild gives the same system libraries.

# --- Front-end assets, fetched from npm by the Makefile's own `assets` target ------
FROM node:20-bookworm AS assets
WORKDIR /src
COPY Makefile package.json package-lock.json ./
RUN make assets

# --- The application ----------------------------------------------------------------
FROM python:3.11-slim-bookworm

# NPS_DATA_DIR is the one place the app writes (beat's schedule file): mount a volume
# there to keep it. WEB_CONCURRENCY is read by gunicorn: the number of web workers.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NPS_DATA_DIR=/data \
    WEB_CONCURRENCY=2

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home app \
    && install --directory --owner=app --group=app /data /data/imports /data/media

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# The code stays owned by root: the app user can read it, not change it.
COPY . .
COPY --from=assets /src/static/vendor static/vendor
# Collected with the production storage, so the hashed names and the manifest exist.
# The key only lets the settings load; it is not kept in the image's environment.
RUN python scripts/compile_messages.py \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-at-build-time-only \
    NPS_DATA_DIR=/tmp/build python manage.py collectstatic --noinput \
    && rm -rf /tmp/build

USER app
EXPOSE 8000
# Port, timeouts and the access log (which never prints an API key) are in gunicorn.conf.py.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "nps_loop.wsgi:application"]
