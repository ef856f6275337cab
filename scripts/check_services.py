"""Fail early, with a message a person can act on, when PostgreSQL or Redis is unreachable."""

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis

HELP = (
    "Start them with `docker compose up -d db redis`, or point TEST_DATABASE_URL / "
    "TEST_BROKER_URL at servers you run (see README, 'Running the tests')."
)


def main() -> int:
    database_url = os.environ["DATABASE_URL"]
    broker_url = os.environ["CELERY_BROKER_URL"]
    problems = []
    parsed = urlparse(database_url)
    try:
        # The server's maintenance database: the test database may not exist yet.
        with psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            dbname="postgres",
            connect_timeout=3,
        ):
            pass
    except psycopg.Error as error:
        problems.append(f"PostgreSQL is unreachable at {parsed.hostname}:{parsed.port}: {error}")
    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        problems.append(f"Redis is unreachable at {broker_url}: {error}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(HELP, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
