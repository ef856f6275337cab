"""How fast the workspace pages answer, and in how many queries, on small and large data.

`python -m bench.run --parts pages` starts this module once per data set, in the
benchmark's database and with the app's production settings (bench.settings,
DEBUG off); `--parts dashboard` starts it on the very large set:

    python -m bench.pages demo
    python -m bench.pages large --accounts 5000 --answers 100000 --seed 2026
    python -m bench.pages dashboard --accounts 50000 --answers 1000000 --requests 10

All first empty the customer data (accounts, contacts, answers and everything
hanging from them; users and playbooks stay).

- `demo` runs `seed_demo --force`; when no worker turned its answers into cases,
  the playbook engine does it here, answer by answer.
- `large` writes a data set of its own with COPY, in one transaction: accounts,
  most with a CSM (one enterprise account with about 300 answers), four contacts
  per account, a little over a year of answers, ten interactions per account, and
  for every detractor and passive the case the playbook engine opens (steps copied
  from the playbook, 360° snapshot, suppression, escalations, events), then worked
  by its CSM: recent cases open at every stage, older ones closed but for a few.
  Promoters get no case: the promoter playbook is switched off, as teams that
  thank promoters in bulk do.
- `dashboard` writes the same kind of data set, ten times the large one by default,
  for the managers' dashboard alone. Every detractor and passive still has its case
  (the loop figures read them all), but only the cases opened in the last
  DETAILED_DAYS, and those still open, get the rows the dashboard never reads (steps,
  timeline, 360° snapshot, escalations, action plan, suppression): the set then
  loads in minutes and fits in about 2 GB.

Each page is then requested through Django's test client, in this process, as the
CSM with the most open cases and as a manager (the managers' pages as the manager
only): a few requests to warm up, then the timed ones (middleware, view, queries,
templates; no network), then one more to count its queries and keep the slowest.
One JSON object is printed on the last line of stdout; progress goes to stderr.
"""

# ruff: noqa: E402 - Django is set up before the app's modules are imported.

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import django

django.setup()

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.models import Account, Contact, Interaction, InteractionKind, Persona
from bench import generate
from core.business_days import add_business_days, parse_holidays
from core.models import LoopSettings, User
from core.roles import Role, set_role
from playbooks import escalation_rules
from playbooks.forms import DashboardFilterForm
from playbooks.models import (
    AUTOMATIC_STEP_KINDS,
    OPEN_CASE_STATUSES,
    ActionItem,
    AnswerDay,
    AssigneeKind,
    Case,
    CaseEvent,
    CaseOutcome,
    CasePriority,
    CaseSlice,
    CaseStatus,
    CaseStep,
    Escalation,
    Playbook,
    PlaybookStep,
    StepKind,
    StepStatus,
)
from playbooks.selectors import dashboard as figures
from playbooks.selectors.dashboard import Slice
from playbooks.services.answer_days import differences_from_answers
from playbooks.services.case_slices import differences_from_cases
from playbooks.services.engine import FOLLOW_UP_ANSWER_WINDOW, process_response
from playbooks.services.latest_answers import (
    differences_from_answers as latest_answers_differences,
)
from playbooks.services.risk import refresh_risk_base
from surveys.models import Campaign, Category, Response, Suppression, Theme
from surveys.services.themes import themes_in

WARM_UP_REQUESTS = 3
# The dashboard's reference (every figure from the raw rows) is timed this many times a page.
REFERENCE_RUNS = 3
SLOWEST_QUERIES = 5
# The dashboard set: cases opened within this many days keep every row of their work.
DETAILED_DAYS = 180


class PageError(Exception):
    """A page did not answer 200; the message says which."""


def main() -> int:
    args = parse_arguments()
    started = time.perf_counter()
    if args.data_set == "demo":
        outcome = seed_demo_set()
    else:
        detailed_days = DETAILED_DAYS if args.data_set == "dashboard" else None
        outcome = load_large_set(
            accounts=args.accounts,
            answers=args.answers,
            seed=args.seed,
            detailed_days=detailed_days,
        )
    outcome["rows"] = row_counts()
    outcome["database_bytes"] = database_size()
    csm, manager = measured_users()
    if args.data_set == "dashboard":
        targets, warm_up = dashboard_pages(csm), 2
    else:
        targets, warm_up = [*pages_of(csm), *managers_pages(csm)], WARM_UP_REQUESTS
    if args.warm_up is not None:
        warm_up = args.warm_up
    if args.data_set == "dashboard":
        outcome["figures"] = check_dashboard_figures(csm)
    outcome["csm"] = {"username": csm.username, "open_cases": open_cases_of(csm)}
    outcome["manager"] = manager.username
    outcome["warm_up"] = warm_up
    _progress(f"{args.data_set}: measuring {len(targets)} pages, as {csm} and as {manager}")
    measuring = time.perf_counter()
    outcome["pages"] = [
        {"role": role, **target.as_dict(), **measure(user, target.url, args.requests, warm_up)}
        for role, user in (("csm", csm), ("manager", manager))
        for target in targets
        if role in target.roles
    ]
    if args.data_set == "dashboard":
        # Measured after the pages, so that neither warms the cache for the other.
        _progress("dashboard: the reference, every figure recomputed from the raw rows")
        for page, target in zip(outcome["pages"], targets, strict=True):
            page.update(raw_recomputation(target, REFERENCE_RUNS))
    outcome["measure_seconds"] = round(time.perf_counter() - measuring, 1)
    outcome["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps({"data_set": args.data_set, **outcome}))
    return 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_set", choices=["demo", "large", "dashboard"])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (50)")
    parser.add_argument(
        "--warm-up", type=int, help="requests before the timed ones (3; dashboard: 2)"
    )
    parser.add_argument("--accounts", type=int, default=5000, help="large: accounts (5000)")
    parser.add_argument("--answers", type=int, default=100_000, help="large: answers (100000)")
    parser.add_argument("--seed", type=int, default=2026, help="large: of the generated data")
    return parser.parse_args()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the data sets --------------------------------------------------------------------


def empty_customer_data() -> None:
    """Remove every account, contact, answer and what hangs from them (cases...)."""
    tables = [m._meta.db_table for m in (Account, Contact, Campaign, Response, Suppression)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def seed_demo_set() -> dict[str, Any]:
    """The demo data set, with the cases the worker would have opened."""
    started = time.perf_counter()
    empty_customer_data()
    call_command("seed_demo", force=True, stdout=sys.stderr)
    opened_here = 0 if Case.objects.exists() else open_cases_here()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "setup_seconds": round(time.perf_counter() - started, 1),
        "cases_opened_here": opened_here,
    }


def open_cases_here() -> int:
    """What the worker does with each answer, done here; returns how many cases opened."""
    _progress("demo: no case yet, the engine processes the answers here")
    unprocessed = Response.objects.filter(processed_at__isnull=True).order_by("answered_at")
    # As the worker would have when each answer came in: none of them is history.
    return sum(
        process_response(response_id=response_id, arrived_at=answered_at).case_id is not None
        for response_id, answered_at in unprocessed.values_list("pk", "answered_at")
    )


def row_counts() -> dict[str, int]:
    counted = {
        "accounts": Account,
        "contacts": Contact,
        "answers": Response,
        "interactions": Interaction,
        "cases": Case,
        "case_steps": CaseStep,
        "case_events": CaseEvent,
        "escalations": Escalation,
        "action_items": ActionItem,
    }
    counts = {label: model.objects.count() for label, model in counted.items()}
    counts["open_cases"] = Case.objects.filter(status__in=OPEN_CASE_STATUSES).count()
    return counts


def database_size() -> int:
    """Bytes on disk of the benchmark's database, tables and indexes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


# --- the large data set: the plan ----------------------------------------------------------

CSM_COUNT = 12
CONTACTS_PER_ACCOUNT = 4
INTERACTIONS_PER_ACCOUNT = 10
BIG_ACCOUNT_CONTACTS = 60  # each contact answers about five times: about 300 answers
UNMATCHED_CONTACTS = 0.01  # write from a public mail domain: their answers match no account
HISTORY_DAYS = 400
# Share of each score 0..10 by how the account feels; overall about 30 % of the answers
# are detractors or passives.
MOODS = {
    "happy": (75, (0, 0, 0, 1, 1, 1, 2, 6, 10, 34, 45)),
    "mixed": (15, generate.SCORE_WEIGHTS),
    "unhappy": (10, (6, 5, 6, 7, 8, 9, 10, 12, 12, 13, 12)),
}
# The chance that a case opened up to this many days ago is still open: recent ones are
# being worked, older ones closed but for a few forgotten.
OPEN_CHANCE = ((3, 1.0), (14, 0.75), (45, 0.35), (120, 0.1), (10_000, 0.01))
OUTCOMES = {"resolved": 70, "not_resolved": 22, "churned": 8}
PERSONA_TITLES = {
    Persona.CHAMPION: "Operations Manager",
    Persona.EXEC_SPONSOR: "Chief Operating Officer",
    Persona.DECISION_MAKER: "Head of Customer Care",
    Persona.USER: "Analyst",
    Persona.ADMIN: "IT Administrator",
    Persona.OTHER: "",
}
INTERACTION_SUMMARIES = {
    InteractionKind.SALES: ("Renewal quote sent.", "Upsell call: twenty more seats discussed."),
    InteractionKind.SUPPORT_TICKET: (
        "Ticket: the export fails above 10 000 rows.",
        "Ticket: SSO login loops for some users.",
        "Ticket: the invoice shows the wrong VAT number.",
    ),
    InteractionKind.MEETING: ("Weekly sync with the project team.", "Roadmap preview."),
    InteractionKind.EMAIL: ("Sent the release notes and the new report templates.",),
    InteractionKind.QBR: ("Quarterly business review: adoption up, two issues open.",),
    InteractionKind.OTHER: ("Met the team at our user conference.",),
}
ACTION_TEXTS = (
    ("customer", "Walk the team through the new export, with their own data"),
    ("customer", "Send a written summary of the fix and its release date"),
    ("internal", "Ask billing to issue the credit note"),
    ("internal", "Raise the SSO request with product, with this account's ARR"),
)


@dataclass(eq=False)
class _Account:
    id: int
    customer: generate.Customer
    csm: User | None
    renewal_date: dt.date | None
    score_weights: Sequence[int]
    contacts: list[_Contact] = field(default_factory=list)
    answers: list[_Answer] = field(default_factory=list)  # by answered_at, once planned
    interactions: list[_Interaction] = field(default_factory=list)  # by occurred_at
    cases: list[_Case] = field(default_factory=list)  # by opened_at

    @property
    def arr(self) -> Decimal:
        return Decimal(f"{self.customer.arr:.2f}")


@dataclass(eq=False)
class _Contact:
    id: int
    account: _Account | None
    name: str
    email: str
    persona: str
    language: str
    opted_out: bool


@dataclass(eq=False)
class _Answer:
    id: int
    contact: _Contact
    score: int
    comment: str
    answered_at: dt.datetime
    campaign: str

    @property
    def category(self) -> str:
        return generate.category_of(self.score)


@dataclass(eq=False)
class _Interaction:
    id: int
    contact: _Contact | None
    kind: str
    summary: str
    occurred_at: dt.datetime


@dataclass(eq=False)
class _Case:
    """A case and where its CSM took it: the moments are None for what did not happen."""

    id: int
    answer: _Answer
    playbook: Playbook
    owner: User | None
    opened_at: dt.datetime
    first_contact_at: dt.datetime | None = None
    reached_at: dt.datetime | None = None
    plan_started_at: dt.datetime | None = None
    plan_completed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    outcome: str = ""

    @property
    def status(self) -> str:
        if self.closed_at:
            return CaseStatus.CLOSED
        if self.plan_completed_at:
            return CaseStatus.MONITORING
        if self.plan_started_at:
            return CaseStatus.PLAN_IN_PROGRESS
        return CaseStatus.IN_PROGRESS if self.first_contact_at else CaseStatus.NEW

    def open_at(self, moment: dt.datetime) -> bool:
        return self.opened_at < moment and (self.closed_at is None or self.closed_at > moment)


# Columns written by COPY, per table; the values of each row follow this order.
COLUMNS = {
    "surveys_campaign": "id name description invitations_sent started_at created_at",
    "accounts_account": "id name external_id segment tier arr currency renewal_date csm_id "
    "created_at updated_at",
    "accounts_accountdomain": "id account_id domain",
    "accounts_contact": "id account_id name email title persona influence phone external_id "
    "language opted_out opted_out_at created_at updated_at",
    "accounts_interaction": "id account_id contact_id kind summary occurred_at source "
    "external_id created_at",
    "surveys_response": "id contact_id account_id campaign_id score comment answered_at source "
    "external_id language payload processed_at created_at updated_at",
    "surveys_response_themes": "response_id theme_id",
    "surveys_suppression": "id contact_id account_id reason note starts_at ends_at lifted_at "
    "created_at",
    "playbooks_case": "id response_id account_id contact_id playbook_id owner_id category status "
    "priority opened_at first_contact_at sla_due_at closed_at outcome post_mortem arr_at_risk "
    "currency suppression_id plan_completed_at reopened_count created_at updated_at",
    "playbooks_casestep": "id case_id position kind title instructions required options "
    "assignee_kind assignee_id due_at status done_by_id done_at result",
    "playbooks_escalation": "id case_id level rule reason raised_at notified_at acknowledged_by_id "
    "acknowledged_at resolved_by_id resolved_at resolution",
    "playbooks_actionitem": "id case_id audience text owner_id due_date status created_by_id "
    "created_at done_at",
    "playbooks_caseevent": "case_id actor_id kind message details created_at",
}


class LargeSet:
    """Plans the large data set from a seed, then writes it table by table with COPY."""

    def __init__(
        self, *, accounts: int, answers: int, seed: int, detailed_days: int | None = None
    ) -> None:
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.account_count, self.answer_count = accounts, answers
        # Older closed cases get their case row only; None: every case gets all its rows.
        self.detailed_days = detailed_days
        loop = LoopSettings.current()
        self.working_days, self.holidays = loop.working_days, parse_holidays(loop.holidays)
        self.csms, self.manager = _bench_staff()
        Playbook.objects.filter(for_promoters=True).update(active=False)
        playbooks = Playbook.objects.filter(active=True).prefetch_related("steps")
        self.playbooks = {
            category: next(p for p in playbooks if category in p.categories)
            for category in (Category.DETRACTOR, Category.PASSIVE)
        }
        self.with_plan = {
            p.pk: any(step.kind == StepKind.ACTION_PLAN for step in p.steps.all())
            for p in self.playbooks.values()
        }
        self.themes = list(Theme.objects.filter(active=True))
        self._theme_cache: dict[str, list[Theme]] = {}
        self.campaigns = {name: n for n, name in enumerate(generate.CAMPAIGNS, start=1)}
        self.accounts: list[_Account] = []
        self.contacts: list[_Contact] = []
        self.answers: list[_Answer] = []  # by answered_at, as they came in
        self.unmatched_answers: list[_Answer] = []
        self.rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.ids = {table: itertools.count(1) for table in COLUMNS}

    def next_id(self, table: str) -> int:
        return next(self.ids[table])

    # Planning: who the customers are, who answers what and when, where each case stands.

    def plan(self) -> list[_Case]:
        self.plan_accounts()
        self.plan_contacts()
        self.plan_answers()
        self.plan_interactions()
        return self.plan_cases()

    def plan_accounts(self) -> None:
        rng = self.rng
        weights = [2, *[1] * (len(self.csms) - 1)]  # the first CSM has a bigger book
        accounts = self.accounts
        for customer in generate.make_customers(rng, self.account_count):
            mood = rng.choices(list(MOODS), weights=[share for share, _ in MOODS.values()])[0]
            renews = rng.random() < 0.9
            accounts.append(
                _Account(
                    id=self.next_id("accounts_account"),
                    customer=customer,
                    csm=rng.choices(self.csms, weights=weights)[0] if rng.random() < 0.95 else None,
                    renewal_date=(
                        (self.now + dt.timedelta(days=rng.randint(-30, 365))).date()
                        if renews
                        else None
                    ),
                    score_weights=MOODS[mood][1],
                )
            )
        # The big account: an enterprise customer of the first CSM, with many voices.
        self.big = next(a for a in accounts if a.customer.segment == "enterprise")
        self.big.csm = self.csms[0]

    def plan_contacts(self) -> None:
        rng, accounts, big = self.rng, self.accounts, self.big
        total = self.account_count * CONTACTS_PER_ACCOUNT
        sizes = Counter({account.id: 1 for account in accounts})
        sizes[big.id] = BIG_ACCOUNT_CONTACTS
        others = [a for a in accounts if a is not big]
        weights = [{"smb": 1, "mid_market": 3, "enterprise": 8}[a.customer.segment] for a in others]
        spread = max(0, total - sum(sizes.values()) - int(total * UNMATCHED_CONTACTS))
        sizes.update(a.id for a in rng.choices(others, weights=weights, k=spread))
        contacts, emails = self.contacts, set()
        for account in [*accounts, None]:
            size = sizes[account.id] if account else int(total * UNMATCHED_CONTACTS)
            for number in range(size):
                first, last = generate.person_name(rng)
                if account is None:
                    domain = rng.choice(generate.PUBLIC_MAIL_DOMAINS)
                    persona = Persona.OTHER
                else:
                    domain = account.customer.domain
                    persona = self._persona(account, number)
                email = f"{generate.mail_local_part(first, last)}@{domain}"
                if email in emails:
                    email = email.replace("@", f".{len(emails)}@")
                emails.add(email)
                contact = _Contact(
                    id=self.next_id("accounts_contact"),
                    account=account,
                    name=f"{first} {last}",
                    email=email,
                    persona=persona,
                    language=rng.choices(("en", "fr", "de"), weights=(70, 20, 10))[0],
                    opted_out=rng.random() < 0.01,
                )
                contacts.append(contact)
                if account:
                    account.contacts.append(contact)

    def _persona(self, account: _Account, number: int) -> str:
        if number == 0:
            return Persona.CHAMPION
        if number == 1 and account.customer.segment != "smb":
            return Persona.EXEC_SPONSOR
        return self.rng.choices(
            [Persona.DECISION_MAKER, Persona.USER, Persona.ADMIN, Persona.OTHER],
            weights=(15, 60, 15, 10),
        )[0]

    def plan_answers(self) -> None:
        rng = self.rng
        mixed = MOODS["mixed"][1]
        for _ in range(self.answer_count):
            contact = rng.choice(self.contacts)
            account = contact.account
            score = rng.choices(range(11), weights=account.score_weights if account else mixed)[0]
            category = generate.category_of(score)
            # Detractors explain themselves more often than promoters.
            with_comment = rng.random() < {"detractor": 0.75, "passive": 0.5}.get(category, 0.45)
            answer = _Answer(
                id=0,
                contact=contact,
                score=score,
                comment=(
                    generate.comment_for(rng, contact.language, category) if with_comment else ""
                ),
                answered_at=self.now - dt.timedelta(seconds=rng.randint(60, HISTORY_DAYS * 86400)),
                campaign=rng.choice(generate.CAMPAIGNS) if rng.random() < 0.9 else "",
            )
            self.answers.append(answer)
        # Ids and rows follow the order the answers came in, as in a table that grew with
        # them: a period's answers sit on neighbouring pages, an account's are spread out.
        self.answers.sort(key=lambda a: a.answered_at)
        for answer in self.answers:
            answer.id = self.next_id("surveys_response")
            account = answer.contact.account
            (account.answers if account else self.unmatched_answers).append(answer)

    def plan_interactions(self) -> None:
        rng, accounts = self.rng, self.accounts
        kinds = list(INTERACTION_SUMMARIES)
        weights = [len(a.contacts) for a in accounts]
        total = self.account_count * INTERACTIONS_PER_ACCOUNT
        for account in rng.choices(accounts, weights=weights, k=total):
            kind = rng.choices(kinds, weights=(10, 35, 25, 20, 5, 5))[0]
            account.interactions.append(
                _Interaction(
                    id=self.next_id("accounts_interaction"),
                    contact=rng.choice(account.contacts) if rng.random() < 0.8 else None,
                    kind=kind,
                    summary=rng.choice(INTERACTION_SUMMARIES[kind]),
                    occurred_at=self.now
                    - dt.timedelta(seconds=rng.randint(60, HISTORY_DAYS * 86400)),
                )
            )

    def plan_cases(self) -> list[_Case]:
        cases = []
        for account in [*self.accounts, None]:
            answers = account.answers if account else self.unmatched_answers
            answers.sort(key=lambda a: a.answered_at)
            if account:
                account.interactions.sort(key=lambda i: i.occurred_at)
            for answer in answers:
                playbook = self.playbooks.get(answer.category)
                if playbook is None:
                    continue
                case = self._lifecycle(
                    _Case(
                        id=self.next_id("playbooks_case"),
                        answer=answer,
                        playbook=playbook,
                        owner=account.csm if account else None,
                        opened_at=answer.answered_at
                        + dt.timedelta(seconds=self.rng.randint(2, 40)),
                    )
                )
                cases.append(case)
                if account:
                    account.cases.append(case)
        # As for the answers: case ids, and rows, in the order the cases opened.
        cases.sort(key=lambda c: c.opened_at)
        for number, case in enumerate(cases, start=1):
            case.id = number
        return cases

    def _lifecycle(self, case: _Case) -> _Case:
        """Where the CSM took the case since it opened: older cases are mostly closed."""
        rng = self.rng
        age = self.now - case.opened_at
        chance = next(share for days, share in OPEN_CHANCE if age.days < days)
        with_plan = self.with_plan[case.playbook.pk]
        # Nothing happens in the last minutes: each moment is capped there, in order.
        latest = self.now - dt.timedelta(minutes=10)

        def later(moment: dt.datetime, high_hours: float) -> dt.datetime:
            return min(moment + dt.timedelta(hours=rng.uniform(0.5, high_hours)), latest)

        if rng.random() >= chance:
            case.first_contact_at = later(case.opened_at, 72)
            case.reached_at = case.first_contact_at
            if rng.random() < 0.25:  # voicemail first
                case.reached_at = later(case.first_contact_at, 24)
            if with_plan:
                case.plan_started_at = later(case.reached_at, 48)
                case.plan_completed_at = later(case.plan_started_at, 240)
            case.closed_at = later(case.plan_completed_at or case.reached_at, 120)
            case.outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
            return case
        stage = rng.choices(("new", "called", "plan", "monitoring"), weights=(25, 35, 25, 15))[0]
        if age < dt.timedelta(hours=6) or stage == "new":
            return case
        case.first_contact_at = later(case.opened_at, min(72, age / _HOUR / 2))
        if rng.random() < 0.8:
            case.reached_at = case.first_contact_at
        if not with_plan or stage == "called" or case.reached_at is None:
            return case
        case.plan_started_at = later(case.reached_at, 48)
        if stage == "monitoring":
            case.plan_completed_at = later(case.plan_started_at, 240)
        return case

    # Rows: what the engine and then the CSM leave in each table.

    def build_rows(self, cases: list[_Case]) -> None:
        for name, number in self.campaigns.items():
            started = self.now - dt.timedelta(days=90 * number)
            self.rows["surveys_campaign"].append((number, name, "", None, started, started))
        for account in self.accounts:
            self.account_rows(account)
        for contact in self.contacts:
            self.contact_rows(contact)
        for answer in self.answers:
            self.answer_rows(answer)
        for case in cases:
            if self.detailed(case):
                self.case_rows(case)
            else:
                self.case_row(case, updated_at=case.closed_at)

    def detailed(self, case: _Case) -> bool:
        """Whether the case gets every row of its work, or only its own row."""
        if self.detailed_days is None or case.closed_at is None:
            return True
        return self.now - case.opened_at < dt.timedelta(days=self.detailed_days)

    def account_rows(self, account: _Account) -> None:
        c, now = account.customer, self.now
        self.rows["accounts_account"].append(
            (account.id, c.name, c.external_id, c.segment, c.tier, account.arr, "EUR",
             account.renewal_date, account.csm.pk if account.csm else None, now, now)
        )  # fmt: skip
        self.rows["accounts_accountdomain"].append(
            (self.next_id("accounts_accountdomain"), account.id, c.domain)
        )
        for i in account.interactions:
            self.rows["accounts_interaction"].append(
                (i.id, account.id, i.contact.id if i.contact else None, i.kind, i.summary,
                 i.occurred_at, "crm", f"crm-{i.id:07d}", i.occurred_at)
            )  # fmt: skip

    def contact_rows(self, contact: _Contact) -> None:
        now = self.now
        self.rows["accounts_contact"].append(
            (contact.id, contact.account.id if contact.account else None, contact.name,
             contact.email, PERSONA_TITLES[contact.persona], contact.persona,
             _influence(contact.persona), "", "", contact.language, contact.opted_out,
             now if contact.opted_out else None, now, now)
        )  # fmt: skip

    def answer_rows(self, answer: _Answer) -> None:
        contact, account = answer.contact, answer.contact.account
        cells = {
            "external_id": f"large-{answer.id:07d}",
            "email": contact.email,
            "score": str(answer.score),
            "comment": answer.comment,
            "answered_at": answer.answered_at.isoformat(timespec="seconds"),
            "account_external_id": account.customer.external_id if account else "",
            "contact_name": contact.name,
            "language": contact.language,
            "campaign": answer.campaign,
        }
        received = answer.answered_at + dt.timedelta(seconds=1)
        self.rows["surveys_response"].append(
            (answer.id, contact.id, account.id if account else None,
             self.campaigns.get(answer.campaign), answer.score, answer.comment,
             answer.answered_at, "csv", cells["external_id"], contact.language, json.dumps(cells),
             received + dt.timedelta(seconds=1), received, received)
        )  # fmt: skip
        for theme in self._themes_of(answer.comment):
            self.rows["surveys_response_themes"].append((answer.id, theme.pk))

    def _themes_of(self, comment: str) -> list[Theme]:
        if comment not in self._theme_cache:
            self._theme_cache[comment] = themes_in(comment, self.themes)
        return self._theme_cache[comment]

    def case_rows(self, case: _Case) -> None:
        """The rows of one case: what `open_case` writes, then what the CSM's work adds."""
        answer, owner, playbook = case.answer, case.owner, case.playbook
        events = _Timeline(case, self.rows["playbooks_caseevent"])
        owner_name = owner.name if owner else "the managers"
        events.add(
            case.opened_at,
            "opened",
            f"Case opened by playbook '{playbook.name}' for a score of {answer.score} "
            f"({answer.category}); owner: {owner_name}.",
            playbook=playbook.pk,
            owner=owner.pk if owner else None,
        )
        suppression_id, escalations = None, []
        steps = []
        for position, definition in enumerate(playbook.steps.all(), start=1):
            step_id = self.next_id("playbooks_casestep")
            result: dict[str, Any] = {}
            if definition.kind == StepKind.LOOKUP_360:
                result = self.snapshot(case, events)
            elif definition.kind == StepKind.SUPPRESS_SURVEYS:
                suppression_id = self.suppression_rows(case)
                result = {"suppression": suppression_id, "scope": "contact"}
                events.add(
                    case.opened_at,
                    "suppression_started",
                    "No survey goes to the contact while the case is open.",
                    suppression=suppression_id,
                )
            elif definition.kind == StepKind.ESCALATION:
                escalations = self.escalation_rows(case, definition.options, events)
                result = {
                    "raised": [e[0] for e in escalations],
                    "rules": [e[1] for e in escalations],
                }
            elif definition.kind in AUTOMATIC_STEP_KINDS:
                result = {"to": definition.options.get("to", "owner"),
                          "queued_at": case.opened_at.isoformat()}  # fmt: skip
            steps.append((step_id, position, definition, result))
        priority = None
        if escalations:
            priority = (
                CasePriority.URGENT if max(e[2] for e in escalations) >= 3 else CasePriority.HIGH
            )
        for step_id, position, definition, result in steps:
            self.step_row(case, step_id, position, definition, result, events)
        self.work_rows(case, events)
        self.case_row(
            case, updated_at=events.last, priority=priority, suppression_id=suppression_id
        )

    def case_row(
        self,
        case: _Case,
        *,
        updated_at: dt.datetime,
        priority: int | None = None,
        suppression_id: int | None = None,
    ) -> None:
        """The case itself, as it stands now; the priority is the category's unless given."""
        answer, contact, owner = case.answer, case.answer.contact, case.owner
        account, playbook = contact.account, case.playbook
        detractor = answer.category == Category.DETRACTOR
        if priority is None:
            priority = CasePriority.NORMAL if detractor else CasePriority.LOW
        self.rows["playbooks_case"].append(
            (case.id, answer.id, account.id if account else None, contact.id, playbook.pk,
             owner.pk if owner else None, answer.category, case.status, priority, case.opened_at,
             case.first_contact_at, self._due(case.opened_at, playbook.sla_business_days),
             case.closed_at, case.outcome,
             "What they told us, what we did, what should change." if case.closed_at else "",
             account.arr if (account and detractor) else 0,
             "EUR" if account else "", suppression_id, case.plan_completed_at, 0,
             case.opened_at, updated_at)
        )  # fmt: skip

    def snapshot(self, case: _Case, events: _Timeline) -> dict[str, Any]:
        """The 360° view `account_360` takes when the case opens."""
        answer, contact = case.answer, case.answer.contact
        account = contact.account
        snapshot: dict[str, Any] = {
            "taken_at": case.opened_at.isoformat(),
            "contact": {
                "id": contact.id, "name": contact.name, "email": contact.email,
                "title": PERSONA_TITLES[contact.persona], "persona": contact.persona,
                "persona_label": str(Persona(contact.persona).label),
                "influence": _influence(contact.persona),
                "is_key_contact": contact.persona in ("champion", "exec_sponsor"),
                "opted_out": contact.opted_out,
            },
            "account": None, "other_answers": [], "confirms_dissatisfaction": False,
            "interactions": [], "other_open_cases": [],
        }  # fmt: skip
        if account is not None:
            c = account.customer
            snapshot["account"] = {
                "id": account.id, "name": c.name, "external_id": c.external_id,
                "arr": str(account.arr), "currency": "EUR", "segment": c.segment, "tier": c.tier,
                "renewal_date": account.renewal_date.isoformat() if account.renewal_date else None,
                "renewal_in_days": (
                    (account.renewal_date - case.opened_at.date()).days
                    if account.renewal_date else None
                ),
                "csm": account.csm.name if account.csm else None,
            }  # fmt: skip
            others = _latest(account.answers, case.opened_at, days=365, key="answered_at", limit=21)
            others = [other for other in others if other is not answer][:20]
            snapshot["other_answers"] = [
                {"id": o.id, "score": o.score, "category": o.category,
                 "answered_at": o.answered_at.isoformat(), "contact": o.contact.name,
                 "persona": o.contact.persona, "same_contact": o.contact is contact,
                 "comment": o.comment[:280]}
                for o in others
            ]  # fmt: skip
            snapshot["confirms_dissatisfaction"] = any(
                o.category == Category.DETRACTOR and o.contact is not contact for o in others
            )
            snapshot["interactions"] = [
                {"id": i.id, "kind": i.kind, "kind_label": str(InteractionKind(i.kind).label),
                 "summary": i.summary, "occurred_at": i.occurred_at.isoformat(),
                 "contact": i.contact.email if i.contact else None}
                for i in _latest(account.interactions, case.opened_at, days=90, key="occurred_at")
            ]  # fmt: skip
            snapshot["other_open_cases"] = [
                {"id": other.id, "status": CaseStatus.NEW, "category": other.answer.category,
                 "score": other.answer.score, "contact": other.answer.contact.name,
                 "opened_at": other.opened_at.isoformat()}
                for other in _open_before(account.cases, case)
            ]  # fmt: skip
        confirm = (
            " It is confirmed by another person's low score."
            if snapshot["confirms_dissatisfaction"]
            else ""
        )
        events.add(
            case.opened_at,
            "lookup_360",
            f"360° view taken: {len(snapshot['other_answers'])} other answer(s) from the "
            f"account in 12 months, {len(snapshot['interactions'])} interaction(s) in 90 days, "
            f"{len(snapshot['other_open_cases'])} other open case(s).{confirm}",
        )
        return snapshot

    def suppression_rows(self, case: _Case) -> int:
        suppression_id = self.next_id("surveys_suppression")
        self.rows["surveys_suppression"].append(
            (suppression_id, case.answer.contact.id, None, "open_case", f"Case #{case.id}",
             case.opened_at, None, case.closed_at, case.opened_at)
        )  # fmt: skip
        return suppression_id

    def escalation_rows(
        self, case: _Case, options: dict[str, Any], events: _Timeline
    ) -> list[tuple[int, str, int]]:
        """The escalations the rules raise for a detractor, then what managers did with them."""
        answer, contact = case.answer, case.answer.contact
        account = contact.account
        if answer.category != Category.DETRACTOR:
            return []
        limits = escalation_rules.thresholds(options)
        since = answer.answered_at - dt.timedelta(days=int(limits["detractor_window_days"]))
        detractors = sum(
            1
            for other in _between(account.answers if account else [answer], since, case.opened_at)
            if other.category == Category.DETRACTOR
        )
        facts = escalation_rules.CaseFacts(
            arr=account.arr if account else Decimal(0),
            currency="EUR" if account else "",
            persona=contact.persona,
            persona_label=str(Persona(contact.persona).label),
            account_detractors_in_window=detractors,
            renewal_date=account.renewal_date if account else None,
            today=case.opened_at.date(),
        )
        raised = []
        for due in escalation_rules.escalations_due(facts, options):
            escalation_id = self.next_id("playbooks_escalation")
            events.add(
                case.opened_at,
                "escalation_raised",
                f"Escalated (level {due.level}): {due.reason}",
                escalation=escalation_id,
                rule=due.rule,
            )
            acknowledged = resolved = None
            seen = case.opened_at + dt.timedelta(hours=self.rng.uniform(1, 48))
            if case.closed_at or (seen < self.now and self.rng.random() < 0.6):
                acknowledged = min(seen, case.closed_at or seen)
                events.add(
                    acknowledged, "escalation_acknowledged",
                    f"Escalation acknowledged: {due.reason}", self.manager,
                    escalation=escalation_id,
                )  # fmt: skip
            if case.closed_at:
                resolved = case.closed_at
                events.add(
                    resolved, "escalation_resolved", "Escalation resolved. Handled with the CSM.",
                    self.manager, escalation=escalation_id,
                )  # fmt: skip
            manager_id = self.manager.pk
            self.rows["playbooks_escalation"].append(
                (escalation_id, case.id, due.level, due.rule, due.reason, case.opened_at,
                 case.opened_at + dt.timedelta(minutes=1), manager_id if acknowledged else None,
                 acknowledged, manager_id if resolved else None, resolved,
                 "Handled with the CSM." if resolved else "")
            )  # fmt: skip
            raised.append((escalation_id, due.rule, due.level))
        return raised

    def step_row(
        self,
        case: _Case,
        step_id: int,
        position: int,
        definition: PlaybookStep,
        result: dict[str, Any],
        events: _Timeline,
    ) -> None:
        """A copied step, done as far as the case went."""
        owner = case.owner
        if definition.assignee_kind == AssigneeKind.USER:
            assignee = definition.assignee_user or owner
        elif definition.assignee_kind == AssigneeKind.MANAGERS:
            assignee = None
        else:
            assignee = owner
        status, done_at, done_by = StepStatus.TODO, None, None
        kind, closed = definition.kind, case.closed_at
        if kind in AUTOMATIC_STEP_KINDS:
            status, done_at = StepStatus.DONE, case.opened_at
        elif kind == StepKind.QUALIFICATION_CALL and case.first_contact_at:
            result = self._calls(case, events)
            if case.reached_at:
                status, done_at, done_by = StepStatus.DONE, case.reached_at, owner
        elif kind == StepKind.ACTION_PLAN and case.plan_completed_at:
            status, done_at, done_by = StepStatus.DONE, case.plan_completed_at, owner
            result = {"items": 2, "done": 2}
        elif kind == StepKind.POST_MORTEM and closed:
            status, done_at, done_by = StepStatus.DONE, closed, owner
        elif definition.required and closed:
            status, done_at, done_by = StepStatus.DONE, closed - dt.timedelta(minutes=30), owner
            events.add(done_at, "step_done", f"Done: {definition.title}.", owner, step=step_id)
        elif closed:
            status, done_at, result = StepStatus.SKIPPED, closed, {"skip_reason": "Case closed."}
        self.rows["playbooks_casestep"].append(
            (step_id, case.id, position, kind, definition.title, definition.instructions,
             definition.required, json.dumps(definition.options), definition.assignee_kind,
             assignee.pk if assignee else None, self._due(case.opened_at, definition.due_in_days),
             status, done_by.pk if done_by else None, done_at, json.dumps(result))
        )  # fmt: skip

    def _calls(self, case: _Case, events: _Timeline) -> dict[str, Any]:
        """The qualification calls logged: a voicemail first sometimes, then the talk."""
        attempts = []
        moments = [case.first_contact_at]
        if case.reached_at and case.reached_at != case.first_contact_at:
            moments.append(case.reached_at)
        for moment in moments:
            reached = moment == case.reached_at
            attempt = {
                "reached": reached,
                "called_at": moment.isoformat(),
                "themes": [theme.name for theme in self._themes_of(case.answer.comment)],
                "notes": "Listened; they want a date for the fix." if reached else "",
                "by": case.owner.pk if case.owner else None,
            }
            attempts.append(attempt)
            outcome = "reached" if reached else "not reached"
            events.add(moment, "call_logged", f"Call logged: {outcome}.", case.owner, **attempt)
            if moment == case.first_contact_at:
                events.status(moment, CaseStatus.NEW, CaseStatus.IN_PROGRESS, case.owner)
        return {"attempts": attempts, "reached": case.reached_at is not None}

    def work_rows(self, case: _Case, events: _Timeline) -> None:
        """The action plan and the closing, as the CSM's actions on the case write them."""
        owner, rng = case.owner, self.rng
        if case.plan_started_at:
            for number, (audience, text) in enumerate(rng.sample(ACTION_TEXTS, 2)):
                item_id = self.next_id("playbooks_actionitem")
                added = case.plan_started_at + dt.timedelta(minutes=number)
                done = case.plan_completed_at
                status = "done" if done else rng.choice(("open", "in_progress"))
                self.rows["playbooks_actionitem"].append(
                    (item_id, case.id, audience, text, owner.pk if owner else None,
                     (added + dt.timedelta(days=rng.randint(7, 30))).date(), status,
                     owner.pk if owner else None, added, done)
                )  # fmt: skip
                events.add(
                    added, "action_added", f"Action added: {text}", owner, action_item=item_id
                )
                if done:
                    events.add(done, "action_status", f"Action '{text}': Open → Done.", owner,
                               action_item=item_id, status="done")  # fmt: skip
            events.status(
                case.plan_started_at, CaseStatus.IN_PROGRESS, CaseStatus.PLAN_IN_PROGRESS, owner
            )
        if case.plan_completed_at:
            events.status(
                case.plan_completed_at, CaseStatus.PLAN_IN_PROGRESS, CaseStatus.MONITORING, owner,
                "Action plan complete: the case is monitored.",
            )  # fmt: skip
        if case.closed_at:
            before = CaseStatus.MONITORING if case.plan_completed_at else CaseStatus.IN_PROGRESS
            outcome = dict(CaseOutcome.choices)[case.outcome]
            events.status(case.closed_at, before, CaseStatus.CLOSED, owner, f"Closed: {outcome}.")
            if case.answer.category == Category.DETRACTOR:
                events.add(
                    case.closed_at, "suppression_lifted", "Surveys may reach the customer again."
                )

    def _due(self, start: dt.datetime, days: int | None) -> dt.datetime | None:
        if days is None:
            return None
        return add_business_days(
            timezone.localtime(start), days, working_days=self.working_days, holidays=self.holidays
        )

    # Writing.

    def copy(self) -> None:
        """COPY every table, in one transaction; then the id sequences follow."""
        with transaction.atomic(), connection.cursor() as cursor:
            for table, columns in COLUMNS.items():
                defaults = _defaults_of_other_columns(table, columns)
                names = ", ".join([*columns.split(), *defaults])
                statement = f"COPY {table} ({names}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for row in self.rows[table]:
                        copy.write_row((*row, *defaults.values()))
                if columns.startswith("id "):  # the others' ids came from their sequence
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                        [table, self.next_id(table)],
                    )


def _defaults_of_other_columns(table: str, columns: str) -> dict[str, Any]:
    """The model's default for each column COPY is not given, that needs a value: a field
    added since this file was written must not break the benchmark."""
    model = next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table)
    given = set(columns.split())
    return {
        field.column: field.get_db_prep_save(field.get_default(), connection)
        for field in model._meta.concrete_fields
        if field.column not in given
        and not field.null
        and not getattr(field, "generated", False)
        # A blank text field without a default gets "" from Django, NULL from COPY.
        and (field.has_default() or (field.blank and field.empty_strings_allowed))
    }


def _influence(persona: str) -> str:
    return "high" if persona in (Persona.CHAMPION, Persona.EXEC_SPONSOR) else "medium"


_HOUR = dt.timedelta(hours=1)


def _latest(rows: list, before: dt.datetime, *, days: int, key: str, limit: int = 20) -> list:
    """The newest `limit` rows of a list sorted by `key` within `days` before `before`."""
    return list(reversed(_between(rows, before - dt.timedelta(days=days), before, key=key)))[:limit]


def _between(rows: list, start: dt.datetime, end: dt.datetime, *, key: str = "answered_at") -> list:
    moments = [getattr(row, key) for row in rows]
    return rows[bisect.bisect_left(moments, start) : bisect.bisect_left(moments, end)]


def _open_before(cases: list[_Case], case: _Case, limit: int = 20) -> list[_Case]:
    """The account's cases still open when `case` opened, newest first."""
    earlier = cases[: cases.index(case)]
    return [other for other in reversed(earlier) if other.open_at(case.opened_at)][:limit]


class _Timeline:
    """The events of one case, as rows; remembers the last moment for `updated_at`."""

    def __init__(self, case: _Case, rows: list[tuple]) -> None:
        self.case, self.rows, self.last = case, rows, case.opened_at

    def add(
        self, moment: dt.datetime, kind: str, message: str, actor: User | None = None, **details
    ) -> None:
        self.rows.append(
            (self.case.id, actor.pk if actor else None, kind, message, json.dumps(details), moment)
        )
        self.last = max(self.last, moment)

    def status(
        self, moment: dt.datetime, was: str, becomes: str, actor: User | None, message: str = ""
    ) -> None:
        labels = dict(CaseStatus.choices)
        message = message or f"Status: {labels[was]} → {labels[becomes]}."
        self.add(moment, "status_changed", message, actor, **{"from": was, "to": becomes})


def _bench_staff() -> tuple[list[User], User]:
    """The CSMs who own the large data set's accounts, and a manager."""
    csms = [_staff_member(f"bench-csm-{n:02d}", Role.CSM) for n in range(1, CSM_COUNT + 1)]
    return csms, _staff_member("bench-manager", Role.MANAGER)


def _staff_member(username: str, role: Role) -> User:
    first, last = generate.person_name(random.Random(username))
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"display_name": f"{first} {last}", "email": f"{username}@nps-loop.test"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    set_role(user, role)
    return user


def load_large_set(
    *, accounts: int, answers: int, seed: int, detailed_days: int | None = None
) -> dict[str, Any]:
    """Plan the large data set, COPY it in, and let PostgreSQL know its statistics."""
    started = time.perf_counter()
    empty_customer_data()
    data = LargeSet(accounts=accounts, answers=answers, seed=seed, detailed_days=detailed_days)
    cases = data.plan()
    data.build_rows(cases)
    generated = time.perf_counter()
    _progress(f"{sum(map(len, data.rows.values()))} rows planned, writing them with COPY")
    data.copy()
    # COPY leaves each case's stored risk points at 0: one set-based UPDATE sets them, as
    # the migration that added the column did for existing cases.
    refresh_risk_base(cases=Case.objects.all())
    link_follow_up_answers()
    copied = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    analysed = time.perf_counter()
    return {
        "generate_seconds": round(generated - started, 1),
        "copy_seconds": round(copied - generated, 1),
        "vacuum_analyze_seconds": round(analysed - copied, 1),
        "setup_seconds": round(analysed - started, 1),
    }


# A closed case asks its person for a follow-up answer; the first answer they give within
# the engine's window after the closing is linked to it, and a passive's or a promoter's
# wins them back, as `playbooks.services.engine` does for an answer that comes in.
_LINK_FOLLOW_UP_ANSWERS = f"""
    UPDATE playbooks_case AS c
    SET follow_up_requested_at = c.closed_at, follow_up_response_id = f.id,
        won_back_at = CASE WHEN f.category <> 'detractor' THEN f.answered_at END
    FROM playbooks_case AS closed
    CROSS JOIN LATERAL (
        SELECT r.id, r.answered_at, r.category FROM surveys_response AS r
        WHERE r.contact_id = closed.contact_id AND r.answered_at > closed.closed_at
          AND r.answered_at <= closed.closed_at + interval '{FOLLOW_UP_ANSWER_WINDOW} days'
        ORDER BY r.answered_at, r.id LIMIT 1
    ) AS f
    WHERE closed.closed_at IS NOT NULL AND c.id = closed.id
"""  # noqa: S608 - constants only


def link_follow_up_answers() -> None:
    """Give the closed cases their follow-up answers, in one statement: the dashboard's
    won-back rates then have cases to read (the triggers update the case copies)."""
    with connection.cursor() as cursor:
        cursor.execute(_LINK_FOLLOW_UP_ANSWERS)


# --- the pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A page to measure, with what makes it heavy, and who opens it."""

    page: str
    url: str
    note: str = ""
    roles: tuple[str, ...] = ("csm", "manager")

    def as_dict(self) -> dict[str, str]:
        return {"page": self.page, "url": self.url, "note": self.note}


def open_cases_of(user: User) -> int:
    return Case.objects.filter(owner=user, status__in=OPEN_CASE_STATUSES).count()


def measured_users() -> tuple[User, User]:
    """The CSM who owns the most open cases, and a manager."""
    busiest = (
        Case.objects.filter(status__in=OPEN_CASE_STATUSES, owner__groups__name=Role.CSM)
        .values("owner")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner")
        .first()
    )
    if busiest is None:
        raise PageError("no CSM owns an open case: nothing to measure")
    manager = User.objects.filter(groups__name=Role.MANAGER).order_by("pk").first()
    if manager is None:
        raise PageError("no manager in the database")
    return User.objects.get(pk=busiest["owner"]), manager


def pages_of(csm: User) -> list[Target]:
    """The pages a CSM opens all day, on their biggest account and on a small one."""
    accounts = list(
        Account.objects.filter(csm=csm)
        .annotate(answers=Count("responses"))
        .filter(answers__gt=0)
        .order_by("-answers", "pk")
    )
    if not accounts:
        raise PageError(f"{csm} owns no account with answers")
    big = accounts[0]
    small = min(accounts, key=lambda account: (abs(account.answers - 3), account.pk))
    cases = Case.objects.filter(account=big).order_by("-opened_at")
    case = cases.filter(status__in=OPEN_CASE_STATUSES).first() or cases.first()
    term = big.name.split()[0]
    targets = [
        Target("queue", "/cases/", "open cases, default filters"),
        Target("queue, search", f"/cases/?q={term}", f"q={term}"),
        Target("case", f"/cases/{case.pk}/", f"an open case of the {big.answers}-answer account"),
        Target("account, big", f"/accounts/{big.pk}/", _answers(big.answers)),
        Target("account, small", f"/accounts/{small.pk}/", _answers(small.answers)),
    ]
    try:
        resolve("/responses/")
    except Resolver404:
        _progress("/responses/ does not resolve: the answers page is not measured")
    else:
        targets.append(Target("answers", "/responses/", "default filters"))
    return targets


def managers_pages(csm: User) -> list[Target]:
    """The managers' pages: the dashboard, then the escalations."""
    return [
        *dashboard_pages(csm),
        Target("escalations", "/escalations/", "waiting for a manager", roles=("manager",)),
    ]


def dashboard_pages(csm: User) -> list[Target]:
    """The dashboard for the last 12 months (its default), for a segment, for one CSM."""
    manager = ("manager",)
    return [
        Target("dashboard", "/dashboard/", "last 12 months, everyone", roles=manager),
        Target(
            "dashboard, segment",
            "/dashboard/?segment=enterprise",
            "last 12 months, enterprise",
            roles=manager,
        ),
        Target(
            "dashboard, CSM",
            f"/dashboard/?csm={csm.pk}",
            f"last 12 months, {csm.username}'s accounts",
            roles=manager,
        ),
    ]


def dashboard_slices(csm: User) -> dict[str, Slice]:
    """The periods and slices whose figures are checked: the measured ones and more."""
    today = timezone.localdate()
    year = DashboardFilterForm().slice(today=today)
    campaign = Campaign.objects.order_by("pk").first()
    return {
        "last 12 months": year,
        "whole history": Slice(start=today - dt.timedelta(days=HISTORY_DAYS + 1), end=today),
        "a month and a half, mid-month to mid-month": Slice(
            start=today - dt.timedelta(days=200), end=today - dt.timedelta(days=155)
        ),
        "one day": Slice(start=today - dt.timedelta(days=30), end=today - dt.timedelta(days=30)),
        "enterprise": replace(year, segment="enterprise"),
        f"{csm.username}'s accounts": replace(year, csm=csm.pk),
        "champions, Growth tier": replace(year, persona=Persona.CHAMPION, tier="Growth"),
        "one campaign, smb": replace(year, campaign=campaign and campaign.pk, segment="smb"),
    }


def dashboard_figures(part: Slice, *, now: dt.datetime) -> dict[str, Any]:
    """Every figure the dashboard shows for `part`, read afresh (a new Slice reads its
    tallies again): the answer and theme figures, the loop figures and won-back rates, ARR
    at risk with every renewal (the CSV's list, of which the page shows the first)."""
    part = replace(part)
    return {
        "nps": figures.nps_of(part),
        "nps by month": figures.nps_by_month(part),
        **{f"nps by {key}": figures.nps_by(part, key) for key in ("segment", "tier", "persona")},
        "scores": figures.score_distribution(part),
        "loop": figures.loop_figures(part, now=now),
        "won back": figures.won_back_rates(part),
        "arr at risk": figures.arr_at_risk(part, today=timezone.localdate(now)),
        "campaigns": [
            (c.campaign.pk, c.answers, c.with_comment) for c in figures.campaign_rates(part)
        ],
        "comments by month": figures.comment_rate_by_month(part),
        "themes": [
            (t.theme.pk, t.detractors, t.passives, t.by_month)
            for t in figures.recurring_themes(part)
        ],
    }


def check_dashboard_figures(csm: User) -> dict[str, Any]:
    """Each slice's figures from what the database keeps (daily counts, case copies) and
    recomputed from the raw answers and cases: any difference stops the benchmark
    (PageError). The counts and copies also equal a recount."""
    _progress("dashboard: checking every figure against the raw answers and cases")
    started = time.perf_counter()
    different_rows = (
        differences_from_answers() + differences_from_cases() + latest_answers_differences()
    )
    if different_rows:
        raise PageError(f"{different_rows} count or case rows differ from the answers and cases")
    slices = dashboard_slices(csm)
    now = timezone.now()
    for name, part in slices.items():
        if not part.counted_by_day:
            raise PageError(f"{name}: the dashboard would not read the daily counts")
        kept = dashboard_figures(part, now=now)
        raw = dashboard_figures(replace(part, from_answers=True), now=now)
        for figure, value in kept.items():
            if value != raw[figure]:
                raise PageError(f"{name}, {figure}: {value!r} from the counts, {raw[figure]!r} raw")
    return {
        "slices": len(slices),
        "figures": len(kept),
        "differences": 0,
        "day_rows": AnswerDay.objects.count(),
        "case_rows": CaseSlice.objects.count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def raw_recomputation(target: Target, runs: int) -> dict[str, Any]:
    """The reference of a dashboard page: the median time to compute every figure it
    shows from the raw answers and cases (no daily counts, no case copies)."""
    query = QueryDict(target.url.partition("?")[2])
    part = DashboardFilterForm(query or None).slice(today=timezone.localdate())
    part = replace(part, from_answers=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        dashboard_figures(part, now=timezone.now())
        times.append((time.perf_counter() - started) * 1000)
    return {"reference_ms": round(statistics.median(times), 1), "reference_runs": runs}


def _answers(count: int) -> str:
    return f"{count} answer" if count == 1 else f"{count} answers"


def measure(user: User, url: str, requests: int, warm_up: int) -> dict[str, Any]:
    """Server time of `requests` GETs of `url` after `warm_up` more, and the queries of one."""
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    client.force_login(user)
    for _ in range(warm_up):
        _get(client, url)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        _get(client, url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        _get(client, url)
    slowest = sorted(queries.captured_queries, key=lambda query: -float(query["time"]))
    percentiles = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "requests": requests,
        "median_ms": round(percentiles[49], 1),
        "p95_ms": round(percentiles[94], 1),
        "queries": len(queries.captured_queries),
        "queries_ms": round(sum(float(query["time"]) for query in slowest) * 1000, 1),
        "slowest_queries": [
            {"ms": round(float(query["time"]) * 1000, 1), "sql": query["sql"]}
            for query in slowest[:SLOWEST_QUERIES]
        ],
    }


def _get(client: Client, url: str) -> None:
    # secure: requests reach the app through the TLS proxy, as in production.
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise PageError(f"GET {url} answered {response.status_code}")


if __name__ == "__main__":
    sys.exit(main())
