"""How fast NPS Loop sends its own survey emails, with one Celery worker.

`python -m bench.run --parts sending` starts this module in the benchmark's database,
with the app's production settings (bench.settings, DEBUG off):

    python -m bench.sending --contacts 20000 --accounts 2000 --scratch DIR --worker-log FILE

It first empties the customer data (accounts, contacts, campaigns, answers and what
hangs from them), then writes accounts and their contacts with COPY: people of every
size of account, most in English, many in French, a few in other languages (they get
the English email).

1. Full speed: a draft email campaign to every contact is launched with
   `launch_campaign`, as the campaign page does; then ONE worker starts
   (`celery worker -P solo`: the emails go out in the worker's own process) with the
   file email backend and NPS_SURVEY_EMAILS_PER_MINUTE high enough not to hold it
   back. Measured: seconds from the launch to every invitation `sent` (the worker's
   start-up and the planning included), emails per second once planned, the worker's
   peak memory (VmHWM), and the mail files: their size, the messages in them (each
   counted, one per invitation) and one message checked (List-Unsubscribe, a plain
   text and an HTML part).
2. Pacing: a second campaign to the same people (the days between two surveys set to
   0 so they may be asked again), a worker at the default rate, 600 a minute; after
   a minute the campaign is cancelled, as a person would, and the worker stopped.
   Measured: how many emails went out in that minute.
3. In this process: `send_due_invitations(limit=1000)` timed, then once more under
   cProfile; the functions that took the most time are kept.

Every worker started here is stopped here, on failure too (and killed by the kernel
should this process die first). One JSON object is printed on the last line of
stdout; progress goes to stderr.
"""

# ruff: noqa: E402 - Django is set up before the app's modules are imported.

from __future__ import annotations

import argparse
import contextlib
import cProfile
import ctypes
import datetime as dt
import email
import json
import os
import pstats
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import django

django.setup()

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from accounts.models import Account, AccountDomain, Contact, Influence, Persona
from bench import generate
from bench.processes import stop
from core.models import LoopSettings
from surveys.models import Campaign, Invitation, InvitationStatus, Response, Suppression
from surveys.services import campaigns
from surveys.services.sending import SENDER_LOCK, send_due_invitations

ROOT = Path(__file__).resolve().parent.parent
# Far above what one worker sends: the rate does not hold the sender back.
UNLIMITED_PER_MINUTE = 1_000_000
DEFAULT_PER_MINUTE = 600
PACING_SECONDS = 60
POLL_SECONDS = 0.25
# Django's file backend writes this line after each message.
MESSAGE_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
PROFILE_BATCH = 1000
PROFILE_TOP = 15
PR_SET_PDEATHSIG = 1
# Where a round's time goes: (file, function), each counted with what it calls.
PHASES = {
    "claim and judge (exclusion rules)": ("surveys/services/sending.py", "_claim"),
    "build the emails": ("surveys/emails.py", "invitation_email"),
    "  of which the templates": ("django/template/loader.py", "render_to_string"),
    "  of which reading the settings": ("core/models.py", "current"),
    "write them (MIME, file)": ("django/core/mail/backends/console.py", "send_messages"),
    "stamp them sent": ("surveys/services/sending.py", "_stamp_sent"),
    "campaign progress": ("surveys/services/sending.py", "_mark_progress"),
}


class SendingBenchError(Exception):
    """A step of the sending benchmark failed; the message says which."""


def main() -> int:
    args = parse_arguments()
    # `bench.run` stops this process with SIGTERM on its time limit: the workers go too.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    scratch = Path(args.scratch)
    started = time.perf_counter()
    cache.delete(SENDER_LOCK)  # a run killed before left it behind
    outcome: dict[str, Any] = {"data": load_contacts(args.accounts, args.contacts, args.seed)}
    outcome["data"]["setup_seconds"] = round(time.perf_counter() - started, 1)
    worker = Worker(Path(args.worker_log))
    try:
        outcome["full_speed"] = full_speed(
            worker, scratch / "mail-full-speed", contacts=args.contacts, timeout=args.timeout
        )
        outcome["pacing"] = pacing(worker, scratch / "mail-pacing")
        outcome["in_process"] = in_process(scratch / "mail-in-process")
    except SendingBenchError as error:
        _progress(f"sending: {error}")
        return 1
    finally:
        cache.delete(SENDER_LOCK)
    outcome["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(outcome))
    return 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=20_000, help="people surveyed (20000)")
    parser.add_argument("--accounts", type=int, default=2000, help="their accounts (2000)")
    parser.add_argument("--seed", type=int, default=2026, help="of the generated data")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds for the full-speed pass (900)"
    )
    parser.add_argument("--scratch", required=True, help="a folder for the mail files")
    parser.add_argument("--worker-log", required=True, help="the workers' log file")
    return parser.parse_args()


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the data set ---------------------------------------------------------------------------


def load_contacts(accounts: int, contacts: int, seed: int) -> dict[str, Any]:
    """Accounts and their contacts, written with COPY after emptying the customer data."""
    rng = random.Random(seed)
    customers = generate.make_customers(rng, accounts)
    people = generate.make_people(rng, customers, contacts)
    tables = [m._meta.db_table for m in (Account, Contact, Campaign, Response, Suppression)]
    now = timezone.now()
    personas = list(Persona.values)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        with cursor.copy(
            f"COPY {Account._meta.db_table} (id, name, external_id, segment, tier, arr, "
            "currency, created_at, updated_at) FROM STDIN"
        ) as copy:
            for number, c in enumerate(customers, start=1):
                row = (number, c.name, c.external_id, c.segment, c.tier, c.arr, "EUR", now, now)
                copy.write_row(row)
        with cursor.copy(
            f"COPY {AccountDomain._meta.db_table} (account_id, domain) FROM STDIN"
        ) as copy:
            for number, c in enumerate(customers, start=1):
                copy.write_row((number, c.domain))
        account_ids = {c.external_id: number for number, c in enumerate(customers, start=1)}
        with cursor.copy(
            f"COPY {Contact._meta.db_table} (account_id, name, email, title, persona, "
            "influence, phone, external_id, language, opted_out, created_at, updated_at) "
            "FROM STDIN"
        ) as copy:
            for person in people:
                persona = rng.choices(personas, weights=[1] * len(personas))[0]
                influence = (
                    Influence.HIGH
                    if persona in (Persona.CHAMPION, Persona.EXEC_SPONSOR)
                    else Influence.MEDIUM
                )
                copy.write_row(
                    (
                        account_ids[person.account_external_id],
                        person.name,
                        person.email,
                        "",
                        persona,
                        influence,
                        "",
                        "",
                        person.language,
                        False,
                        now,
                        now,
                    )
                )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
            [Account._meta.db_table, accounts],
        )
        cursor.execute("ANALYZE")
    # The defaults: 90 days between two surveys, no quota.
    LoopSettings.objects.update_or_create(
        pk=1, defaults={"survey_throttle_days": 90, "account_survey_quota": None}
    )
    cache.delete(LoopSettings.CACHE_KEY)
    _progress(f"sending: {accounts} accounts, {contacts} contacts written with COPY")
    return {
        "accounts": accounts,
        "contacts": contacts,
        "languages": dict(Counter(person.language for person in people).most_common()),
    }


# --- the worker -----------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the worker, before it runs: the kernel kills it if this process dies first."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Worker:
    log_path: Path

    @contextlib.contextmanager
    def running(self, *, mail_dir: Path, per_minute: int) -> Iterator[subprocess.Popen]:
        """One Celery worker, solo pool, sending to files in `mail_dir`; stopped on the way
        out: a warm shutdown (the task in hand finishes), killed after a minute."""
        env = {
            **os.environ,
            "EMAIL_URL": f"filemail:///{mail_dir}",
            "NPS_SURVEY_EMAILS_PER_MINUTE": str(per_minute),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "nps_loop", "worker",
            "-P", "solo", "-Q", "celery", "--loglevel=INFO",
            "--without-heartbeat", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        with self.log_path.open("a") as log:
            log.write(f"\n--- worker at {per_minute} emails a minute ---\n")
            log.flush()
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=log, preexec_fn=_die_with_parent
            )
            try:
                yield process
            finally:
                stop(process, grace_seconds=60)
                cache.delete(SENDER_LOCK)  # a killed run leaves it for two and a half minutes


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command's closing parenthesis, utime and stime are the 12th and 13th fields.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_kib(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SendingBenchError(f"no VmHWM for process {pid}")


def _alive(worker: subprocess.Popen, log_path: Path) -> None:
    if worker.poll() is not None:
        raise SendingBenchError(f"the worker stopped (exit {worker.returncode}); see {log_path}")


# --- 1. full speed --------------------------------------------------------------------------


def launch(name: str) -> Campaign:
    """A draft campaign to every contact, launched: the worker plans and sends it."""
    campaign = campaigns.create_campaign(
        actor=None, name=name, description="Written by the benchmark."
    )
    return campaigns.launch_campaign(campaign=campaign, actor=None)


def counts(campaign: Campaign) -> Counter:
    """The campaign's invitations by status."""
    rows = (
        Invitation.objects.filter(campaign=campaign)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    return Counter(dict(rows))


def full_speed(worker: Worker, mail_dir: Path, *, contacts: int, timeout: float) -> dict[str, Any]:
    """Launch a campaign to everyone, then one worker sends it as fast as it can."""
    launched = time.time()
    campaign = launch("Benchmark, full speed")
    _progress("sending: campaign launched; one worker, no rate limit")
    with worker.running(mail_dir=mail_dir, per_minute=UNLIMITED_PER_MINUTE) as process:
        deadline, shown = time.monotonic() + timeout, time.monotonic()
        while True:
            _alive(process, worker.log_path)
            campaign.refresh_from_db(fields=["planned_at", "status"])
            by_status = counts(campaign)
            waiting = by_status[InvitationStatus.SCHEDULED] + by_status[InvitationStatus.SENDING]
            if campaign.planned_at and not waiting:
                break
            if time.monotonic() > deadline:
                raise SendingBenchError(
                    f"{by_status[InvitationStatus.SENT]} sent, {waiting} left after {timeout} s"
                )
            if time.monotonic() - shown > 10:
                _progress(f"sending: {by_status[InvitationStatus.SENT]} sent, {waiting} left")
                shown = time.monotonic()
            time.sleep(POLL_SECONDS)
        all_sent = time.time()
        peak_kib = peak_memory_kib(process.pid)
        worker_cpu = cpu_seconds(process.pid)
    sent = by_status[InvitationStatus.SENT]
    if sent != contacts:
        # Nobody in this data set may be left out: every contact must get the email.
        raise SendingBenchError(f"{sent} sent for {contacts} contacts: {dict(by_status)}")
    planned = campaign.planned_at.timestamp()
    last = Invitation.objects.filter(campaign=campaign).aggregate(last=Max("sent_at"))["last"]
    last = last.timestamp()
    campaign.refresh_from_db()
    return {
        "rate_per_minute": UNLIMITED_PER_MINUTE,
        "invitations": sum(by_status.values()),
        "by_status": dict(by_status),
        "campaign_status": campaign.status,
        "campaign_invitations_sent": campaign.invitations_sent,
        "launch_to_planned_s": round(planned - launched, 2),
        "planned_to_last_sent_s": round(last - planned, 2),
        "launch_to_all_sent_s": round(last - launched, 2),
        "observed_all_sent_s": round(all_sent - launched, 2),
        "per_second": round(sent / (last - planned), 1),
        # The machine may be busy with other work: what the worker itself used tells more.
        "worker_cpu_s": round(worker_cpu, 1),
        "per_worker_cpu_second": round(sent / worker_cpu, 1),
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "worker_peak_kib": peak_kib,
        "mail": read_mail(mail_dir, expected=sent),
    }


def read_mail(mail_dir: Path, *, expected: int) -> dict[str, Any]:
    """Count the messages of the mail files, one per invitation, and check one of them."""
    files = sorted(mail_dir.glob("*.log"))
    ids: Counter = Counter()
    messages = 0
    sample: Message | None = None
    for path in files:
        for raw in path.read_bytes().split(MESSAGE_SEPARATOR):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw)
            messages += 1
            ids[message["X-NPS-Loop-Invitation"]] += 1
            if sample is None:
                sample = message
    if sample is None:
        raise SendingBenchError(f"no message in {mail_dir}")
    checks = check_message(sample)
    outcome = {
        "files": len(files),
        "bytes": sum(path.stat().st_size for path in files),
        "messages": messages,
        "distinct_invitations": len(ids),
        "sent_twice": sum(1 for count in ids.values() if count > 1),
        "sample": checks,
    }
    if messages != expected or len(ids) != expected:
        raise SendingBenchError(
            f"{messages} messages for {len(ids)} invitations in the mail files, "
            f"{expected} expected: {outcome}"
        )
    if not all(checks.values()):
        raise SendingBenchError(f"the sample message lacks something: {checks}")
    return outcome


def check_message(message: Message) -> dict[str, bool]:
    parts = {part.get_content_type() for part in message.walk()}
    unsubscribe = "".join((message["List-Unsubscribe"] or "").split())  # folded when long
    return {
        "list_unsubscribe": unsubscribe.startswith("<http") and "/s/" in unsubscribe,
        "one_click_unsubscribe": message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click",
        "multipart_alternative": message.get_content_type() == "multipart/alternative",
        "text_part": "text/plain" in parts,
        "html_part": "text/html" in parts,
    }


# --- 2. pacing ------------------------------------------------------------------------------


def pacing(worker: Worker, mail_dir: Path) -> dict[str, Any]:
    """A second campaign to the same people at the default rate, for one minute."""
    row = LoopSettings.objects.get(pk=1)
    row.survey_throttle_days = 0  # the same people may be asked again at once
    row.save(update_fields=["survey_throttle_days"])
    campaign = launch("Benchmark, default rate")
    _progress(
        f"sending: second campaign launched; one worker at {DEFAULT_PER_MINUTE} a minute, "
        f"for {PACING_SECONDS} s"
    )
    with worker.running(mail_dir=mail_dir, per_minute=DEFAULT_PER_MINUTE) as process:
        deadline = time.monotonic() + 120
        while not campaign.planned_at:
            _alive(process, worker.log_path)
            if time.monotonic() > deadline:
                raise SendingBenchError("the second campaign was not planned within 120 s")
            time.sleep(POLL_SECONDS)
            campaign.refresh_from_db(fields=["planned_at"])
        # The sender starts as soon as the invitations are planned: the minute counts from then.
        window_end = campaign.planned_at + dt.timedelta(seconds=PACING_SECONDS)
        while timezone.now() < window_end + dt.timedelta(seconds=1):
            _alive(process, worker.log_path)
            time.sleep(POLL_SECONDS)
        # As a person would: what has not left yet never will. The sender's next round, after
        # its pause, finds nothing due; the worker then stops.
        cancelled = campaigns.cancel_campaign(campaign=campaign, actor=None)
        stopping = time.monotonic()
    stop_seconds = time.monotonic() - stopping
    sent = Invitation.objects.filter(campaign=campaign, sent_at__isnull=False)
    in_window = sent.filter(sent_at__gte=campaign.planned_at, sent_at__lt=window_end).count()
    per_ten_seconds = Counter(
        int((sent_at - campaign.planned_at).total_seconds() // 10)
        for sent_at in sent.values_list("sent_at", flat=True)
    )
    return {
        "rate_per_minute": DEFAULT_PER_MINUTE,
        "window_s": PACING_SECONDS,
        "sent_in_window": in_window,
        "sent_in_all": sent.count(),
        "per_ten_seconds": [per_ten_seconds[slot] for slot in range(max(per_ten_seconds) + 1)],
        "cancelled": cancelled,
        "worker_stop_s": round(stop_seconds, 1),
    }


# --- 3. in this process ---------------------------------------------------------------------


def in_process(mail_dir: Path) -> dict[str, Any]:
    """`send_due_invitations(limit=1000)` in this process, timed, then under cProfile."""
    campaign = launch("Benchmark, in process")
    campaigns.plan_campaign(campaign_id=campaign.pk)
    # Plain timing first, then the same work under the profiler (which slows it down).
    file_backend = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    with override_settings(**file_backend):
        started, cpu_started = time.perf_counter(), time.process_time()
        timed = send_due_invitations(limit=PROFILE_BATCH)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            profiler.enable()
            profiled = send_due_invitations(limit=PROFILE_BATCH)
            profiler.disable()
    stats = pstats.Stats(profiler)
    top = [
        {
            "function": f"{_short(file)}:{line}({function})",
            "calls": calls,
            "own_s": round(own, 3),
            "with_callees_s": round(cumulative, 3),
        }
        for (file, line, function), (_, calls, own, cumulative, _) in sorted(
            stats.stats.items(), key=lambda item: item[1][2], reverse=True
        )[:PROFILE_TOP]
    ]
    return {
        "batch": PROFILE_BATCH,
        "sent": timed.sent,
        "seconds": round(seconds, 3),
        "per_second": round(timed.sent / seconds, 1),
        "cpu_seconds": round(cpu, 3),
        "per_cpu_second": round(timed.sent / cpu, 1),
        "queries": len(queries),
        "profiled_sent": profiled.sent,
        "profiled_seconds": round(stats.total_tt, 3),
        "phases": {
            label: round(_cumulative(stats, file, function), 3)
            for label, (file, function) in PHASES.items()
        },
        "top_own_time": top,
    }


def _cumulative(stats: pstats.Stats, file: str, function: str) -> float:
    """Seconds spent in `function` of a file whose path ends with `file`, callees included."""
    return sum(
        cumulative
        for (path, _, name), (_, _, _, cumulative, _) in stats.stats.items()
        if name == function and path.endswith(file)
    )


def _short(file: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


if __name__ == "__main__":
    sys.exit(main())
