"""One migration per run under pytest-xdist: the first worker migrates a template database,
and every worker's test database is a copy of it (`CREATE DATABASE ... TEMPLATE`).

Migrating takes some seven seconds of CPU, and three workers doing it side by side on two
cores took their first test ten seconds in. A copy takes a fraction of a second. Each
worker then hands pytest-django its copy as an existing database (`keepdb`), which it
checks for unapplied migrations (none) and keeps; the worker drops it at the end, and the
run's controller drops the template.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import psycopg
from django.core.management import call_command
from django.db import connection
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

# Written in the folder the run's workers share once the template is migrated.
READY = "migrated-template.ready"


def template_name() -> str:
    """The template's name: the test database's without a worker's suffix."""
    base = connection.settings_dict["TEST"].get("NAME") or (
        TEST_DATABASE_PREFIX + connection.settings_dict["NAME"]
    )
    return f"{base.split('_gw', 1)[0]}_template"


def copy_for_worker(test_database: str, shared: Path) -> None:
    """Make `test_database` a copy of the run's migrated template, migrating the template
    first if no worker of this run has (`shared`: a folder all the run's workers see)."""
    with _exclusive(shared / "migrated-template.lock"):
        ready = shared / READY
        if not ready.exists():
            _migrate_into(template_name())
            ready.write_text(template_name())
        # Under the lock: PostgreSQL copies a template only while nobody is connected to it.
        _run_outside_databases(
            f"DROP DATABASE IF EXISTS {_quoted(test_database)} WITH (FORCE)",
            f"CREATE DATABASE {_quoted(test_database)} TEMPLATE {_quoted(template_name())}",
        )


def drop_if_made(shared: Path) -> None:
    """Drop the template, if a worker of the run (whose shared folder is `shared`) made it:
    a run with no database test never reaches the server."""
    if (shared / READY).exists():
        drop((shared / READY).read_text())


def drop(database: str) -> None:
    connection.close()
    _run_outside_databases(f"DROP DATABASE IF EXISTS {_quoted(database)} WITH (FORCE)")


def _migrate_into(database: str) -> None:
    _run_outside_databases(
        f"DROP DATABASE IF EXISTS {_quoted(database)} WITH (FORCE)",
        f"CREATE DATABASE {_quoted(database)}",
    )
    own = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = database
    try:
        call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = own


def _run_outside_databases(*statements: str) -> None:
    """Run each statement connected to the server's `postgres` database, in autocommit (as
    CREATE and DROP DATABASE need), without Django's connection, which pytest-django may be
    blocking at that moment."""
    params = {**connection.get_connection_params(), "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**params) as server:
        for statement in statements:
            server.execute(statement)


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


@contextlib.contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
