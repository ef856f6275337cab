"""NPS Loop runs on PostgreSQL: `make run` creates its database, and any other database
is refused at start with a message that says what to do."""

import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.celery_worker import database_url
from tests.manage_py import manage

pytestmark = pytest.mark.django_db


def on_server(name: str) -> str:
    """The URL of the database `name` on the suite's PostgreSQL server."""
    return urlunsplit(urlsplit(database_url())._replace(path=f"/{name}"))


def exists(name: str) -> bool:
    with psycopg.connect(on_server("postgres"), autocommit=True) as server:
        return bool(
            server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


@pytest.fixture
def fresh_name():
    name = f"nps_loop_fresh_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(on_server("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_ensure_database_creates_a_missing_database_once(fresh_name):
    first = manage("ensure_database", DJANGO_DEBUG="true", DATABASE_URL=on_server(fresh_name))
    again = manage("ensure_database", DJANGO_DEBUG="true", DATABASE_URL=on_server(fresh_name))

    assert first.returncode == 0, first.stderr
    assert f"Database {fresh_name} on" in first.stdout and "created" in first.stdout
    assert exists(fresh_name)
    assert again.returncode == 0 and "present" in again.stdout


def test_an_unreachable_server_is_a_message_not_a_traceback():
    reply = manage(
        "ensure_database",
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nps_loop",  # nothing listens on port 1
    )

    assert reply.returncode != 0
    assert "PostgreSQL at 127.0.0.1:1 could not give NPS Loop its database nps_loop" in reply.stderr
    assert "docker compose up -d db" in reply.stderr
    assert "Traceback" not in reply.stderr


def test_another_database_is_refused_at_start_with_what_to_set(tmp_path):
    reply = manage(
        "check", DJANGO_DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )

    assert reply.returncode != 0
    assert "NPS Loop needs PostgreSQL" in reply.stderr
    assert "postgres://postgres@127.0.0.1:5432/nps_loop" in reply.stderr
    assert not (tmp_path / "db.sqlite3").exists()
