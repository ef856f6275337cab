"""NPS Loop runs on PostgreSQL: `make run` creates its database, and any other database
is refused at start with a message that says what to do."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_DEBUG": "true", "DATABASE_URL": database_url}
    return subprocess.run(  # noqa: S603 - the app's own manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def server_url(name: str, *, port: int | None = None) -> str:
    conf = connection.settings_dict
    user, host = conf.get("USER") or "postgres", conf.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{port or conf.get('PORT') or 5432}/{name}"


def maintenance():
    conf = connection.settings_dict
    return psycopg.connect(
        host=conf.get("HOST") or "127.0.0.1",
        port=conf.get("PORT") or 5432,
        user=conf.get("USER") or "postgres",
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def fresh_name():
    name = f"nps_loop_fresh_{uuid.uuid4().hex[:10]}"
    yield name
    with maintenance() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def exists(name: str) -> bool:
    with maintenance() as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


@pytest.mark.django_db
def test_ensure_database_creates_a_missing_database_once(fresh_name):
    first = manage("ensure_database", database_url=server_url(fresh_name))
    again = manage("ensure_database", database_url=server_url(fresh_name))

    assert first.returncode == 0, first.stderr
    assert f"Database {fresh_name} on" in first.stdout and "created" in first.stdout
    assert exists(fresh_name)
    assert again.returncode == 0 and "present" in again.stdout


@pytest.mark.django_db
def test_an_unreachable_server_is_a_message_not_a_traceback():
    reply = manage("ensure_database", database_url=server_url("nps_loop", port=1))

    assert reply.returncode != 0
    assert "PostgreSQL at 127.0.0.1:1 could not give NPS Loop its database nps_loop" in reply.stderr
    assert "docker compose up -d db" in reply.stderr
    assert "Traceback" not in reply.stderr


def test_another_database_is_refused_at_start_with_what_to_set(tmp_path):
    reply = manage("check", database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    assert reply.returncode != 0
    assert "NPS Loop needs PostgreSQL" in reply.stderr
    assert "postgres://postgres@127.0.0.1:5432/nps_loop" in reply.stderr
    assert not (tmp_path / "db.sqlite3").exists()
