"""The Celery application. Periodic schedules live here, in code."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nps_loop.settings")

app = Celery("nps_loop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Filled by the playbook engine (re-enqueue unprocessed answers, SLA checks, ...).
app.conf.beat_schedule = {}
