"""How fast the playbook engine turns answers into cases, with one Celery worker.

1. Latency: detractor answers posted one at a time to `POST /api/v1/responses`; for
   each, the time until its case answers `GET /api/v1/cases/{id}` with 200.
2. Throughput: a burst of answers queued while the worker is stopped (a CSV import),
   then the time one worker takes to turn them all into cases.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from bench import generate
from bench.processes import stop

POLL_SECONDS = 0.01


class EngineBenchError(Exception):
    """A step of the engine benchmark failed; the message says which and where its log is."""


@contextlib.contextmanager
def celery_worker(env: dict[str, str], root: Path, log_path: Path) -> Iterator[None]:
    """One Celery worker process (one child: one task at a time), stopped on the way out."""
    command = [
        sys.executable, "-m", "celery", "-A", "nps_loop", "worker",
        "--concurrency=1", "--loglevel=WARNING", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    with log_path.open("a") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=log)
        try:
            yield
        finally:
            stop(process, grace_seconds=60)


def latency(
    *,
    host: str,
    port: int,
    key: str,
    database_url: str,
    answers: list[dict[str, str]],
    timeout: float = 60,
) -> dict[str, object]:
    """Seconds from posting each answer to its case being readable through the API."""
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    seconds: list[float] = []
    with psycopg.connect(database_url, autocommit=True) as database:
        for answer in answers:
            connection = http.client.HTTPConnection(host, port, timeout=30)
            try:
                started = time.perf_counter()
                body = json.dumps(generate.api_body(answer))
                connection.request("POST", "/api/v1/responses", body=body, headers=headers)
                reply = connection.getresponse()
                payload = reply.read()
                if reply.status != 201:
                    raise EngineBenchError(f"POST answered {reply.status}: {payload[:300]!r}")
                response_id = json.loads(payload)["id"]
                case_id = _wait_for_case(database, response_id, started + timeout)
                while True:
                    connection.request("GET", f"/api/v1/cases/{case_id}", headers=headers)
                    reply = connection.getresponse()
                    reply.read()
                    if reply.status == 200:
                        break
                    if time.perf_counter() > started + timeout:
                        raise EngineBenchError(f"case {case_id} not readable: {reply.status}")
                    time.sleep(POLL_SECONDS)
                seconds.append(time.perf_counter() - started)
            finally:
                connection.close()
    ordered = sorted(seconds)
    return {
        "answers": len(seconds),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3),
        "max_s": round(ordered[-1], 3),
    }


def _wait_for_case(database: psycopg.Connection, response_id: int, deadline: float) -> int:
    while time.perf_counter() < deadline:
        row = database.execute(
            "SELECT id FROM playbooks_case WHERE response_id = %s", [response_id]
        ).fetchone()
        if row:
            return row[0]
        time.sleep(POLL_SECONDS)
    raise EngineBenchError(f"no case for answer {response_id} within the time limit")


def drain(*, database_url: str, expected: int, timeout: float) -> dict[str, object]:
    """Wait until no answer is left unprocessed; the worker must be started just before."""
    started = time.perf_counter()
    query = "SELECT count(*) FROM surveys_response WHERE processed_at IS NULL"
    with psycopg.connect(database_url, autocommit=True) as database:
        while True:
            left = database.execute(query).fetchone()[0]
            elapsed = time.perf_counter() - started
            if left == 0 or elapsed > timeout:
                break
            time.sleep(0.5)
        cases = database.execute("SELECT count(*) FROM playbooks_case").fetchone()[0]
    return {
        "answers": expected,
        "left_unprocessed": left,
        "cases": cases,
        "seconds": round(elapsed, 1),
        "minutes": round(elapsed / 60, 2),
        "per_second": round((expected - left) / elapsed, 1),
        "timed_out": left > 0,
    }
