"""The Celery application. Periodic schedules live here, in code."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nps_loop.settings")

app = Celery("nps_loop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Answers accepted while the broker or the worker was down get processed when it is back.
    "requeue-unprocessed-answers": {
        "task": "playbooks.requeue_unprocessed",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Survey emails: drip days and scheduled campaigns start on time; lost work resumes.
    "send-surveys": {
        "task": "surveys.sending_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Notification emails queued while the broker was down go out when it is back.
    "requeue-unsent-notification-emails": {
        "task": "notifications.requeue_unsent_emails",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Webhook deliveries whose task the broker lost go out; endpoints failing for days stop.
    # Emails about a fixed issue whose batch the broker lost go out when it is back.
    "requeue-fix-emails": {
        "task": "playbooks.requeue_fix_emails",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "sweep-webhooks": {
        "task": "webhooks.sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "check-slas": {
        "task": "playbooks.check_slas",
        "schedule": crontab(minute=5),
        "options": {"expires": 3000},
    },
    # Recurring issues that reached the alert threshold of the settings: told once.
    "check-issue-thresholds": {
        "task": "playbooks.check_issue_thresholds",
        "schedule": crontab(minute=25),
        "options": {"expires": 3000},
    },
    "request-follow-ups": {
        "task": "playbooks.request_follow_ups",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 6 * 3600},
    },
    "forget-old-webhook-messages": {
        "task": "surveys.forget_old_webhook_messages",
        "schedule": crontab(hour=3, minute=45),
        "options": {"expires": 6 * 3600},
    },
    # Retention (NPS_RETENTION_DAYS): comments older than it are blanked; unset keeps them.
    "expire-old-comments": {
        "task": "surveys.expire_old_comments",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 6 * 3600},
    },
    "end-suppressions": {
        "task": "playbooks.end_suppressions",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 3600},
    },
}


@worker_ready.connect
def note_worker_ready(**kwargs) -> None:
    """Touch NPS_WORKER_READY_FILE once the worker consumes the queue: `scripts/run-dev`
    prints the app's URL only then."""
    path = os.environ.get("NPS_WORKER_READY_FILE")
    if path:
        Path(path).touch()
