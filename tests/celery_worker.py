"""A real Celery worker in a child process, on the test database and the test Redis broker.

Tests that need the queue end to end ask for the `celery_worker` fixture: one worker per
pytest process, started by the first test that needs it and kept for the next ones, its
queue and mailbox emptied between tests. Tests that kill a worker start their own with
`running_worker()`. Emails a worker sends land as files in `mail_dir` (Django's file
email backend).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from django.conf import settings
from django.db import connection

from nps_loop.celery import app

ROOT = Path(settings.BASE_DIR)


@dataclass
class Worker:
    process: subprocess.Popen
    name: str
    mail_dir: Path
    data_dir: Path
    log_path: Path

    def emails(self) -> list[Message]:
        """Every email the worker sent so far, oldest first."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            # The file backend writes messages one after another, separated by a line of dashes.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(message_from_bytes(chunk.lstrip()))
        return messages

    def forget_emails(self) -> None:
        for path in self.mail_dir.glob("*.log"):
            path.unlink()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """Kill the worker outright, as an out-of-memory kill or a power cut would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def database_url() -> str:
    """The URL of the database the tests run on (the test database, once created)."""
    conf = connection.settings_dict
    user = conf.get("USER") or "postgres"
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{conf['NAME']}"


def purge_queue() -> None:
    """Drop the tasks earlier tests left in the broker (their rows are gone)."""
    with app.connection_for_write() as conn:
        for queue in app.conf.task_queues:
            conn.default_channel.queue_purge(queue.name)


def queued_tasks() -> int:
    """How many tasks wait in the broker's default queue (the Redis list's `LLEN`)."""
    with app.connection_for_read() as conn:
        return conn.default_channel.client.llen(app.conf.task_default_queue)


@contextlib.contextmanager
def running_worker(
    tmp_path: Path, *, name: str = "test-worker", queues: str = ""
) -> Iterator[Worker]:
    """Start a worker (one process, solo pool), wait until it answers a ping, stop it after.
    `queues` ("live,celery"): the queues it serves; by default all of them."""
    mail_dir = tmp_path / f"{name}-mail"
    mail_dir.mkdir(parents=True, exist_ok=True)
    log_path = tmp_path / f"{name}.log"
    data_dir = tmp_path / f"{name}-data"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_URL": f"filemail:///{mail_dir}",  # an absolute path after the third slash
        "NPS_DATA_DIR": str(data_dir),
    }
    hostname = f"{name}@{os.getpid()}-{time.monotonic_ns()}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and the celery module
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "nps_loop",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                f"--hostname={hostname}",
                *([f"--queues={queues}"] if queues else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = Worker(
        process=process, name=hostname, mail_dir=mail_dir, data_dir=data_dir, log_path=log_path
    )
    try:
        wait_for(
            lambda: (
                process.poll() is not None
                or bool(app.control.ping(destination=[hostname], timeout=0.5))
            ),
            timeout=60,
            what=f"the worker to start (log: {log_path})",
        )
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited at start:\n{worker.log()}")
        yield worker
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _consume(worker: Worker, on: bool) -> None:
    """Make `worker` consume every queue again, or none, and wait until it says it did."""
    command = app.control.add_consumer if on else app.control.cancel_consumer
    for queue in app.conf.task_queues:
        replies = command(queue.name, destination=[worker.name], reply=True, timeout=10)
        if not replies:
            raise RuntimeError(f"The worker {worker.name} did not answer about {queue.name}.")


class SharedWorker:
    """The worker the tests of one pytest process share: starting one takes seconds."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self._stack = contextlib.ExitStack()
        self._worker: Worker | None = None

    def ready(self) -> Worker:
        """The worker, started if needed, with an empty queue and no emails yet, consuming."""
        if self._worker is None or self._worker.process.poll() is not None:
            self.stop()
            self._worker = self._stack.enter_context(running_worker(self.tmp_path, name="shared"))
            purge_queue()
        else:
            purge_queue()  # before it consumes again: what is left is earlier tests' work
            _consume(self._worker, True)
        self._worker.forget_emails()
        return self._worker

    def pause(self) -> None:
        """Stop it consuming until the next `ready()`: the tests that follow on this pytest
        process did not ask for a worker, and one running their tasks behind their back
        would race them (and their database's flush) for their rows."""
        if self._worker is not None and self._worker.process.poll() is None:
            _consume(self._worker, False)

    def stop(self) -> None:
        """Stop it, for a test whose own workers must be the only ones on the queue."""
        self._stack.close()
        self._worker = None


@contextlib.contextmanager
def running_web_app(tmp_path: Path, *, broker_url: str) -> Iterator[str]:
    """Serve the app from a child process with its own broker setting; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "NPS_DATA_DIR": str(tmp_path / "web-data"),
    }
    log_path = tmp_path / "web.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: process.poll() is not None or _answers(f"{url}/healthz"),
            timeout=60,
            what=f"the web app to start (log: {log_path})",
        )
        if process.poll() is not None:
            raise RuntimeError(f"The web app exited at start:\n{log_path.read_text()}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll `predicate` until it is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}.")
        time.sleep(0.1)
