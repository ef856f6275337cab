"""Importing the CRM's view of customers from CSV: accounts, contacts and interactions.

Each import upserts on the CRM's id, checks every row before writing anything,
and imports nothing from a file with an error unless asked to skip invalid
rows. Importing the same file twice changes nothing the second time. The
columns are documented in docs/imports.md.

A column the file lacks leaves that field alone on existing rows; a column
the file has but leaves empty (or NA) clears the field, except identities
(`external_id`) and opt-outs, which an import never takes back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import (
    Account,
    AccountDomain,
    Contact,
    ErasedAddress,
    Influence,
    Interaction,
    InteractionKind,
    Persona,
    Segment,
)
from accounts.signals import account_arr_changed, contact_account_set, contact_role_changed
from core.periods import FIRST_DAY, FIRST_MOMENT, LAST_DAY, LAST_MOMENT
from imports.csv_import import (
    CellError,
    Column,
    FirstLines,
    ImportResult,
    Outcome,
    Row,
    choice,
    describe_lines,
    open_csv,
    parse_bool,
    parse_currency,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_email,
    parse_language,
    run_import,
    text,
)
from surveys.services.announcements import announce_opted_out_many

ACCOUNT_COLUMNS = (
    Column("external_id", required=True, missing="every account needs its CRM id."),
    Column("name", required=True, missing="every account needs a name."),
    Column("domains"),
    Column("segment"),
    Column("tier"),
    Column("arr"),
    Column("currency"),
    Column("renewal_date"),
    Column("csm_email"),
)
CONTACT_COLUMNS = (
    Column("email", required=True, missing="every contact needs an email address."),
    Column("name"),
    Column("account_external_id"),
    Column("title"),
    Column("persona"),
    Column("influence"),
    Column("phone"),
    Column("external_id"),
    Column("language"),
    Column("opted_out"),
)
INTERACTION_COLUMNS = (
    Column(
        "account_external_id",
        required=True,
        missing="every interaction needs the CRM id of its account.",
    ),
    Column("kind", required=True, missing=f"write one of {', '.join(InteractionKind.values)}."),
    Column("summary", required=True, missing="say in a few words what happened."),
    Column("occurred_at", required=True, missing="write when it happened, e.g. 2025-03-31 14:00."),
    Column("contact_email"),
    Column("source"),
    Column("external_id"),
)
ERASED_ROW = (
    "this person was erased from NPS Loop at their request (GDPR): they may not be stored "
    "again. Remove the row (and erase them in the CRM), or import with invalid rows skipped."
)
DEFAULT_INTERACTION_SOURCE = "csv"
MAX_SUMMARY_LENGTH = 10_000
MAX_ARR = Decimal("1e12")
# Rows per INSERT or UPDATE statement when a chunk is written.
WRITE_BATCH_SIZE = 1000
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def import_accounts(
    *,
    file: IO[bytes] | IO[str],
    dry_run: bool = False,
    skip_invalid: bool = False,
    column_map: Mapping[str, str] | None = None,
) -> ImportResult:
    """Create or update accounts and their email domains from CSV, upserting on external_id."""
    csv_file = open_csv(file, columns=ACCOUNT_COLUMNS, column_map=column_map)
    return run_import(
        csv_file=csv_file, planner=AccountPlanner, dry_run=dry_run, skip_invalid=skip_invalid
    )


def import_contacts(
    *,
    file: IO[bytes] | IO[str],
    dry_run: bool = False,
    skip_invalid: bool = False,
    column_map: Mapping[str, str] | None = None,
) -> ImportResult:
    """Create or update contacts from CSV, upserting on external_id, else on email."""
    csv_file = open_csv(file, columns=CONTACT_COLUMNS, column_map=column_map)
    return run_import(
        csv_file=csv_file, planner=ContactPlanner, dry_run=dry_run, skip_invalid=skip_invalid
    )


def import_interactions(
    *,
    file: IO[bytes] | IO[str],
    dry_run: bool = False,
    skip_invalid: bool = False,
    column_map: Mapping[str, str] | None = None,
) -> ImportResult:
    """Create or update interactions from CSV, upserting on (source, external_id)."""
    csv_file = open_csv(file, columns=INTERACTION_COLUMNS, column_map=column_map)
    return run_import(
        csv_file=csv_file, planner=InteractionPlanner, dry_run=dry_run, skip_invalid=skip_invalid
    )


# --- shared -----------------------------------------------------------------------


@dataclass
class _Plan:
    """What to write for one row: the row to create (`instance` unsaved) or the fields to set."""

    instance: models.Model
    outcome: Outcome
    changes: dict[str, Any] = field(default_factory=dict)


def _changes(instance: models.Model, values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: new for name, new in values.items() if getattr(instance, name) != new}


def _save_plan(plan: _Plan, *, exclude: Iterable[str] = ()) -> None:
    instance = plan.instance
    if plan.outcome is Outcome.CREATED:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
        instance.save()
    elif plan.changes:
        for name, value in plan.changes.items():
            setattr(instance, name, value)
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
        update_fields = list(plan.changes)
        if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)


def _save_plans(model: type[models.Model], plans: list[_Plan], *, exclude: list[str]) -> None:
    """Write a chunk's plans in a few statements: one INSERT for the new rows, one UPDATE per
    set of changed fields. Each row's fields are checked as `full_clean` checks them; what
    `clean()` would look up (an erased address) the planner looked up for the whole chunk."""
    now = timezone.now()
    created = [plan.instance for plan in plans if plan.outcome is Outcome.CREATED]
    by_fields: dict[tuple[str, ...], list[models.Model]] = {}
    for plan in plans:
        if plan.outcome is Outcome.UPDATED and plan.changes:
            for name, value in plan.changes.items():
                setattr(plan.instance, name, value)
            plan.instance.updated_at = now
            by_fields.setdefault(tuple(sorted(plan.changes)), []).append(plan.instance)
    for instance in created:
        instance.clean_fields(exclude=exclude)
    for instances in by_fields.values():
        for instance in instances:
            instance.clean_fields(exclude=exclude)
    model.objects.bulk_create(created, batch_size=WRITE_BATCH_SIZE)
    for fields, instances in by_fields.items():
        model.objects.bulk_update(instances, [*fields, "updated_at"], batch_size=WRITE_BATCH_SIZE)


class _AccountIds:
    """Account ids by CRM id, fetched per chunk and kept for the rest of the file."""

    def __init__(self) -> None:
        self._ids: dict[str, int | None] = {}

    def fetch(self, external_ids: Iterable[str | None]) -> None:
        wanted = {e for e in external_ids if e and e not in self._ids}
        if wanted:
            found = dict(
                Account.objects.filter(external_id__any_of=wanted).values_list("external_id", "pk")
            )
            self._ids.update({external_id: found.get(external_id) for external_id in wanted})

    def get(self, external_id: str) -> int | None:
        return self._ids.get(external_id)


def _unknown_account(row: Row, external_id: str) -> None:
    row.error(
        "account_external_id",
        f"no account has the CRM id '{external_id}': import the accounts first, or fix the id.",
    )


# --- accounts -----------------------------------------------------------------------


def _parse_arr(value: str) -> Decimal:
    arr = parse_decimal(value)
    if arr < 0:
        raise CellError(f"'{value}' is negative: ARR is 0 or more.")
    if arr != arr.quantize(Decimal("0.01")):
        raise CellError(f"'{value}' has more than 2 decimals: round it to the cent.")
    if arr >= MAX_ARR:
        raise CellError(f"'{value}' is too large: ARR must be below 1 000 000 000 000.")
    return arr


def _on_a_reported_day(
    parse: Callable[[str], Any], what: str, *, first: Any, last: Any, or_else: str = ""
) -> Callable[[str], Any]:
    """A cell's parser: `parse`, and the value refused unless on one of the days the
    reports cover (`first` to `last`: `core.periods`' days, or their moments); `or_else`
    ends the advice."""

    def parse_reported(value: str) -> Any:
        parsed = parse(value)
        if not first <= parsed <= last:
            raise CellError(
                f"'{value}' is not {what} the reports can count: give a day from "
                f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}{or_else} (0001-01-01 or "
                "9999-12-31 often stands for no date)."
            )
        return parsed

    return parse_reported


_parse_renewal_date = _on_a_reported_day(
    parse_date,
    "a renewal date",
    first=FIRST_DAY,
    last=LAST_DAY,
    or_else=", or leave the cell empty",
)
_parse_occurred_at = _on_a_reported_day(
    parse_datetime, "a moment", first=FIRST_MOMENT, last=LAST_MOMENT
)


def _parse_domains(value: str) -> set[str]:
    domains = set()
    for part in re.split(r"[;,\s]+", value.lower()):
        domain = part.strip().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not _DOMAIN.fullmatch(domain):
            raise CellError(
                f"'{part}' is not an email domain: write domains such as acme.com, "
                "separated by ';' or spaces."
            )
        domains.add(domain)
    return domains


@dataclass
class _AccountPlan(_Plan):
    domains: set[str] | None = None  # the new set of domains, when it changes


class AccountPlanner:
    def __init__(self) -> None:
        self.warnings: list[str] = []
        self._first_lines = FirstLines()
        self._segment = choice(Segment, "segment")
        self._users_by_email: dict[str, list[int]] = {}
        self._domains: dict[int, set[str]] = {}  # of the chunk's existing accounts

    def plan(self, rows: list[Row]) -> list[_AccountPlan | None]:
        parsed = [self._parse(row) for row in rows]
        existing = {
            account.external_id: account
            for account in Account.objects.filter(
                external_id__any_of=[values["external_id"] for values in parsed if values]
            )
        }
        self._domains = {}
        for account_id, domain in AccountDomain.objects.filter(
            account_id__any_of=[account.pk for account in existing.values()]
        ).values_list("account_id", "domain"):
            self._domains.setdefault(account_id, set()).add(domain)
        self._fetch_users(values.get("csm_email") for values in parsed if values)
        return [
            self._plan_row(row, values, existing) if values else None
            for row, values in zip(rows, parsed, strict=True)
        ]

    def apply(self, plans: list[_AccountPlan]) -> list[Outcome]:
        _save_plans(Account, plans, exclude=["csm"])
        repriced = [
            plan.instance.pk
            for plan in plans
            if plan.outcome is Outcome.UPDATED and "arr" in plan.changes
        ]
        if repriced:
            # Their cases' risk score follows, one UPDATE for the chunk.
            account_arr_changed.send(sender=Account, account_ids=repriced)
        redomained = [plan for plan in plans if plan.domains is not None]
        moved = [plan.instance.pk for plan in redomained if plan.outcome is Outcome.UPDATED]
        if moved:
            # The domains an account no longer has, for all the chunk's accounts at once.
            kept = Q()
            for plan in redomained:
                kept |= Q(account_id=plan.instance.pk, domain__in=plan.domains)
            AccountDomain.objects.filter(account_id__in=moved).exclude(kept).delete()
            Account.objects.filter(
                pk__in=[plan.instance.pk for plan in redomained if not plan.changes]
            ).update(updated_at=timezone.now())
        AccountDomain.objects.bulk_create(
            [
                AccountDomain(account=plan.instance, domain=domain)
                for plan in redomained
                for domain in sorted(plan.domains or ())
            ],
            ignore_conflicts=True,
            batch_size=WRITE_BATCH_SIZE,
        )
        return [plan.outcome for plan in plans]

    def _parse(self, row: Row) -> dict[str, Any] | None:
        values: dict[str, Any] = {
            "external_id": row.value("external_id", text(100)),
            "name": row.value("name", text(200)),
        }
        if row.has("segment"):
            values["segment"] = row.value("segment", self._segment) or ""
        if row.has("tier"):
            values["tier"] = row.value("tier", text(50)) or ""
        if row.has("arr"):
            values["arr"] = row.value("arr", _parse_arr) or Decimal("0")
        if row.has("currency"):
            values["currency"] = (
                row.value("currency", parse_currency) or settings.NPS_DEFAULT_CURRENCY
            )
        if row.has("renewal_date"):
            values["renewal_date"] = row.value("renewal_date", _parse_renewal_date)
        if row.has("csm_email"):
            values["csm_email"] = row.value("csm_email", parse_email)
        if row.has("domains"):
            values["domains"] = row.value("domains", _parse_domains) or set()
        if values["external_id"]:
            first = self._first_lines.repeated(values["external_id"], row.line)
            if first is not None:
                row.error(
                    "external_id",
                    f"'{values['external_id']}' is also on line {first}: keep one row per account.",
                )
        return None if row.errors else values

    def _fetch_users(self, emails: Iterable[str | None]) -> None:
        wanted = {email for email in emails if email and email not in self._users_by_email}
        if not wanted:
            return
        for email in wanted:
            self._users_by_email[email] = []
        users = (
            get_user_model()
            .objects.annotate(email_ci=Lower("email"))
            .filter(email_ci__in=wanted)
            .values_list("email_ci", "pk")
        )
        for email, pk in users:
            self._users_by_email[email].append(pk)

    def _plan_row(
        self, row: Row, values: dict[str, Any], existing: dict[str, Account]
    ) -> _AccountPlan | None:
        domains = values.pop("domains", None)
        if "csm_email" in values:
            email = values.pop("csm_email")
            users = self._users_by_email.get(email, []) if email else [None]
            if not users:
                row.error(
                    "csm_email",
                    f"no user has the email '{email}': create the CSM's user first, "
                    "or leave the cell empty.",
                )
                return None
            if len(users) > 1:
                row.error(
                    "csm_email",
                    f"{len(users)} users have the email '{email}': give each user their own "
                    "email, or leave the cell empty.",
                )
                return None
            values["csm_id"] = users[0]
        account = existing.get(values["external_id"])
        if account is None:
            values.setdefault("currency", settings.NPS_DEFAULT_CURRENCY)
            return _AccountPlan(
                instance=Account(**values), outcome=Outcome.CREATED, domains=domains or None
            )
        changes = _changes(account, values)
        if domains is not None and domains == self._domains.get(account.pk, set()):
            domains = None
        changed = bool(changes) or domains is not None
        return _AccountPlan(
            instance=account,
            outcome=Outcome.UPDATED if changed else Outcome.UNCHANGED,
            changes=changes,
            domains=domains,
        )


# --- contacts -----------------------------------------------------------------------


def _parse_contact_email(value: str) -> str:
    return parse_email(text(254)(value))


class ContactPlanner:
    def __init__(self) -> None:
        self._emails = FirstLines()
        self._external_ids = FirstLines()
        self._accounts = _AccountIds()
        self._persona = choice(Persona, "persona")
        self._influence = choice(Influence, "level of influence")
        self._kept_opt_outs: list[int] = []

    @property
    def warnings(self) -> list[str]:
        if not self._kept_opt_outs:
            return []
        return [
            f"Lines {describe_lines(self._kept_opt_outs)} say opted_out is no for contacts who "
            "opted out of surveys: they stay opted out (an import never opts anyone back in)."
        ]

    def plan(self, rows: list[Row]) -> list[_Plan | None]:
        parsed = [self._parse(row) for row in rows]
        erased = ErasedAddress.objects.among(values["email"] for values in parsed if values)
        for index, (row, values) in enumerate(zip(rows, parsed, strict=True)):
            if values and values["email"] in erased:
                # The address is not repeated in the report: the report is kept.
                row.error("email", ERASED_ROW)
                parsed[index] = None
        self._accounts.fetch(values.get("account_external_id") for values in parsed if values)
        by_external_id, by_email = self._existing([values for values in parsed if values])
        return [
            self._plan_row(row, values, by_external_id, by_email) if values else None
            for row, values in zip(rows, parsed, strict=True)
        ]

    def apply(self, plans: list[_Plan]) -> list[Outcome]:
        _save_plans(Contact, plans, exclude=["account"])
        recast = [
            plan.instance.pk
            for plan in plans
            if plan.outcome is Outcome.UPDATED and {"persona", "influence"} & set(plan.changes)
        ]
        if recast:
            # Their cases' risk score follows, one UPDATE for the chunk.
            contact_role_changed.send(sender=Contact, contact_ids=recast)
        # A contact given an account takes its answers that wait for one (and their cases)
        # along, as when someone matches it by hand.
        moved = [
            plan.instance
            for plan in plans
            if plan.outcome is Outcome.UPDATED
            and "account_id" in plan.changes
            and plan.instance.account_id is not None
        ]
        accounts = Account.objects.in_bulk({contact.account_id for contact in moved})
        for contact in moved:
            contact.account = accounts[contact.account_id]
            contact_account_set.send(
                sender=Contact, contact=contact, account=contact.account, actor=None
            )
        # Contacts the file opts out (new ones among them): outbound webhooks hear of it.
        announce_opted_out_many(
            contacts=[
                plan.instance
                for plan in plans
                if (plan.outcome is Outcome.CREATED and plan.instance.opted_out)
                or "opted_out" in plan.changes
            ]
        )
        return [plan.outcome for plan in plans]

    def _parse(self, row: Row) -> dict[str, Any] | None:
        values: dict[str, Any] = {"email": row.value("email", _parse_contact_email)}
        optional_text = {"name": 200, "title": 200, "phone": 50}
        for column, max_length in optional_text.items():
            if row.has(column):
                values[column] = row.value(column, text(max_length)) or ""
        if row.has("persona"):
            values["persona"] = row.value("persona", self._persona) or Persona.OTHER
        if row.has("influence"):
            values["influence"] = row.value("influence", self._influence) or Influence.MEDIUM
        if row.has("language"):
            values["language"] = row.value("language", parse_language) or ""
        if row.has("account_external_id"):
            values["account_external_id"] = row.value("account_external_id", text(100))
        values["external_id"] = row.value("external_id", text(100))  # empty: keep the stored one
        values["opted_out"] = row.value("opted_out", parse_bool)  # empty: keep the stored one
        self._reject_repeats(row, values)
        return None if row.errors else values

    def _reject_repeats(self, row: Row, values: dict[str, Any]) -> None:
        email, external_id = values["email"], values["external_id"]
        if email and (first := self._emails.repeated(email, row.line)):
            row.error("email", f"'{email}' is also on line {first}: keep one row per contact.")
        if external_id and (first := self._external_ids.repeated(external_id, row.line)):
            row.error(
                "external_id",
                f"'{external_id}' is also on line {first}: keep one row per contact.",
            )

    def _existing(
        self, parsed: list[dict[str, Any]]
    ) -> tuple[dict[str, Contact], dict[str, Contact]]:
        emails = {values["email"] for values in parsed}
        external_ids = {values["external_id"] for values in parsed if values["external_id"]}
        # Two queries, one index each: an OR of the two would read the whole table.
        contacts = list(
            Contact.objects.alias(email_ci=Lower("email")).filter(email_ci__any_of=emails)
        )
        known = {contact.pk for contact in contacts}
        contacts += [
            contact
            # Excluding '' lets PostgreSQL use the partial unique index of CRM ids.
            for contact in Contact.objects.filter(external_id__any_of=external_ids).exclude(
                external_id=""
            )
            if contact.pk not in known
        ]
        by_external_id, by_email = {}, {}
        for contact in contacts:
            by_email[contact.email.lower()] = contact
            if contact.external_id:
                by_external_id[contact.external_id] = contact
        return by_external_id, by_email

    def _plan_row(
        self,
        row: Row,
        values: dict[str, Any],
        by_external_id: dict[str, Contact],
        by_email: dict[str, Contact],
    ) -> _Plan | None:
        email, external_id = values["email"], values.pop("external_id")
        opted_out = values.pop("opted_out")
        if "account_external_id" in values:
            account_external_id = values.pop("account_external_id")
            values["account_id"] = account_external_id and self._accounts.get(account_external_id)
            if account_external_id and values["account_id"] is None:
                _unknown_account(row, account_external_id)
                return None

        contact = by_external_id.get(external_id) if external_id else None
        holder = by_email.get(email)
        if contact is not None and holder is not None and holder.pk != contact.pk:
            row.error(
                "email",
                f"'{email}' belongs to another contact than CRM id '{external_id}' "
                f"(which has {contact.email}): fix the email or the external_id.",
            )
            return None
        if contact is None and holder is not None:
            if external_id and holder.external_id and holder.external_id != external_id:
                row.error(
                    "external_id",
                    f"'{email}' is the contact with CRM id '{holder.external_id}', not "
                    f"'{external_id}': fix the email or the external_id.",
                )
                return None
            contact = holder
        if external_id:
            values["external_id"] = external_id

        if contact is None:
            contact = Contact(**values)
            if opted_out:
                contact.opted_out, contact.opted_out_at = True, timezone.now()
            return _Plan(instance=contact, outcome=Outcome.CREATED)

        changes = _changes(contact, values)
        if opted_out and not contact.opted_out:
            changes.update(opted_out=True, opted_out_at=timezone.now())
        elif opted_out is False and contact.opted_out:
            self._kept_opt_outs.append(row.line)
        return _Plan(
            instance=contact,
            outcome=Outcome.UPDATED if changes else Outcome.UNCHANGED,
            changes=changes,
        )


# --- interactions -------------------------------------------------------------------


class InteractionPlanner:
    def __init__(self) -> None:
        self.warnings: list[str] = []
        self._keys = FirstLines()
        self._accounts = _AccountIds()
        self._kind = choice(InteractionKind, "kind of interaction")

    def plan(self, rows: list[Row]) -> list[_Plan | None]:
        parsed = [self._parse(row) for row in rows]
        self._accounts.fetch(values["account_external_id"] for values in parsed if values)
        contacts = self._contacts(values["contact_email"] for values in parsed if values)
        for row, values in zip(rows, parsed, strict=True):
            if values:
                self._resolve(row, values, contacts)
        valid = [values for row, values in zip(rows, parsed, strict=True) if not row.errors]
        by_external_id, by_content = self._existing(valid)
        return [
            None if row.errors else self._plan_row(values, by_external_id, by_content)
            for row, values in zip(rows, parsed, strict=True)
        ]

    def apply(self, plans: list[_Plan]) -> list[Outcome]:
        for plan in plans:
            _save_plan(plan, exclude=["account", "contact"])
        return [plan.outcome for plan in plans]

    def _parse(self, row: Row) -> dict[str, Any] | None:
        values = {
            "account_external_id": row.value("account_external_id", text(100)),
            "kind": row.value("kind", self._kind),
            "summary": row.value("summary", text(MAX_SUMMARY_LENGTH)),
            "occurred_at": row.value("occurred_at", _parse_occurred_at),
            "contact_email": row.value("contact_email", parse_email),
            "source": (row.value("source", text(50)) or DEFAULT_INTERACTION_SOURCE).lower(),
            "external_id": row.value("external_id", text(100)) or "",
        }
        if row.errors:
            return None
        external_id = values["external_id"]
        if external_id:
            first = self._keys.repeated((values["source"], external_id), row.line)
            if first is not None:
                row.error(
                    "external_id",
                    f"'{external_id}' is also on line {first}: keep one row per interaction.",
                )
        else:
            content = tuple(
                values[name]
                for name in ("source", "account_external_id", "kind", "occurred_at", "summary")
            )
            first = self._keys.repeated(content, row.line)
            if first is not None:
                row.error(
                    "row",
                    f"the same interaction is on line {first}: remove one of the rows, "
                    "or give each an external_id.",
                )
        return None if row.errors else values

    def _contacts(self, emails: Iterable[str | None]) -> dict[str, tuple[int, int | None]]:
        wanted = {email for email in emails if email}
        if not wanted:
            return {}
        contacts = (
            Contact.objects.annotate(email_ci=Lower("email"))
            .filter(email_ci__in=wanted)
            .values_list("email_ci", "pk", "account_id")
        )
        return {email: (pk, account_id) for email, pk, account_id in contacts}

    def _resolve(
        self, row: Row, values: dict[str, Any], contacts: dict[str, tuple[int, int | None]]
    ) -> None:
        account_external_id = values.pop("account_external_id")
        values["account_id"] = self._accounts.get(account_external_id)
        if values["account_id"] is None:
            _unknown_account(row, account_external_id)
            return
        email = values.pop("contact_email")
        values["contact_id"] = None
        if email:
            if email not in contacts:
                row.error(
                    "contact_email",
                    f"no contact has the email '{email}': import the contacts first, "
                    "or leave the cell empty.",
                )
                return
            contact_id, contact_account_id = contacts[email]
            if contact_account_id not in (None, values["account_id"]):
                row.error(
                    "contact_email",
                    f"'{email}' is a contact of another account than '{account_external_id}': "
                    "fix the email or the account_external_id.",
                )
                return
            values["contact_id"] = contact_id

    def _existing(
        self, parsed: list[dict[str, Any]]
    ) -> tuple[dict[tuple, Interaction], dict[tuple, Interaction]]:
        keyed = [values for values in parsed if values["external_id"]]
        unkeyed = [values for values in parsed if not values["external_id"]]
        by_external_id, by_content = {}, {}
        if keyed:
            query = Q()
            for values in keyed:
                query |= Q(source=values["source"], external_id=values["external_id"])
            for interaction in Interaction.objects.filter(query):
                by_external_id[(interaction.source, interaction.external_id)] = interaction
        if unkeyed:
            for interaction in Interaction.objects.filter(
                external_id="",
                account_id__in={values["account_id"] for values in unkeyed},
                occurred_at__in={values["occurred_at"] for values in unkeyed},
            ):
                by_content[_content_key(vars(interaction))] = interaction
        return by_external_id, by_content

    def _plan_row(
        self,
        values: dict[str, Any],
        by_external_id: dict[tuple, Interaction],
        by_content: dict[tuple, Interaction],
    ) -> _Plan:
        if values["external_id"]:
            existing = by_external_id.get((values["source"], values["external_id"]))
        else:
            # Without an id, the same account, kind, moment and summary is the same interaction.
            existing = by_content.get(_content_key(values))
        if existing is None:
            return _Plan(instance=Interaction(**values), outcome=Outcome.CREATED)
        changes = _changes(existing, values)
        return _Plan(
            instance=existing,
            outcome=Outcome.UPDATED if changes else Outcome.UNCHANGED,
            changes=changes,
        )


def _content_key(values: Mapping[str, Any]) -> tuple:
    """What identifies an interaction that has no external id (from values or a row's fields)."""
    return tuple(
        values[name] for name in ("source", "account_id", "kind", "occurred_at", "summary")
    )
