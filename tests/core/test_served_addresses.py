"""Links in emails point to the port `make run` serves unless NPS_BASE_URL says
otherwise, and EMAIL_URL=filemail:///srv/nps-mail writes to /srv/nps-mail, as documented."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from nps_loop.settings import default_base_url, email_file_path

BASE_DIR = Path(settings.BASE_DIR)


def settings_in_a_fresh_process(**environment: str) -> dict[str, str]:
    """NPS_BASE_URL and EMAIL_FILE_PATH as the settings read them from this environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    # Empty values, not absent ones: a developer's .env cannot fill them in.
    env.update({"DJANGO_DEBUG": "true", "NPS_BASE_URL": "", "PORT": "", **environment})
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.NPS_BASE_URL); print(getattr(s, 'EMAIL_FILE_PATH', ''))",
        ],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "nps_loop.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    base_url, email_path = result.stdout.splitlines()
    return {"NPS_BASE_URL": base_url, "EMAIL_FILE_PATH": email_path}


def test_links_follow_the_port_served_when_no_base_url_is_set():
    read = settings_in_a_fresh_process(PORT="8080", EMAIL_URL="filemail:///srv/nps-mail")

    assert read == {"NPS_BASE_URL": "http://127.0.0.1:8080", "EMAIL_FILE_PATH": "/srv/nps-mail"}


def test_an_explicit_base_url_wins_over_the_port():
    read = settings_in_a_fresh_process(PORT="8080", NPS_BASE_URL="https://nps.example.com/")

    assert read["NPS_BASE_URL"] == "https://nps.example.com"


def test_without_port_links_use_the_default_port():
    assert default_base_url(8000) == "http://127.0.0.1:8000"


def test_filemail_with_three_or_four_slashes_writes_to_the_absolute_path(tmp_path):
    # django-environ reads filemail:///srv/nps-mail as "srv/nps-mail"; four slashes keep the "/".
    assert email_file_path("srv/nps-mail", tmp_path) == "/srv/nps-mail"
    assert email_file_path("/srv/nps-mail", tmp_path) == "/srv/nps-mail"


def test_a_bare_filemail_url_writes_under_the_data_directory(tmp_path):
    assert email_file_path("", tmp_path) == str(tmp_path / "mail")


def test_make_run_passes_its_port_to_the_web_server_and_the_worker(tmp_path):
    # Stand-ins for .venv/bin/python and celery record how run-dev starts them.
    for program in ("python", "celery"):
        stub = tmp_path / program
        stub.write_text(f'#!/bin/sh\necho "$PORT $*" >> "{tmp_path}/{program}.calls"\n')
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    env = {key: value for key, value in os.environ.items() if key != "PORT"}
    # -o: the set-up targets count as done; only the run itself is of interest.
    make = [shutil.which("make"), "--no-print-directory", "-o", "install", "-o", "assets"]
    subprocess.run(  # noqa: S603 - the project's own Makefile
        [*make, "-o", "messages", "run", "PORT=8080", f"BIN={tmp_path}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    python_calls = (tmp_path / "python.calls").read_text().splitlines()
    assert "8080 manage.py runserver 127.0.0.1:8080" in python_calls
    assert (tmp_path / "celery.calls").read_text().startswith("8080 -A nps_loop worker")
