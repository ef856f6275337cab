"""API keys sent in a URL (?token=<key>) never reach a log: neither gunicorn's access log
(the Docker image's web server) nor runserver's (`make run`)."""

import datetime
import logging
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn.config import Config

from core.gunicorn_logger import RedactingGunicornLogger
from core.log_redaction import redact_secrets
from tests.celery_worker import database_url

BASE_DIR = Path(settings.BASE_DIR)
KEY = "nps_live_5ecretKeyThatMustNotLeak"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"GET /api/v1/hooks/delighted?token={KEY} HTTP/1.1",
            "GET /api/v1/hooks/delighted?token=[redacted] HTTP/1.1",
        ),
        (
            f"POST /api/v1/hooks/typeform?form=7&TOKEN={KEY}&x=1 HTTP/1.1",
            "POST /api/v1/hooks/typeform?form=7&TOKEN=[redacted]&x=1 HTTP/1.1",
        ),
        (f"token={KEY}", "token=[redacted]"),
        ("GET /cases/?mytoken=kept&page=2 HTTP/1.1", "GET /cases/?mytoken=kept&page=2 HTTP/1.1"),
    ],
)
def test_the_value_of_token_is_redacted_and_nothing_else(line, expected):
    assert redact_secrets(line) == expected


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def gunicorn_access_line(environ: dict, headers: list[tuple[str, str]]) -> str:
    """One access-log line, from the logger gunicorn.conf.py configures."""
    config = Config()
    for name, value in runpy.run_path(str(BASE_DIR / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    logger = config.logger_class(config)
    lines = Lines()
    logger.access_log.addHandler(lines)
    try:
        logger.access(
            SimpleNamespace(status="200 OK", sent=12, headers=[]),
            SimpleNamespace(headers=headers),
            {"REMOTE_ADDR": "203.0.113.9", "SERVER_PROTOCOL": "HTTP/1.1", **environ},
            datetime.timedelta(milliseconds=12),
        )
    finally:
        logger.access_log.removeHandler(lines)
    assert len(lines.lines) == 1
    return lines.lines[0]


def test_gunicorn_config_uses_the_redacting_logger():
    config = Config()
    config.set("logger_class", runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["logger_class"])
    assert config.logger_class is RedactingGunicornLogger


def test_gunicorn_access_log_never_prints_a_key_from_the_url():
    line = gunicorn_access_line(
        {
            "REQUEST_METHOD": "POST",
            "RAW_URI": f"/api/v1/hooks/delighted?token={KEY}",
            "PATH_INFO": "/api/v1/hooks/delighted",
            "QUERY_STRING": f"token={KEY}",
            "HTTP_REFERER": f"https://tool.example/?token={KEY}",
        },
        [("USER-AGENT", "Delighted")],
    )

    assert KEY not in line
    assert '"POST /api/v1/hooks/delighted?token=[redacted] HTTP/1.1" 200 12' in line


def test_gunicorn_access_log_never_prints_the_authorization_header():
    config = Config()
    logger = RedactingGunicornLogger(config)
    atoms = logger.atoms(
        SimpleNamespace(status="200 OK", sent=2, headers=[]),
        SimpleNamespace(headers=[("AUTHORIZATION", f"Bearer {KEY}")]),
        {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/api/v1/nps",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_AUTHORIZATION": f"Bearer {KEY}",
        },
        datetime.timedelta(milliseconds=3),
    )

    assert KEY not in repr(atoms)


def test_gunicorn_error_log_never_prints_a_key_from_the_url():
    logger = RedactingGunicornLogger(Config())
    lines = Lines()
    logger.error_log.addHandler(lines)
    try:
        logger.error("Error handling request %s", f"/api/v1/hooks/typeform?token={KEY}")
    finally:
        logger.error_log.removeHandler(lines)

    assert lines.lines == ["Error handling request /api/v1/hooks/typeform?token=[redacted]"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_log(command: list[str], port: int, tmp_path: Path) -> str:
    """Start a web server of the app, ask it for a page with a key in the URL, and
    return everything the server printed."""
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")},
        "DJANGO_DEBUG": "true",
        "PYTHONUNBUFFERED": "1",
        "NPS_DATA_DIR": str(tmp_path),
        # The suite's own database (a test that asks for it makes sure it is set up).
        "DATABASE_URL": database_url(),
    }
    server = subprocess.Popen(  # noqa: S603 - the app's own servers
        command,
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    answered = False
    try:
        deadline = time.monotonic() + 30
        while not answered and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(  # noqa: S310 - our own local server
                    f"http://127.0.0.1:{port}/login/?token={KEY}", timeout=5
                ) as reply:
                    answered = reply.status == 200
            except OSError:
                time.sleep(0.2)
        time.sleep(0.5)  # the request is logged once the response is sent
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert answered, f"The server did not serve the sign-in page. It printed:\n{output}"
    return output


@pytest.mark.django_db
def test_runserver_access_log_never_prints_a_key_from_the_url(tmp_path):
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"{port}"]

    output = served_log(command, port, tmp_path)

    assert "GET /login/?token=[redacted] HTTP/1.1" in output
    assert KEY not in output


@pytest.mark.django_db
def test_gunicorn_as_the_image_runs_it_never_prints_a_key_from_the_url(tmp_path):
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    # The image's command (Dockerfile), on a free local port instead of 0.0.0.0:8000.
    command = [gunicorn, "--config", "gunicorn.conf.py", "nps_loop.wsgi:application"]

    output = served_log([*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"], port, tmp_path)

    assert '"GET /login/?token=[redacted] HTTP/1.1" 200' in output
    assert KEY not in output
