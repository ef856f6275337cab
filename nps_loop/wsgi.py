"""WSGI entry point (gunicorn nps_loop.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nps_loop.settings")
application = get_wsgi_application()
