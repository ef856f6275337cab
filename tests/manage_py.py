"""`manage.py` run in a fresh interpreter, where the settings are read anew."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    """Run `manage.py *args` with the suite's environment, less its DJANGO_ variables (the
    suite runs in development mode; they would leak into the child), plus `overrides`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(overrides)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
