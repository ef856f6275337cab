"""`manage.py ensure_database`: create the PostgreSQL database DATABASE_URL names when the
server has none of that name yet (`make run` calls it before migrating)."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

MAINTENANCE_DATABASE = "postgres"


class Command(BaseCommand):
    help = "Create the database DATABASE_URL names if its PostgreSQL server has none of that name."

    def handle(self, *args, **options) -> None:
        database = settings.DATABASES["default"]
        name = database["NAME"]
        where = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
        try:
            with psycopg.connect(
                host=database.get("HOST") or None,
                port=database.get("PORT") or None,
                user=database.get("USER") or None,
                password=database.get("PASSWORD") or None,
                dbname=MAINTENANCE_DATABASE,
                connect_timeout=5,
                autocommit=True,
            ) as connection:
                exists = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
                if exists:
                    self.stdout.write(f"Database {name} on {where}: present.")
                    return
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as error:
            raise CommandError(
                f"PostgreSQL at {where} could not give NPS Loop its database {name}: "
                f"{str(error).strip()}. Start a server (`docker compose up -d db` starts one) "
                "or set DATABASE_URL to one you run, with a user that may create databases."
            ) from error
        self.stdout.write(self.style.SUCCESS(f"Database {name} on {where}: created."))
