"""How fast NPS answers get in and become cases, and how fast the workspace pages answer.

On this machine, against the PostgreSQL server of DATABASE_URL:

1. answers per second through `POST /api/v1/responses`, served by gunicorn as in
   production (gunicorn.conf.py: two sync workers, the access log), beside
   `GET /healthz` (one `SELECT 1`) under the same load: the ratio, "meets" at 50 %;
   and the floor, a bare view storing the same answers with one statement and one
   Redis push (bench/floor.py), beside both;
2. rows per second through `manage.py import_responses FILE`, beside a PostgreSQL
   `COPY` of the same file into a table of the same shape: the ratio, "meets" at 20 %
   or more, and the import's peak memory (RSS) on a file of 1 000 000 rows
   (`--rss-rows`); `--parts import` measures only this;
3. the playbook engine with the Celery workers of production (two processes on the
   queues live, celery, bulk; one on live alone): seconds from posting a detractor to its case being
   readable through `GET /api/v1/cases/{id}`, minutes to turn a burst of 10 000 recent
   detractors (an import) into cases with their steps, and the same latency for live
   answers posted during the burst (bench/engine.py); each against its reference;
4. the workspace pages (queue, search, case, account, answers; the dashboard and the
   escalations as a manager), through Django's test client in-process, as a CSM and
   as a manager: server time (median and p95) and queries per page, on the demo data
   and on a large data set (5 000 accounts, 100 000 answers, their cases) that
   bench/pages.py writes with COPY;
5. the managers' dashboard on a very large data set of the same kind (50 000
   accounts, 1 000 000 answers): server time, queries and the slowest of them, against
   the 250 ms target and against its reference, the same figures recomputed from the raw
   answers and cases in the same run, after every figure of eight periods and slices was
   recomputed from the raw rows and found identical (any difference fails);
6. the survey emails NPS Loop sends itself, with one Celery worker: a campaign to
   20 000 contacts launched, then seconds until every invitation is sent, emails per
   second, the worker's peak memory and the mail files (bench/sending.py); the pacing
   to the default 600 emails a minute; one round timed and profiled in-process;
7. the bulk API: seconds for one request of 1 000 answers, accounts or contacts
   (bench/bulk.py); 1 000 new answers "meet" under 2 seconds.

The app runs as in production (DJANGO_DEBUG=false, manifest static storage), in a
database of its own, nps_loop_bench (`--database`), created at the start and dropped
at the end.
Everything listens on 127.0.0.1 only, every step has a time limit, and every
process started here is stopped here. A table is printed; bench/out/ receives
results.json and the logs of the server and the commands.

    make bench
    make bench BENCH_ARGS="--requests 2000 --rows 20000"   # a shorter run
    make bench BENCH_ARGS="--parts engine"                 # only the engine
    make bench BENCH_ARGS="--parts import"                 # only the CSV import vs COPY
    make bench BENCH_ARGS="--parts pages"                  # only the pages
    make bench BENCH_ARGS="--parts dashboard"              # only the dashboard, 1M answers
    make bench BENCH_ARGS="--parts sending"                # only the survey emails
    make bench BENCH_ARGS="--parts bulk"                   # only the bulk API, 1 000 a request
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nps_loop python -m bench.run --help
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime as dt
import http.client
import json
import os
import platform
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import redis
from psycopg import sql

from bench import engine, generate
from bench.bulk import bench_bulk, print_bulk
from bench.floor import FLOOR_LIST
from bench.load import Call, LoadReport, combined, drive
from bench.processes import stop

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HOST = "127.0.0.1"
PARTS = {"ingest", "import", "engine", "pages", "dashboard", "sending", "bulk"}
# `POST /api/v1/responses` should answer this share of `GET /healthz`'s requests per second.
API_TARGET_SHARE = 0.50
# The CSV import should reach this share of a raw COPY's rows per second.
IMPORT_TARGET_RATIO = 0.20
IMPORT_RSS_LIMIT_MB = 300
# Medians the pages must stay under: the dashboard at 1 000 000 answers and 50 000
# accounts, the queue and account pages at 100 000 answers.
DASHBOARD_TARGET_MS = 250
PAGE_TARGET_MS = 100


class BenchError(Exception):
    """A step failed; the message says which and where its log is."""


def main() -> int:
    args = parse_arguments()
    database_url = os.environ.get("DATABASE_URL", "")
    if urlparse(database_url).scheme not in ("postgres", "postgresql"):
        print(
            "The benchmark needs DATABASE_URL to name a PostgreSQL server, e.g. "
            "postgres://postgres@127.0.0.1:5432/nps_loop (`make bench` sets it).",
            file=sys.stderr,
        )
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    bench_url = urlunparse(urlparse(database_url)._replace(path=f"/{args.database}"))
    rng = random.Random(args.seed)
    now = dt.datetime.now(dt.UTC)
    customers = generate.make_customers(rng, args.accounts)
    people = generate.make_people(rng, customers, args.people)
    api_answers = generate.make_answers(rng, people, args.requests, id_prefix="api", now=now)
    csv_answers = generate.make_answers(rng, people, args.rows, id_prefix="csv", now=now)

    results: dict[str, object] = {
        "started_at": now.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "-m", "bench.run", *sys.argv[1:]]),
        "machine": machine(database_url),
        "data": {"accounts": args.accounts, "people": args.people, "seed": args.seed},
    }
    try:
        with (
            tempfile.TemporaryDirectory(prefix="nps-bench-") as scratch,
            bench_database(database_url, args.database),
        ):
            scratch_dir = Path(scratch)
            env = app_environment(bench_url, scratch_dir)
            print(f"Setting up {args.database} (migrate, collectstatic, accounts)...", flush=True)
            manage(env, "migrate", "--noinput", timeout=300)
            # Rows an earlier run cached (its database is gone) must not stand in for these.
            clear = "from django.core.cache import cache; cache.clear()"
            manage(env, "shell", "-c", clear, timeout=60)
            manage(env, "collectstatic", "--noinput", timeout=300)
            if args.parts & {"ingest", "import", "engine", "bulk"}:
                add_customers(bench_url, customers)
            if args.parts & {"ingest", "engine", "bulk"}:
                key = manage(env, "create_api_key", "bench", timeout=60).strip().splitlines()[-1]

            if "ingest" in args.parts:
                print(f"HTTP: {args.requests} requests each, {args.clients} clients...", flush=True)
                healthz, api, floor = bench_http(env, args, key, api_answers)
                results["healthz"], results["api"] = healthz.as_dict(), api.as_dict()
                results["api"]["answers_stored"] = count(bench_url, "surveys_response", "api")
                # The goal: answers at least half as fast as the bare view, same load.
                results["api"]["share_of_healthz"] = share(api.per_second, healthz.per_second)
                results["api_floor"] = floor.as_dict()
                results["api_floor"]["share_of_healthz"] = share(
                    floor.per_second, healthz.per_second
                )
                results["api"]["share_of_floor"] = share(api.per_second, floor.per_second)

            if args.parts & {"ingest", "import"}:
                csv_path = scratch_dir / "answers.csv"
                generate.write_csv(csv_path, csv_answers)
                size = csv_path.stat().st_size // 1024
                print(f"Import: {args.rows} rows, {size} KiB of CSV...", flush=True)
                results["import"] = bench_import(env, args, bench_url, csv_path)
                results["copy"] = bench_copy(bench_url, csv_path)
                results["answers_table_floor"] = bench_answers_table_floor(bench_url)
                if args.rss_rows:
                    print(f"Import memory: {args.rss_rows} rows...", flush=True)
                    rss_path = scratch_dir / "answers-rss.csv"
                    write_large_csv(rss_path, rng, people, args.rss_rows, now)
                    results["import_rss"] = bench_import(
                        env, args, bench_url, rss_path, rows=args.rss_rows, source="csv"
                    )
                    rss_path.unlink()
            if "import" in args.parts and args.crm_rows:
                results["crm_import"] = bench_crm_import(env, args, bench_url, scratch_dir)
            if "bulk" in args.parts:
                print("Bulk API: batches of 1 000 answers, accounts, contacts...", flush=True)
                port = free_port()
                with gunicorn(env, port):
                    results["bulk"] = bench_bulk(
                        host=HOST,
                        port=port,
                        key=key,
                        answers=api_answers,
                        customers=customers,
                        people=people,
                    )
            if "engine" in args.parts:
                results["engine"] = bench_engine(env, args, bench_url, key, people, scratch_dir)
            if "pages" in args.parts:
                results["pages"] = bench_pages(env, args)
            if "dashboard" in args.parts:
                results["dashboard"] = bench_dashboard(env, args)
            if "sending" in args.parts:
                results["sending"] = bench_sending(env, args, scratch_dir)
            if args.purge_broker:
                manage_celery(env, "purge", "-f")
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1

    results["machine"]["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if "healthz" in results:
        print_table(results, args)
    if "import" in results:
        print_import(results, args)
    if "crm_import" in results:
        print_crm_import(results)
    if "bulk" in results:
        print_bulk(results["bulk"], workers=gunicorn_workers())
    if "engine" in results:
        print_engine(results)
    if "pages" in results:
        print_pages(results, args)
    if "dashboard" in results:
        print_dashboard(results)
    if "sending" in results:
        print_sending(results)
    print(f"\nWritten: {(OUT / 'results.json').relative_to(ROOT)}")
    return 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="per HTTP run (5000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (8)")
    parser.add_argument("--rows", type=int, default=100_000, help="CSV rows imported (100000)")
    parser.add_argument(
        "--rss-rows",
        type=int,
        default=1_000_000,
        help="rows of the file whose import's peak memory is measured (1000000; 0: skip)",
    )
    parser.add_argument(
        "--crm-rows",
        type=int,
        default=50_000,
        help="accounts, and contacts, of the CRM files imported (50000; 0: skip)",
    )
    parser.add_argument("--accounts", type=int, default=500, help="customer accounts (500)")
    parser.add_argument("--people", type=int, default=5000, help="people who answer (5000)")
    parser.add_argument("--seed", type=int, default=2026, help="of the generated data")
    parser.add_argument(
        "--http-deadline", type=float, default=240, help="seconds for each HTTP run (240)"
    )
    parser.add_argument(
        "--http-rounds",
        type=int,
        default=5,
        help="rounds the HTTP runs are split into, /healthz, the API and its floor in turn (5)",
    )
    parser.add_argument(
        "--import-timeout", type=float, default=900, help="seconds for the import (900)"
    )
    parser.add_argument(
        "--parts",
        type=lambda value: set(value.split(",")),
        default=PARTS,
        help="what to measure, comma-separated: ingest (API and import), import (the CSV "
        "import alone), engine, pages, dashboard, sending, bulk (all)",
    )
    parser.add_argument(
        "--engine-answers", type=int, default=200, help="detractors timed one by one (200)"
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=10_000,
        help="detractors of the burst the worker drains (10000)",
    )
    parser.add_argument(
        "--live-interval",
        type=float,
        default=0.5,
        help="seconds between live answers posted during the burst (0.5)",
    )
    parser.add_argument(
        "--large-accounts", type=int, default=5000, help="pages: accounts of the large set (5000)"
    )
    parser.add_argument(
        "--large-answers",
        type=int,
        default=100_000,
        help="pages: answers of the large set (100000)",
    )
    parser.add_argument(
        "--page-requests", type=int, default=50, help="pages: timed requests per page (50)"
    )
    parser.add_argument(
        "--pages-timeout", type=float, default=900, help="pages: seconds per data set (900)"
    )
    parser.add_argument(
        "--dashboard-accounts", type=int, default=50_000, help="dashboard: accounts (50000)"
    )
    parser.add_argument(
        "--dashboard-answers", type=int, default=1_000_000, help="dashboard: answers (1000000)"
    )
    parser.add_argument(
        "--dashboard-requests",
        type=int,
        default=10,
        help="dashboard: timed requests per page, after 2 to warm up (10)",
    )
    parser.add_argument(
        "--dashboard-timeout",
        type=float,
        default=1800,
        help="dashboard: seconds for loading the data set and measuring (1800)",
    )
    parser.add_argument(
        "--sending-contacts", type=int, default=20_000, help="sending: contacts (20000)"
    )
    parser.add_argument(
        "--sending-accounts", type=int, default=2000, help="sending: their accounts (2000)"
    )
    parser.add_argument(
        "--sending-timeout",
        type=float,
        default=1800,
        help="sending: seconds for the whole part; the full-speed pass gets half (1800)",
    )
    parser.add_argument(
        "--database",
        default="nps_loop_bench",
        help="the database created, used and dropped (nps_loop_bench)",
    )
    parser.add_argument(
        "--purge-broker",
        action="store_true",
        help="empty the Celery queue of CELERY_BROKER_URL at the end: the tasks the run "
        "queued name answers of the dropped database. Only for a broker of its own.",
    )
    args = parser.parse_args()
    if args.parts - PARTS:
        parser.error(f"--parts: unknown {', '.join(sorted(args.parts - PARTS))}")
    return args


# --- the set-up -----------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(database_url: str, name: str) -> Iterator[None]:
    """Create the database `name` afresh on the server of `database_url`; drop it afterwards."""
    statements = [
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)),
    ]
    with psycopg.connect(database_url, dbname="postgres", autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)
    try:
        yield
    finally:
        with psycopg.connect(database_url, dbname="postgres", autocommit=True) as connection:
            connection.execute(statements[0])


def app_environment(database_url: str, scratch: Path) -> dict[str, str]:
    """The environment of production, on this machine, with the benchmark's database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_STATIC_ROOT=str(scratch / "static"),
        NPS_DATA_DIR=str(scratch / "data"),
        DATABASE_URL=database_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        # No TLS on 127.0.0.1; in production a TLS proxy answers HTTPS in front.
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float) -> str:
    """Run a management command; its output goes to bench/out/setup.log."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    with (OUT / "setup.log").open("a") as log:
        log.write(f"$ manage.py {' '.join(args)}\n{result.stderr}")
    if result.returncode != 0:
        raise BenchError(f"manage.py {args[0]} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def manage_celery(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "nps_loop", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def add_customers(database_url: str, customers: list[generate.Customer]) -> None:
    """Insert the accounts and their mail domains, as a CRM import would have."""
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY accounts_account (name, external_id, segment, tier, arr, currency, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for c in customers:
                copy.write_row((c.name, c.external_id, c.segment, c.tier, c.arr, "EUR", now, now))
        ids = dict(cursor.execute("SELECT external_id, id FROM accounts_account").fetchall())
        with cursor.copy("COPY accounts_accountdomain (account_id, domain) FROM STDIN") as copy:
            for c in customers:
                copy.write_row((ids[c.external_id], c.domain))


def count(database_url: str, table: str, source: str | None = None) -> int:
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
    if source is not None:
        query += sql.SQL(" WHERE source = {}").format(sql.Literal(source))
    with psycopg.connect(database_url) as connection:
        return connection.execute(query).fetchone()[0]


def machine(database_url: str) -> dict[str, object]:
    with psycopg.connect(database_url, dbname="postgres") as connection:
        server = connection.execute("SHOW server_version").fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        # Other work on the machine skews every figure: read them with this in mind.
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "python": platform.python_version(),
        "postgresql": server,
        "platform": platform.platform(),
    }


# --- 1. HTTP ----------------------------------------------------------------------------


def bench_http(
    env: dict[str, str], args: argparse.Namespace, key: str, answers: list[dict[str, str]]
) -> tuple[LoadReport, LoadReport, LoadReport]:
    """`GET /healthz`, then `POST /api/v1/responses`, then the API's floor (`POST
    /bench/answers`, bench/floor.py: the same bodies stored by a bare view), on one
    gunicorn as in production."""
    port = free_port()
    json_headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    posts = [
        Call("POST", "/api/v1/responses", json.dumps(generate.api_body(answer)).encode())
        for answer in answers
    ]
    warm_up = [
        Call("POST", "/api/v1/responses", json.dumps({**body, "external_id": f"warm-{n}"}).encode())
        for n, body in enumerate(generate.api_body(answer) for answer in answers[:40])
    ]
    # The same answers, from addresses of the floor's own: the floor adds its people without
    # their accounts, and the API must not find them already there.
    floor_posts = [
        Call(
            "POST",
            "/bench/answers",
            json.dumps({**generate.api_body(answer), "email": f"floor.{answer['email']}"}).encode(),
        )
        for answer in answers
    ]
    common = {"host": HOST, "port": port, "clients": args.clients}
    with gunicorn(env, port):
        # Both workers import the app and open their database connection first.
        drive(
            label="warm-up",
            calls=[Call("GET", "/healthz")] * 40,
            headers={},
            expected_status=200,
            deadline_seconds=30,
            **common,
        )
        drive(
            label="warm-up",
            calls=warm_up,
            headers=json_headers,
            expected_status=201,
            deadline_seconds=30,
            **common,
        )
        # In rounds, each of the three in turn: a machine that slows down or speeds up
        # during the run weighs on the three alike, not on whichever came last.
        measured = (
            ("GET /healthz (SELECT 1)", [Call("GET", "/healthz")] * len(posts), 200, {}),
            ("POST /api/v1/responses", posts, 201, json_headers),
            ("POST /bench/answers (floor)", floor_posts, 201, {"Content-Type": "application/json"}),
        )
        rounds: list[list[LoadReport]] = [[] for _ in measured]
        for part in range(args.http_rounds):
            share_of = slice(
                part * len(posts) // args.http_rounds, (part + 1) * len(posts) // args.http_rounds
            )
            for reports, (label, calls, status, headers) in zip(rounds, measured, strict=True):
                reports.append(
                    drive(
                        label=label,
                        calls=calls[share_of],
                        headers={"Accept": "application/json", **headers},
                        expected_status=status,
                        deadline_seconds=args.http_deadline / args.http_rounds,
                        **common,
                    )
                )
        healthz, api, floor = (combined(reports) for reports in rounds)
    with redis.Redis.from_url(env["CELERY_BROKER_URL"]) as broker:
        broker.delete(FLOOR_LIST)
    return healthz, api, floor


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[None]:
    """gunicorn with production's settings (gunicorn.conf.py: workers, worker class,
    timeouts, access log) on 127.0.0.1:`port`, stopped on the way out."""
    log_path = OUT / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "nps_loop.wsgi:application",
        "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"{HOST}:{port}",
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_until_serving(process, port, log_path)
            yield
        finally:
            stop(process, grace_seconds=20)


def wait_until_serving(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn stopped (exit {process.returncode}); see {log_path}")
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- 2. CSV import ------------------------------------------------------------------------


def bench_import(
    env: dict[str, str],
    args: argparse.Namespace,
    database_url: str,
    csv_path: Path,
    *,
    rows: int | None = None,
    source: str | None = "csv",
    command: str = "import_responses",
    table: str = "surveys_response",
) -> dict[str, object]:
    """Time `manage.py import_responses FILE` (or `command`) as a person would run it,
    start-up included, and take its peak memory (the kernel's maximum resident set size of
    the process)."""
    rows = args.rows if rows is None else rows
    probe = subprocess.run(
        [sys.executable, "manage.py", command, "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    if probe.returncode != 0:
        print(f"{command} not available: the import is not measured.", file=sys.stderr)
        return {"rows": rows, "skipped": f"{command} not available"}

    before = count(database_url, table, source)
    log_path = OUT / f"{command}-{rows}.log"
    started = time.perf_counter()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", command, str(csv_path)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        exit_code, peak_kib = wait_with_rusage(process, timeout=args.import_timeout)
    seconds = time.perf_counter() - started
    imported = count(database_url, table, source) - before
    outcome = {
        "rows": rows,
        "imported": imported,
        "seconds": round(seconds, 3),
        "per_second": round(imported / seconds, 1),
        "peak_rss_mb": round(peak_kib / 1024, 1) if peak_kib else None,
        "exit_code": exit_code,
        "timed_out": exit_code is None,
    }
    if exit_code != 0:
        print(f"{command} did not finish cleanly; see {log_path}", file=sys.stderr)
    return outcome


def bench_crm_import(
    env: dict[str, str], args: argparse.Namespace, database_url: str, scratch: Path
) -> dict[str, object]:
    """A CRM's accounts, then its contacts, imported from CSV (`--crm-rows` each), each
    beside a COPY of the same file."""
    rng = random.Random(args.seed + 7)
    customers = [
        dataclasses.replace(c, external_id=f"CRM-{c.external_id}", domain=f"crm-{c.domain}")
        for c in generate.make_customers(rng, args.crm_rows)
    ]
    # People at the new accounts' own domains: none of them is known yet.
    people = [
        person
        for person in generate.make_people(rng, customers, args.crm_rows * 11 // 10)
        if "@crm-" in person.email
    ][: args.crm_rows]
    outcome = {}
    for kind, names, write, table in (
        ("accounts", generate.ACCOUNT_COLUMNS, generate.write_accounts_csv, "accounts_account"),
        ("contacts", generate.CONTACT_COLUMNS, generate.write_contacts_csv, "accounts_contact"),
    ):
        path = scratch / f"{kind}.csv"
        write(path, customers if kind == "accounts" else people)
        print(f"Import: {args.crm_rows} {kind}...", flush=True)
        imported = bench_import(
            env,
            args,
            database_url,
            path,
            rows=args.crm_rows,
            source=None,
            command=f"import_{kind}",
            table=table,
        )
        outcome[kind] = {"import": imported, "copy": bench_copy(database_url, path, names)}
    return outcome


def wait_with_rusage(process: subprocess.Popen, *, timeout: float) -> tuple[int | None, int]:
    """Wait for the process (killed after `timeout` seconds): its exit code (None when
    killed) and its peak resident memory in KiB, as the kernel counted it."""
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        _pid, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    killed = os.WIFSIGNALED(status)
    return (None if killed else process.returncode), usage.ru_maxrss


def write_large_csv(
    path: Path,
    rng: random.Random,
    people: list[generate.Person],
    rows: int,
    now: dt.datetime,
) -> None:
    """A file of `rows` new answers, written a slice at a time so that the bench stays small."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=generate.ANSWER_COLUMNS)
        writer.writeheader()
        for start in range(0, rows, 50_000):
            size = min(50_000, rows - start)
            writer.writerows(
                generate.make_answers(rng, people, size, id_prefix=f"rss{start}", now=now)
            )


def bench_copy(
    database_url: str, csv_path: Path, names: tuple[str, ...] = generate.ANSWER_COLUMNS
) -> dict[str, object]:
    """The floor: PostgreSQL's COPY of the same file into a table of the same shape, no checks."""
    types = {
        "score": "integer",
        "answered_at": "timestamptz",
        "updated_at": "timestamptz",
        "arr": "numeric",
    }
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(types.get(name, "text")))
        for name in names
    )
    with psycopg.connect(database_url) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_copied_answers")
        connection.execute(sql.SQL("CREATE TABLE bench_copied_answers ({})").format(columns))
        connection.commit()
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY bench_copied_answers FROM STDIN (FORMAT csv, HEADER true)") as copy,
            csv_path.open("rb") as file,
        ):
            while chunk := file.read(1 << 20):
                copy.write(chunk)
        connection.commit()
        seconds = time.perf_counter() - started
        rows = connection.execute("SELECT count(*) FROM bench_copied_answers").fetchone()[0]
    return {"rows": rows, "seconds": round(seconds, 3), "per_second": round(rows / seconds, 1)}


def bench_answers_table_floor(database_url: str) -> dict[str, object]:
    """What the database alone spends to store the COPY's rows as answers: one INSERT ...
    SELECT into the answers table, each row matched to its contact by email and to its
    campaign by name, with the table's indexes, triggers (the dashboard's kept rows) and
    foreign-key checks, then rolled back. No import can store the file faster than this
    and the COPY together."""
    with psycopg.connect(database_url) as connection:
        started = time.perf_counter()
        connection.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checked now, not at commit
        inserted = connection.execute(
            """INSERT INTO surveys_response (contact_id, account_id, campaign_id, score,
                   comment, answered_at, source, external_id, language, payload, created_at,
                   updated_at)
               SELECT c.id, c.account_id, k.id, b.score, coalesce(b.comment, ''),
                   b.answered_at, 'csv', 'floor-' || b.external_id, coalesce(b.language, ''),
                   NULL, now(), now()
               FROM bench_copied_answers b JOIN accounts_contact c ON lower(c.email) = b.email
               LEFT JOIN (SELECT lower(name) AS name_ci, min(id) AS id FROM surveys_campaign
                          GROUP BY lower(name)) k ON k.name_ci = lower(b.campaign)"""
        ).rowcount
        seconds = time.perf_counter() - started
        connection.rollback()
    return {"rows": inserted, "seconds": round(seconds, 3)}


# --- 3. the playbook engine -----------------------------------------------------------------


def bench_engine(
    env: dict[str, str],
    args: argparse.Namespace,
    database_url: str,
    key: str,
    people: list[generate.Person],
    scratch: Path,
) -> dict[str, object]:
    """Latency of one detractor to its case, then one worker draining a burst."""
    env = {**env, "EMAIL_URL": f"filemail:///{scratch / 'mail'}"}
    manage_celery(env, "purge", "-f")
    # Answers of the other parts are not the engine's to process here: set them aside.
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            "UPDATE surveys_response SET processed_at = now() WHERE processed_at IS NULL"
        )
    rng = random.Random(args.seed + 1)
    now = dt.datetime.now(dt.UTC)
    # Given just now: an answer older than the case window is history, and opens no case.
    detractors = [
        {**answer, "score": str(rng.randint(0, 6)), "answered_at": ""}
        for answer in generate.make_answers(
            rng, people, args.engine_answers + 5, id_prefix="engine", now=now
        )
    ]
    port = free_port()
    worker_log = OUT / "worker.log"
    print(f"Engine: {args.engine_answers} detractors, one at a time, one worker...", flush=True)
    try:
        with gunicorn(env, port):
            common = {"host": HOST, "port": port, "key": key, "database_url": database_url}
            with engine.celery_worker(env, ROOT, worker_log):
                engine.latency(answers=detractors[:5], **common)  # warm-up
                latency = engine.latency(answers=detractors[5:], **common)

            burst_csv = scratch / "burst.csv"
            generate.write_csv(burst_csv, recent_detractors(rng, people, args.burst, now))
            print(
                f"Engine: a burst of {args.burst} recent detractors queued, then the worker, "
                f"with a live answer every {args.live_interval} s meanwhile...",
                flush=True,
            )
            manage(env, "import_responses", str(burst_csv), timeout=args.import_timeout)
            live = [
                {**answer, "score": str(rng.randint(0, 6)), "answered_at": ""}
                for answer in generate.make_answers(rng, people, 2000, id_prefix="live", now=now)
            ]
            with (
                engine.celery_worker(env, ROOT, worker_log),
                engine.LiveAnswers(answers=live, interval=args.live_interval, **common) as during,
            ):
                burst = engine.drain(
                    database_url=database_url, expected=args.burst, timeout=args.import_timeout
                )
            burst["live_during"] = during.result()
    except engine.EngineBenchError as error:
        raise BenchError(f"{error} (worker log: {worker_log})") from error
    return {"latency": latency, "burst": burst}


def recent_detractors(
    rng: random.Random, people: list[generate.Person], count: int, now: dt.datetime
) -> list[dict[str, str]]:
    """`count` detractors answered within the last week, as an import of fresh answers."""
    return [
        {
            **answer,
            "score": str(rng.randint(0, 6)),
            "answered_at": (now - dt.timedelta(seconds=rng.randint(60, 7 * 24 * 3600))).isoformat(
                timespec="seconds"
            ),
        }
        for answer in generate.make_answers(rng, people, count, id_prefix="burst", now=now)
    ]


# --- 4. the pages ---------------------------------------------------------------------------


def bench_pages(env: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    """The workspace pages on the demo data, then on the large set: `python -m bench.pages`."""
    log_path = OUT / "pages.log"
    log_path.write_text("")
    started = time.perf_counter()
    outcome: dict[str, object] = {}
    large = [
        *("--accounts", str(args.large_accounts), "--answers", str(args.large_answers)),
        *("--seed", str(args.seed)),
    ]
    for data_set, options, what in (
        ("demo", [], "seed_demo, its cases"),
        ("large", large, f"{args.large_accounts} accounts, {args.large_answers} answers"),
    ):
        print(f"Pages: {data_set} data set ({what}), then the pages...", flush=True)
        options = [*options, "--requests", str(args.page_requests)]
        outcome[data_set] = run_pages(env, data_set, options, args.pages_timeout, log_path)
    outcome["seconds"] = round(time.perf_counter() - started, 1)
    return outcome


def bench_dashboard(env: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    """The managers' dashboard on the very large set: `python -m bench.pages dashboard`."""
    log_path = OUT / "dashboard.log"
    log_path.write_text("")
    started = time.perf_counter()
    print(
        f"Dashboard: very large data set ({args.dashboard_accounts} accounts, "
        f"{args.dashboard_answers} answers), then the dashboard...",
        flush=True,
    )
    options = [
        *("--accounts", str(args.dashboard_accounts), "--answers", str(args.dashboard_answers)),
        *("--seed", str(args.seed), "--requests", str(args.dashboard_requests)),
    ]
    outcome = run_pages(env, "dashboard", options, args.dashboard_timeout, log_path)
    outcome["seconds"] = round(time.perf_counter() - started, 1)
    return outcome


def bench_sending(
    env: dict[str, str], args: argparse.Namespace, scratch: Path
) -> dict[str, object]:
    """One worker sending a campaign's emails: `python -m bench.sending`."""
    log_path = OUT / "sending.log"
    worker_log = OUT / "sending-worker.log"
    for path in (log_path, worker_log):
        path.write_text("")
    # Tasks the other parts left in the queue (answers to process) are not this worker's.
    manage_celery(env, "purge", "-f")
    print(
        f"Sending: {args.sending_accounts} accounts, {args.sending_contacts} contacts, "
        "one campaign to all of them, one worker; then a minute at the default rate...",
        flush=True,
    )
    command = [
        sys.executable, "-m", "bench.sending",
        "--contacts", str(args.sending_contacts), "--accounts", str(args.sending_accounts),
        "--seed", str(args.seed), "--timeout", str(args.sending_timeout / 2),
        "--scratch", str(scratch / "sending"), "--worker-log", str(worker_log),
    ]  # fmt: skip
    with log_path.open("a") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True
        )
        try:
            stdout, _ = process.communicate(timeout=args.sending_timeout)
        except subprocess.TimeoutExpired as error:
            raise BenchError(f"sending: over {args.sending_timeout} s; see {log_path}") from error
        finally:
            # SIGTERM first: it stops its worker on the way out (the kernel kills the
            # worker too, should it come to SIGKILL).
            stop(process, grace_seconds=90)
    if process.returncode != 0:
        raise BenchError(f"sending: failed; see {log_path} and {worker_log}")
    return json.loads(stdout.strip().splitlines()[-1])


def run_pages(
    env: dict[str, str], data_set: str, options: list[str], timeout: float, log_path: Path
) -> dict[str, object]:
    """`python -m bench.pages DATA_SET OPTIONS`; its progress goes to `log_path`."""
    # Everything stays on this machine: no email leaves, even if a page sent one.
    env = {**env, "EMAIL_URL": "memorymail://"}
    command = [sys.executable, "-m", "bench.pages", data_set, *options]
    with log_path.open("a") as log:
        try:
            result = subprocess.run(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise BenchError(f"pages, {data_set}: over {timeout} s; see {log_path}") from error
    if result.returncode != 0:
        raise BenchError(f"pages, {data_set}: failed; see {log_path}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the report -----------------------------------------------------------------------------


def print_table(results: dict, args: argparse.Namespace) -> None:
    m = results["machine"]
    print(
        f"\nNPS Loop bench: {m['cpus']} CPUs, PostgreSQL {m['postgresql']}, "
        f"Python {m['python']}; gunicorn {gunicorn_workers()}, {args.clients} clients; "
        f"load average {m['load_average_at_start'][0]} at start, "
        f"{m['load_average_at_end'][0]} at end\n"
    )
    rows = [("", "done", "errors", "per second", "median ms", "p95 ms")]
    for r in (results["healthz"], results["api"], results["api_floor"]):
        done, errors = f"{r['ok']}/{r['planned']}", str(r["errors"] + r["unsent"])
        rows.append((r["label"], done, errors, _rate(r), _ms(r["median_ms"]), _ms(r["p95_ms"])))
    imported, copied = results["import"], results["copy"]
    if "skipped" in imported:
        rows.append(("manage.py import_responses", imported["skipped"], "", "", "", ""))
    else:
        done = f"{imported['imported']}/{imported['rows']}"
        problem = {0: "", None: "timed out"}.get(imported["exit_code"], "failed")
        rows.append(("manage.py import_responses", done, problem, _rate(imported), "-", "-"))
    done = f"{copied['rows']}/{args.rows}"
    rows.append(("PostgreSQL COPY, same file", done, "", _rate(copied), "-", "-"))
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    for row in rows:
        cells = [cell.rjust(width) for cell, width in zip(row, widths, strict=True)]
        print("  ".join([row[0].ljust(widths[0]), *cells[1:]]))
    api, healthz = results["api"], results["healthz"]
    if api.get("share_of_healthz") is not None:
        ratio = api["share_of_healthz"]
        verdict = "meets" if ratio >= API_TARGET_SHARE and api["errors"] == 0 else "short"
        print(
            f"POST /api/v1/responses {api['per_second']:.1f}/s, reference GET /healthz "
            f"{healthz['per_second']:.1f}/s in the same run: ratio {ratio:.0%}, {verdict} "
            f"(target {API_TARGET_SHARE:.0%} or more)"
        )
    floor = results["api_floor"]
    if floor.get("share_of_healthz") is not None and api.get("share_of_floor") is not None:
        print(
            f"  floor  POST /bench/answers {floor['per_second']:.1f}/s: a bare view storing "
            f"the same answers (one statement, one Redis push) is "
            f"{floor['share_of_healthz']:.0%} of /healthz\n"
            f"         the API is {api['share_of_floor']:.0%} of it"
        )


def gunicorn_workers() -> str:
    """What gunicorn.conf.py runs, as the bench runs it: "2 sync workers"."""
    settings: dict[str, object] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own file
    return f"{settings['workers']} {settings['worker_class']} workers"


def share(part: float, whole: float) -> float | None:
    """`part` as a fraction of `whole`, None without a whole to compare with."""
    return round(part / whole, 3) if whole else None


def print_crm_import(results: dict) -> None:
    """The accounts and contacts imports beside COPY."""
    for kind, measured in results["crm_import"].items():
        imported, copied = measured["import"], measured["copy"]
        print(f"\nCSV import of {kind}, {imported['rows']} rows (manage.py import_{kind}):")
        if "skipped" in imported:
            print(f"  {imported['skipped']}")
            continue
        ratio = imported["per_second"] / copied["per_second"] if copied["per_second"] else 0.0
        verdict = (
            "meets" if ratio >= IMPORT_TARGET_RATIO and imported["exit_code"] == 0 else "short"
        )
        print(
            f"  import {imported['per_second']:.0f} rows/s ({imported['imported']} rows in "
            f"{imported['seconds']:.1f} s, peak RSS {imported['peak_rss_mb']} MB)\n"
            f"  COPY   {copied['per_second']:.0f} rows/s ({copied['rows']} rows in "
            f"{copied['seconds']:.2f} s)\n"
            f"  ratio  {ratio:.1%} of COPY: {verdict} (target {IMPORT_TARGET_RATIO:.0%})"
        )


def print_import(results: dict, args: argparse.Namespace) -> None:
    """The CSV import beside COPY: rows per second, the ratio, and its peak memory."""
    imported, copied = results["import"], results["copy"]
    print(
        f"\nCSV import of answers, {args.rows} rows (manage.py import_responses, start-up incl.):"
    )
    if "skipped" in imported:
        print(f"  {imported['skipped']}")
        return
    ratio = imported["per_second"] / copied["per_second"] if copied["per_second"] else 0.0
    verdict = "meets" if ratio >= IMPORT_TARGET_RATIO and imported["exit_code"] == 0 else "short"
    print(
        f"  import {imported['per_second']:.0f} rows/s ({imported['imported']} rows in "
        f"{imported['seconds']:.1f} s, peak RSS {imported['peak_rss_mb']} MB)\n"
        f"  COPY   {copied['per_second']:.0f} rows/s ({copied['rows']} rows in "
        f"{copied['seconds']:.2f} s)\n"
        f"  ratio  {ratio:.1%} of COPY: {verdict} (target {IMPORT_TARGET_RATIO:.0%})"
    )
    floor = results.get("answers_table_floor")
    if floor and floor["rows"]:
        floor_seconds = copied["seconds"] + floor["seconds"]
        floor_rate = floor["rows"] / floor_seconds
        print(
            f"  floor  {floor_rate:.0f} rows/s: the COPY, then one INSERT of its rows into "
            f"the answers table ({floor['seconds']:.2f} s: indexes, triggers, foreign keys)\n"
            f"         the import is {imported['per_second'] / floor_rate:.1%} of it; the "
            f"target asks {IMPORT_TARGET_RATIO * copied['per_second'] / floor_rate:.0%}"
        )
    large = results.get("import_rss")
    if large and "skipped" not in large:
        peak = large["peak_rss_mb"] or 0
        verdict = "meets" if peak < IMPORT_RSS_LIMIT_MB and large["exit_code"] == 0 else "short"
        print(
            f"  {large['rows']} rows: {large['imported']} imported in {large['seconds']:.0f} s "
            f"({large['per_second']:.0f} rows/s), peak RSS {peak} MB: {verdict} "
            f"(under {IMPORT_RSS_LIMIT_MB} MB)"
        )


# The engine's contract: a burst of 10 000 detractors in under 2 minutes, and live answers
# posted meanwhile readable as cases within a second (95th percentile).
BURST_REFERENCE_MINUTES = 2.0
LIVE_REFERENCE_P95_S = 1.0


def print_engine(results: dict) -> None:
    latency, burst = results["engine"]["latency"], results["engine"]["burst"]
    during = burst.get("live_during") or {}
    minutes_per_10k = burst["minutes"] * 10_000 / max(1, burst["answers"])
    burst_meets = not burst["timed_out"] and minutes_per_10k < BURST_REFERENCE_MINUTES
    live_meets = during.get("p95_s") is not None and during["p95_s"] < LIVE_REFERENCE_P95_S
    print(
        f"\nPlaybook engine, the workers of production "
        f"({' '.join(engine.WORKER_OPTIONS)}; {' '.join(engine.LIVE_WORKER_OPTIONS)}):\n"
        f"  detractor posted -> case readable at GET /api/v1/cases/{{id}}: "
        f"median {latency['median_s']:.3f} s, p95 {latency['p95_s']:.3f} s, "
        f"max {latency['max_s']:.3f} s over {latency['answers']} answers\n"
        f"  burst of {burst['answers']} recent detractors -> {burst['cases']} cases "
        f"({burst.get('cases_with_steps', '?')} with their steps) in "
        f"{burst['minutes']:.2f} min ({burst['per_second']:.1f} answers/s)"
        + (f", {burst['left_unprocessed']} left (timed out)" if burst["timed_out"] else "")
        + f"; reference: 10 000 in under {BURST_REFERENCE_MINUTES:.0f} min: "
        + ("meets" if burst_meets else "short")
        + "\n"
        + (
            f"  live answers posted during the burst -> case readable: "
            f"median {during['median_s']:.3f} s, p95 {during['p95_s']:.3f} s, "
            f"max {during['max_s']:.3f} s over {during['answers']} answers; reference: p95 "
            f"under {LIVE_REFERENCE_P95_S:.0f} s: " + ("meets" if live_meets else "short")
            if during.get("answers")
            else "  no live answer was timed during the burst: short"
        )
    )


def print_pages(results: dict, args: argparse.Namespace) -> None:
    pages, m = results["pages"], results["machine"]
    print(
        f"\nWorkspace pages, Django test client in-process (server time, no network), "
        f"{args.page_requests} requests each after 3 to warm up; {m['cpus']} CPUs, "
        f"load average {m['load_average_at_start'][0]} at start, "
        f"{m['load_average_at_end'][0]} at end:"
    )
    for data_set in ("demo", "large"):
        print_data_set(data_set, pages[data_set])
    table = [("data set", "as", "page", "", "median ms", "p95 ms", "queries")]
    for data_set in ("demo", "large"):
        for p in pages[data_set]["pages"]:
            median, p95 = _ms(p["median_ms"]), _ms(p["p95_ms"])
            table.append(
                (data_set, p["role"], p["page"], p["note"], median, p95, str(p["queries"]))
            )
    widths = [max(len(cell) for cell in column) for column in zip(*table, strict=True)]
    for row in table:
        left = [cell.ljust(width) for cell, width in zip(row[:4], widths[:4], strict=True)]
        right = [cell.rjust(width) for cell, width in zip(row[4:], widths[4:], strict=True)]
        print("  " + "  ".join(left + right))
    demo = {(p["page"], p["role"]): p for p in pages["demo"]["pages"]}
    for p in pages["large"]["pages"]:
        if p["page"].startswith(("queue", "account")):
            reference = demo.get((p["page"], p["role"]), {}).get("median_ms")
            verdict = _against(p["median_ms"], reference, "demo set", PAGE_TARGET_MS)
            print(f"  target {p['page']} as {p['role']}, large set: {verdict}")
    print(f"  the pages part took {pages['seconds'] / 60:.1f} min")


def _against(median_ms: float, reference_ms: float | None, reference: str, target_ms: float) -> str:
    """The measured median, its reference measured in the same run and their ratio, then
    the median against its target: "meets" or "short"."""
    met = "meets" if median_ms < target_ms else "short"
    if reference_ms:
        compared = (
            f"reference ({reference}) {reference_ms:.0f} ms, ratio {median_ms / reference_ms:.2f}"
        )
    else:
        compared = f"no reference ({reference})"
    return f"median {median_ms:.0f} ms, {compared}; target under {target_ms} ms: {met}"


def print_data_set(data_set: str, r: dict) -> None:
    rows, loaded = r["rows"], f"set up in {r['setup_seconds']:.0f} s"
    if "copy_seconds" in r:
        loaded += (
            f" (generated {r['generate_seconds']:.0f} s, COPY {r['copy_seconds']:.0f} s, "
            f"VACUUM ANALYZE {r['vacuum_analyze_seconds']:.0f} s)"
        )
    print(
        f"  {data_set}: {rows['accounts']} accounts, {rows['contacts']} contacts, "
        f"{rows['answers']} answers, {rows['interactions']} interactions, {rows['cases']} "
        f"cases ({rows['open_cases']} open), {rows['case_steps']} steps, "
        f"{rows['case_events']} events; {loaded}; {r['database_bytes'] / 2**20:.0f} MiB on "
        f"disk; CSM {r['csm']['username']} owns {r['csm']['open_cases']} open cases"
    )


def print_dashboard(results: dict) -> None:
    r, m = results["dashboard"], results["machine"]
    requests = r["pages"][0]["requests"]
    print(
        f"\nManagers' dashboard on the very large set, Django test client in-process (server "
        f"time), {requests} requests each after {r['warm_up']} to warm up, as "
        f"{r['manager']}; load average {m['load_average_at_end'][0]} at end:"
    )
    print_data_set("dashboard", r)
    table = [("page", "", "median ms", "p95 ms", "queries", "in SQL ms")]
    for p in r["pages"]:
        median, p95, sql_ms = _ms(p["median_ms"]), _ms(p["p95_ms"]), _ms(p["queries_ms"])
        table.append((p["page"], p["note"], median, p95, str(p["queries"]), sql_ms))
    widths = [max(len(cell) for cell in column) for column in zip(*table, strict=True)]
    for row in table:
        left = [cell.ljust(width) for cell, width in zip(row[:2], widths[:2], strict=True)]
        right = [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        print("  " + "  ".join(left + right))
    checked = r["figures"]
    print(
        f"  figures: {checked['slices']} periods and slices, every figure shown "
        f"({checked['figures']} groups) recomputed from the raw answers and cases: "
        f"{checked['differences']} differences ({checked['day_rows']} daily count rows, "
        f"{checked['case_rows']} case rows, checked in {checked['seconds']:.0f} s)"
    )
    for p in r["pages"]:
        print(
            f"  target {p['page']}: "
            + _against(p["median_ms"], p["reference_ms"], "raw recomputation", DASHBOARD_TARGET_MS)
        )
    for p in r["pages"]:
        print(f"  slowest queries of {p['url']} (one request):")
        for query in p["slowest_queries"]:
            print(f"    {query['ms']:8.1f} ms  {_gist(query['sql'])}")
    print(f"  the dashboard part took {r['seconds'] / 60:.1f} min")


def print_sending(results: dict) -> None:
    r = results["sending"]
    data, full, pacing, here = r["data"], r["full_speed"], r["pacing"], r["in_process"]
    languages = ", ".join(f"{code or '?'} {n}" for code, n in data["languages"].items())
    mail = full["mail"]
    sample = [name for name, ok in mail["sample"].items() if ok]
    print(
        f"\nSurvey emails, one Celery worker (solo pool: it sends in its own process), file "
        f"email backend; {data['accounts']} accounts, {data['contacts']} contacts "
        f"({languages}); load average {full['load_average'][0]} after the first pass:"
    )
    rows = [
        ("full speed (NPS_SURVEY_EMAILS_PER_MINUTE=1000000)", ""),
        ("  launch -> invitations planned", f"{full['launch_to_planned_s']:.1f} s"),
        ("  planned -> last email sent", f"{full['planned_to_last_sent_s']:.1f} s"),
        (f"  launch -> all {full['invitations']} sent", f"{full['launch_to_all_sent_s']:.1f} s"),
        ("  emails per second, once planned", f"{full['per_second']:.1f}"),
        (
            "  the worker's CPU time",
            f"{full['worker_cpu_s']:.1f} s ({full['per_worker_cpu_second']:.1f} emails "
            "per CPU second)",
        ),
        ("  the worker's peak memory (VmHWM)", f"{full['worker_peak_kib'] / 1024:.0f} MiB"),
        (
            "  mail files",
            f"{mail['files']} files, {mail['bytes'] / 2**20:.0f} MiB, {mail['messages']} "
            f"messages for {mail['distinct_invitations']} invitations, "
            f"{mail['sent_twice']} sent twice",
        ),
        ("  one message has", ", ".join(sample)),
        (f"pacing at {pacing['rate_per_minute']} a minute", ""),
        (f"  sent in the first {pacing['window_s']} s", str(pacing["sent_in_window"])),
        ("  per 10 s", " ".join(str(n) for n in pacing["per_ten_seconds"])),
        (
            "  then cancelled",
            f"{pacing['cancelled']} not sent; the worker stopped in "
            f"{pacing['worker_stop_s']:.0f} s",
        ),
        (f"in this process, send_due_invitations(limit={here['batch']})", ""),
        (
            "  timed",
            f"{here['sent']} in {here['seconds']:.2f} s ({here['per_second']:.1f}/s, "
            f"{here['cpu_seconds']:.2f} CPU s)",
        ),
        (
            "  profiled",
            f"{here['profiled_sent']} in {here['profiled_seconds']:.2f} s, "
            f"{here['queries']} queries",
        ),
        *((f"    {label}", f"{seconds:.2f} s") for label, seconds in here["phases"].items()),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}".rstrip())
    print(f"  the sending part took {r['seconds'] / 60:.1f} min")


def _gist(statement: str, width: int = 110) -> str:
    """The tables and conditions of a query, without its long list of columns (which may
    hold subqueries of their own)."""
    depth, start = 0, 0
    for position, character in enumerate(statement):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and statement.startswith(" FROM ", position):
            start = position + 1
            break
    text = " ".join(statement[start:].split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _rate(result: dict) -> str:
    return f"{result['per_second']:.1f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    sys.exit(main())
