"""Production settings pass Django's deployment checks, and refuse to start without a key."""

import os
import secrets

from tests.manage_py import manage


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
