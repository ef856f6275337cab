"""How fast the playbook engine turns answers into cases, with the Celery workers run as the
README documents for production: two processes on the queues live, celery, bulk (in that
order), and one on live alone.

1. Latency: detractor answers posted one at a time to `POST /api/v1/responses`; for
   each, the time until its case answers `GET /api/v1/cases/{id}` with 200.
2. Throughput: a burst of recent detractors queued while the worker is stopped (a CSV
   import: batches on the bulk queue), then the time the worker takes to turn them all
   into cases with their steps; meanwhile live answers are posted through the API, one
   every `interval` seconds, each timed from its POST to its case readable.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from bench import generate
from bench.processes import stop

POLL_SECONDS = 0.01


class EngineBenchError(Exception):
    """A step of the engine benchmark failed; the message says which and where its log is."""


# The production workers of the README (and docker-compose.yml), beat aside: the main one,
# and one process for live answers alone.
WORKER_OPTIONS = ["--concurrency=2", "--queues=live,celery,bulk", "--hostname=celery@%h"]
LIVE_WORKER_OPTIONS = ["--concurrency=1", "--queues=live", "--hostname=live@%h"]


@contextlib.contextmanager
def celery_worker(env: dict[str, str], root: Path, log_path: Path) -> Iterator[None]:
    """The Celery workers as run in production, stopped on the way out."""
    with log_path.open("a") as log:
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "nps_loop",
                    "worker",
                    *options,
                    "--loglevel=WARNING",
                    "--without-mingle",
                    "--without-gossip",
                ],  # fmt: skip
                cwd=root,
                env=env,
                stdout=log,
                stderr=log,
            )
            for options in (WORKER_OPTIONS, LIVE_WORKER_OPTIONS)
        ]
        try:
            yield
        finally:
            for process in processes:
                stop(process, grace_seconds=60)


def latency(
    *,
    host: str,
    port: int,
    key: str,
    database_url: str,
    answers: list[dict[str, str]],
    timeout: float = 60,
    interval: float = 0,
    stop: threading.Event | None = None,
) -> dict[str, object]:
    """Seconds from posting each answer to its case being readable through the API; one
    answer every `interval` seconds at most, until `stop` is set."""
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    seconds: list[float] = []
    with psycopg.connect(database_url, autocommit=True) as database:
        for answer in answers:
            if stop is not None and stop.is_set():
                break
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
            time.sleep(max(0.0, started + interval - time.perf_counter()))
    return summary(seconds)


def summary(seconds: list[float]) -> dict[str, object]:
    if not seconds:
        return {"answers": 0, "median_s": None, "p95_s": None, "max_s": None}
    ordered = sorted(seconds)
    return {
        "answers": len(seconds),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3),
        "max_s": round(ordered[-1], 3),
    }


class LiveAnswers:
    """Live answers posted in a thread while something else runs (the burst's drain)."""

    def __init__(self, **latency_arguments: object) -> None:
        self.stop = threading.Event()
        self.outcome: dict[str, object] = {}
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(latency_arguments,))

    def _run(self, arguments: dict) -> None:
        try:
            self.outcome = latency(stop=self.stop, **arguments)
        except BaseException as error:  # noqa: BLE001 - reported by `result`
            self.error = error

    def __enter__(self) -> LiveAnswers:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self._thread.join(timeout=120)

    def result(self) -> dict[str, object]:
        if self.error is not None:
            raise EngineBenchError(f"live answers during the burst: {self.error}")
        return self.outcome


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
    """Wait until no answer is left unprocessed; the worker must be started just before.
    Then count the burst's cases, and those with their steps."""
    started = time.perf_counter()
    query = "SELECT count(*) FROM surveys_response WHERE processed_at IS NULL"
    with psycopg.connect(database_url, autocommit=True) as database:
        while True:
            left = database.execute(query).fetchone()[0]
            elapsed = time.perf_counter() - started
            if left == 0 or elapsed > timeout:
                break
            time.sleep(0.5)
        cases, with_steps = database.execute(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS ("
            "  SELECT 1 FROM playbooks_casestep s WHERE s.case_id = c.id)) "
            "FROM playbooks_case c JOIN surveys_response r ON r.id = c.response_id "
            "WHERE r.external_id LIKE 'burst-%'"
        ).fetchone()
    return {
        "answers": expected,
        "left_unprocessed": left,
        "cases": cases,
        "cases_with_steps": with_steps,
        "seconds": round(elapsed, 1),
        "minutes": round(elapsed / 60, 2),
        "per_second": round((expected - left) / elapsed, 1),
        "timed_out": left > 0,
    }
