"""Settings for NPS Loop, read from the environment (twelve-factor).

Every variable is documented in `.env.example`. Without any environment the
project runs on the local PostgreSQL server (database `nps_loop`, which
`manage.py ensure_database` creates) with a Celery broker on the file system,
under `var/`: no Redis needed.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# With DEBUG, error pages are still the app's own unless this asks for Django's technical
# pages (core.middleware.OwnErrorPagesMiddleware).
NPS_DEBUG_TECHNICAL_ERRORS = env.bool("NPS_DEBUG_TECHNICAL_ERRORS", default=False)
DATA_DIR = Path(env.str("NPS_DATA_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, "
            "or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets the app's own page (JSON under /api/), in the reader's language.
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"

INSTALLED_APPS = [
    "core.apps.CoreConfig",
    "accounts",
    "surveys",
    "notifications",
    "playbooks",
    "imports",
    "webhooks",
    "configure",
    "demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "anymail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that every response, static files included, carries them.
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.ApiErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "core.middleware.OwnErrorPagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it turns a refused sign-in into the lockout page while the person's
    # language is still active.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nps_loop.urls"
WSGI_APPLICATION = "nps_loop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.roles",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nps_loop"
DATABASES = {"default": env.db("DATABASE_URL", default=DEFAULT_DATABASE_URL)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    # The dashboard's aggregates are kept by triggers, the engine reads arrays of rows in
    # one query, webhooks store their events as arrays: PostgreSQL features throughout.
    raise ImproperlyConfigured(
        "NPS Loop needs PostgreSQL (13 or later); DATABASE_URL names another database "
        f"({DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}). Set it to a PostgreSQL "
        f"server, for instance {DEFAULT_DATABASE_URL} (`docker compose up -d db` starts one)."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiles the queue's counting query in ~150 ms to save a few: for
# short interactive queries it costs more than it gains. A URL's own options win.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# The few statements run through a server-binding cursor (a new answer's, which every
# answer sent in runs) are prepared from their second run on a connection: planned
# once, not each time. Django's own cursors bind on the client and never prepare.
DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "nps_loop.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes refuses sign-ins while a lockout holds (see "Sign-in protection" below);
# sign-ins without a request (a shell, a management command) are not counted.
AUTHENTICATION_BACKENDS = [
    "core.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
# The language of whoever has chosen none, and of what the worker writes (escalation
# reasons, emails to people without a profile language).
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE={LANGUAGE_CODE!r}: use one of {', '.join(dict(LANGUAGES))}."
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (front-end assets come from npm, see package.json) --------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG:
    # WhiteNoise serves from the finders in development; an empty root keeps it quiet.
    STATIC_ROOT.mkdir(exist_ok=True)
# Uploads (the survey emails' logo) live under NPS_DATA_DIR/media. No URL serves the folder:
# the logo has a view of its own (`core.views.brand_logo`) that sends only the PNG or JPEG
# image the settings page checked, never a file a browser could run as HTML or SVG.
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Cache ------------------------------------------------------------------
# Shared by the web processes and the worker: cached settings, and the rate limits of
# the public survey pages. Redis in production (CACHE_URL=rediscache://host:6379/1);
# without it, files under NPS_DATA_DIR, shared by the processes of one machine.
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, without a new client object built for every call.
    CACHES["default"]["BACKEND"] = "core.redis_cache.ReusedClientRedisCache"

# --- Email ------------------------------------------------------------------


def email_file_path(path: str, data_dir: Path) -> str:
    """Where filemail:// writes: the URL's path, always absolute (django-environ drops the
    leading slash of filemail:///tmp/mail, which would write to tmp/mail in the current
    directory); a bare filemail:// writes to NPS_DATA_DIR/mail."""
    path = path.lstrip("/")
    return f"/{path}" if path else str(data_dir / "mail")


EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = email_file_path(EMAIL_CONFIG["EMAIL_FILE_PATH"], DATA_DIR)
vars().update(EMAIL_CONFIG)
# An email provider's own API instead of SMTP, through django-anymail
# (EMAIL_BACKEND=anymail.backends.postmark.EmailBackend and POSTMARK_SERVER_TOKEN).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
# The provider's delivery webhooks (bounces, complaints) are served under /anymail/ only
# once ANYMAIL_WEBHOOK_SECRET ("user:password", the basic auth of their URL) is set.
ANYMAIL = {
    "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
    "POSTMARK_SERVER_TOKEN": env.str("POSTMARK_SERVER_TOKEN", default=""),
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="NPS Loop <nps@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        # Its exchange tables; by default a `control/` folder in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A worker takes its next task from the first queue of CELERY_TASK_QUEUES that
        # has one: a live answer never waits behind an import's thousands.
        "queue_order_strategy": "priority",
    }
# Queues in the order a worker serves them: `live` (a new answer's processing, which a
# person is waiting for), `celery` (everything else: emails, sweeps, imports' checks),
# `bulk` (an import's answers, in batches, and the emails of their cases), `webhooks` (outbound
# webhook deliveries: a slow or broken receiver only ever delays other deliveries).
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Each bound by its own name, rather than all by the default routing key `celery`.
CELERY_TASK_QUEUES = tuple(
    Queue(name, routing_key=name) for name in ("live", "celery", "bulk", "webhooks")
)
CELERY_TASK_ROUTES = {
    "playbooks.process_response": {"queue": "live"},
    "playbooks.process_responses": {"queue": "bulk"},
    "webhooks.deliver": {"queue": "webhooks"},
}
# Answers in one `playbooks.process_responses` task: larger batches cost a live answer more
# waiting (a worker busy with a batch finishes it first), smaller ones more tasks.
NPS_ENGINE_BATCH_SIZE = env.int("NPS_ENGINE_BATCH_SIZE", default=25)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE

# --- API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "surveys.authentication.IntegrationKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "surveys.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["surveys.throttling.ApiRateThrottle"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NPS Loop API",
    "DESCRIPTION": "Send NPS answers in, read NPS out.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI is served from our own static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "surveys.schema.document_common_errors",
        "webhooks.schema.add_event_schemas",
    ],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Product defaults -------------------------------------------------------
NPS_DEFAULT_CURRENCY = env.str("NPS_DEFAULT_CURRENCY", default="EUR")


def default_base_url(port: int) -> str:
    """The address of `make run` on this machine, on the port it serves."""
    return f"http://127.0.0.1:{port}"


# The address people use to reach NPS Loop: links in the emails it sends start with it.
# Unset, it follows PORT, the port `make run PORT=8080` serves (scripts/run-dev passes it
# to the web server and the worker alike).
NPS_BASE_URL = (
    env.str("NPS_BASE_URL", default="") or default_base_url(env.int("PORT", default=8000))
).rstrip("/")

# The public survey pages (/s/<token>/) answer each client address at most this often per
# minute, and far less often for links that match no invitation (guessing).
NPS_PUBLIC_RATE_PER_MINUTE = env.int("NPS_PUBLIC_RATE_PER_MINUTE", default=60)
NPS_PUBLIC_UNKNOWN_TOKEN_RATE_PER_MINUTE = env.int(
    "NPS_PUBLIC_UNKNOWN_TOKEN_RATE_PER_MINUTE", default=10
)
# Reverse proxies in front of the app that append to X-Forwarded-For: the client address
# the rate limits and sign-in lockouts count is that many entries from the right.
# 0: REMOTE_ADDR.
NPS_PUBLIC_TRUSTED_PROXIES = env.int("NPS_PUBLIC_TRUSTED_PROXIES", default=0)
# Requests a minute one API key (or signed-in person, or address without either) may make
# to the REST API; over it the API answers 429 with Retry-After. 0: no limit.
NPS_API_RATE_PER_MINUTE = env.int("NPS_API_RATE_PER_MINUTE", default=1200)
# The largest request body read, in MB: a bulk request of 1 000 answers with long comments
# needs several. Larger bodies are refused with 400 before any view reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("NPS_MAX_REQUEST_BODY_MB", default=20) * 1024 * 1024
# Survey emails leave at most this fast, all workers together (the mail provider's limit).
NPS_SURVEY_EMAILS_PER_MINUTE = env.int("NPS_SURVEY_EMAILS_PER_MINUTE", default=600)

# --- Sign-in protection ------------------------------------------------------------
# django-axes: after NPS_LOGIN_FAILURE_LIMIT failed sign-ins for one username (from any
# address), or from one address (for any usernames), each within NPS_LOGIN_LOCKOUT_MINUTES
# of the last, sign-ins are refused for NPS_LOGIN_LOCKOUT_MINUTES, even with the right
# password; admins lift lockouts under Configuration > Sign-in lockouts.
AXES_FAILURE_LIMIT = env.int("NPS_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("NPS_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# No row per successful sign-in: it would grow for ever and keep everyone's addresses.
AXES_DISABLE_ACCESS_LOG = True
# A refused attempt during a lockout does not extend it: the page can say when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.views.locked_out"
# The same client address as the other limits (NPS_PUBLIC_TRUSTED_PROXIES): X-Forwarded-For
# is read only behind that many trusted proxies.
AXES_CLIENT_IP_CALLABLE = "core.addresses.client_ip"
# Reset emails per address and hour; the reset page answers the same past it.
NPS_PASSWORD_RESET_EMAILS_PER_HOUR = env.int("NPS_PASSWORD_RESET_EMAILS_PER_HOUR", default=3)
# REST API requests with a wrong key one client address may make per window; past them,
# its requests get 429 with Retry-After until the window ends.
NPS_API_WRONG_KEY_LIMIT = env.int("NPS_API_WRONG_KEY_LIMIT", default=10)
NPS_API_WRONG_KEY_WINDOW_MINUTES = env.int("NPS_API_WRONG_KEY_WINDOW_MINUTES", default=15)

# --- Privacy ------------------------------------------------------------------
# Key of the hash erased addresses are remembered by (empty: SECRET_KEY). Set it once and
# keep it: with another key, erased people could be surveyed again.
NPS_ERASURE_SALT = env.str("NPS_ERASURE_SALT", default="")
# Comments of answers older than this many days are blanked every night; None keeps them.
NPS_RETENTION_DAYS = env.str("NPS_RETENTION_DAYS", default="").strip() or None
if NPS_RETENTION_DAYS is not None:
    if not NPS_RETENTION_DAYS.isdigit() or int(NPS_RETENTION_DAYS) < 1:
        raise ImproperlyConfigured(
            f"NPS_RETENTION_DAYS is {NPS_RETENTION_DAYS!r}: give a whole number of days, at "
            "least 1 (e.g. 730), or leave it unset to keep comments forever."
        )
    NPS_RETENTION_DAYS = int(NPS_RETENTION_DAYS)
# Answers given more than this many days (calendar days of TIME_ZONE) before they reach
# NPS Loop are history: stored and counted, never actioned. The default of the setting
# an admin edits on the business settings page (LoopSettings.case_window_days).
NPS_CASE_WINDOW_DAYS = env.int("NPS_CASE_WINDOW_DAYS", default=30)
if not 1 <= NPS_CASE_WINDOW_DAYS <= 3650:
    raise ImproperlyConfigured(
        f"NPS_CASE_WINDOW_DAYS is {NPS_CASE_WINDOW_DAYS}: give a whole number of days from 1 "
        "to 3650 (e.g. 30)."
    )

# --- Outbound webhooks ----------------------------------------------------------
# Webhooks go to public addresses only (no SSRF into the private network): true allows
# private and loopback ones too, for receivers on premises (and the tests).
NPS_WEBHOOKS_ALLOW_PRIVATE = env.bool("NPS_WEBHOOKS_ALLOW_PRIVATE", default=False)

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Other sites never learn which page of NPS Loop (or which survey link) a click came from.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every page, the public survey pages, the admin and the API docs included, runs only the
# scripts and styles of our own static files: no inline script, style attribute or event
# handler anywhere. Bootstrap's CSS draws its checkboxes and arrows with data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page of NPS Loop uses, turned off for every page and anything in it.
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "payment": "()",
    "usb": "()",
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)

# API keys sent as ?token= are redacted from every line, runserver's access log included
# (gunicorn's is redacted by its logger class, in gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "core.log_redaction.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # Django's own format for runserver's access log.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
