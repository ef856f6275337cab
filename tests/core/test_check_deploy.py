"""Production settings pass Django's deployment checks, and refuse to start without a key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter, where the settings are read anew."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # The suite runs in development mode; these would leak into the child.
        if not key.startswith("DJANGO_")
    }
    environment.update(overrides)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_a_warning():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="nps.example.com",
        DATABASE_URL=os.environ["DATABASE_URL"],
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output
    assert "System check identified no issues" in output


def test_production_settings_refuse_to_start_without_a_secret_key():
    # An empty value, not an absent one: a developer's .env cannot fill it in.
    result = manage("check", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "long random string" in result.stderr


def test_manage_py_defaults_to_development_mode_for_a_developers_commands():
    # No DJANGO_* variable at all (and no .env in a fresh checkout): commands work.
    result = manage("check")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_missing_setting_is_one_clear_line_not_a_traceback():
    result = manage("check", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="")

    assert result.stderr.startswith("Error: DJANGO_SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr
