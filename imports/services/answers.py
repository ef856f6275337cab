"""Importing NPS answers from CSV at database speed, with source `csv`.

The file is read once, streaming. Each row is checked in Python with `clean_answer`
(the checks `record_response` makes), and the valid ones are copied (COPY) into a
temporary staging table; the rest of the work is set-based SQL, a batch of rows per
transaction: one query finds the stored answers (a repeat is unchanged, a correction
is applied through `record_response`, which re-routes its case), one finds the
contacts by email, one creates the missing contacts (under the account named by
`account_external_id`, else the one account owning the email's domain), one inserts
the new answers, and the engine is told of them in one go once the batch commits.

A file with an error writes nothing unless invalid rows may be skipped: every row is
checked and staged before the first write. Each batch commits on its own, so that
the progress shows and memory stays flat: an import cut short (a crash, a lost
connection) leaves whole batches, never half of one, and importing the same file
again completes it and creates nothing twice. The columns are documented in
docs/imports.md.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import (
    ERASED_EMAIL_DOMAIN,
    Account,
    AccountDomain,
    Contact,
    ErasedAddress,
    Influence,
    Persona,
    address_hash,
)
from imports.csv_import import (
    Column,
    CsvFile,
    CsvImportError,
    ImportResult,
    Row,
    RowError,
    describe_lines,
    open_csv,
    parse_datetime,
    text,
)
from playbooks.models import Playbook
from surveys.answers import AnswerIn, clean_answer
from surveys.history import case_window_days, history_cutoff
from surveys.models import Campaign, Category, Response, Source
from surveys.services.responses import assign_account_to_contact, record_response
from surveys.signals import response_batch_recorded

ERASED_DOMAIN = f"@{ERASED_EMAIL_DOMAIN}"
ERASED_ANSWER_ROW = (
    "this person was erased from NPS Loop at their request (GDPR): their answers are not "
    "stored. Remove the row, or import with invalid rows skipped."
)
RESPONSE_COLUMNS = (
    Column(
        "external_id",
        required=True,
        missing="every answer needs its id in the survey tool (importing it again then "
        "adds nothing).",
    ),
    Column(
        "email", required=True, missing="every answer needs the email of the person who answered."
    ),
    Column("score", required=True, missing="every answer needs a score, a whole number 0 to 10."),
    Column("comment"),
    Column("answered_at"),
    Column("updated_at"),
    Column("account_external_id"),
    Column("contact_name"),
    Column("language"),
    Column("campaign"),
)
# Rows read, checked and staged at a time, and rows written per transaction: large enough
# for set-based work to pay, small enough for memory to stay flat and progress to show.
RESPONSE_CHUNK_SIZE = 10_000
_HASHES_KEPT = 50_000
_CAMPAIGN_NAME = text(200)


def import_responses(
    *,
    file: IO[bytes] | IO[str],
    dry_run: bool = False,
    skip_invalid: bool = False,
    column_map: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Record the NPS answers of a CSV file; importing the same file again creates nothing."""
    csv_file = open_csv(file, columns=RESPONSE_COLUMNS, column_map=column_map)
    return run_response_import(
        csv_file=csv_file, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress
    )


def run_response_import(
    *,
    csv_file: CsvFile,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    chunk_size: int | None = None,
) -> ImportResult:
    """Check and stage every row of an opened answers file, then (unless a dry run, or
    refused for errors) write it a batch per transaction. `progress` is called per chunk
    with the rows handled: up to the rows while checking, then up to twice the rows."""
    result = ImportResult(dry_run=dry_run, warnings=list(csv_file.warnings))
    with _staging_table() as staging:
        batches = staging.load(csv_file, result, chunk_size or RESPONSE_CHUNK_SIZE, progress)
        if result.rows == 0:
            raise CsvImportError(
                "The file has a header line but no rows: there is nothing to import."
            )
        staging.reject_repeated_ids(result)
        result.errors.sort(key=lambda error: error.line)
        staging.classify()
        result.warnings.extend(staging.warnings())
        planned = staging.outcomes()
        window_days = case_window_days()
        result.history, result.opening_cases = staging.history_and_cases(window_days)
        if dry_run:
            result.created = planned.get("created", 0)
            result.updated = planned.get("updated", 0)
            result.unchanged = planned.get("unchanged", 0)
            result.skipped = result.invalid_rows
            return result
        if result.invalid_rows and not skip_invalid:
            return result
        result.skipped = result.invalid_rows
        staging.resolve_campaigns()
        handled = result.rows
        for batch, rows in batches:
            with transaction.atomic():
                staging.write_batch(batch, result, window_days)
            handled += rows
            if progress is not None:
                progress(handled)
    result.written = True
    return result


def check_answer_row(row: Row) -> AnswerIn | None:
    """The row as a clean answer, or None with its errors recorded on the row."""
    if row.errors:  # cells shifted by an unquoted delimiter, or a required cell empty
        return None
    answered_at = row.value("answered_at", parse_datetime)
    updated_at = row.value("updated_at", parse_datetime)
    row.value("campaign", _CAMPAIGN_NAME)
    cells = row.cells
    try:
        answer = clean_answer(
            AnswerIn(
                source=Source.CSV,
                external_id=cells.get("external_id", ""),
                email=cells.get("email", ""),
                score=cells.get("score", ""),
                comment=cells.get("comment", ""),
                answered_at=answered_at,
                updated_at=updated_at,
                account_external_id=cells.get("account_external_id", ""),
                contact_name=cells.get("contact_name", ""),
                language=cells.get("language", ""),
                payload=dict(cells),
            )
        )
    except ValidationError as error:
        for column, messages in error.message_dict.items():
            message = " ".join(messages)
            raw = cells.get(column)
            if raw and f"'{raw}'" not in message:
                message += f" Got '{raw}'."
            row.error(column, message)
        return None
    if row.errors:
        return None
    return answer


# --- the staging table ------------------------------------------------------------------

_STAGED = (
    "line",
    "batch",
    "external_id",
    "email",
    "score",
    "comment",
    "answered_at",
    "updated_at",
    "account_external_id",
    "contact_name",
    "language",
    "campaign",
    "payload",
    "address_hash",
)


@contextmanager
def _staging_table() -> Iterator[_Staging]:
    """A temporary table for one import, dropped at the end whatever happens."""
    name = f"import_answers_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {name} (
                line integer PRIMARY KEY,
                batch integer NOT NULL,
                external_id text NOT NULL,
                email text NOT NULL,
                score smallint NOT NULL,
                comment text NOT NULL,
                answered_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                account_external_id text NOT NULL,
                contact_name text NOT NULL,
                language text NOT NULL,
                campaign text,
                payload jsonb,
                address_hash text NOT NULL,
                outcome text NOT NULL DEFAULT 'created',
                response_id bigint,
                match_account_id bigint
            )"""
        )
    try:
        yield _Staging(name)
    finally:
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _tables() -> dict[str, str]:
    return {
        "response": Response._meta.db_table,
        "contact": Contact._meta.db_table,
        "account": Account._meta.db_table,
        "domain": AccountDomain._meta.db_table,
        "campaign": Campaign._meta.db_table,
        "erased": ErasedAddress._meta.db_table,
    }


class _Staging:
    """The valid rows of one import in a temporary table, and the set-based work on them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tables = {"staging": name, **_tables()}
        self.tables["campaign_of_row"] = _CAMPAIGN_OF_ROW.format(**self.tables)
        # Each address's keyed hash, computed once: a file holds a few thousand people. At
        # most `_HASHES_KEPT` are kept, so that memory stays flat on a file of a million.
        self._hash = functools.lru_cache(maxsize=_HASHES_KEPT)(address_hash)

    def _sql(self, query: str) -> str:
        return query.format(**self.tables)

    def _execute(self, query: str, params: Any = None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(self._sql(query), params)
            return cursor.fetchall() if cursor.description else []

    def load(
        self,
        csv_file: CsvFile,
        result: ImportResult,
        chunk_size: int,
        progress: Callable[[int], None] | None,
    ) -> list[tuple[int, int]]:
        """Check every row and COPY the valid ones; returns (batch, rows read) per chunk."""
        batches = []
        columns = ", ".join(_STAGED)
        for batch, rows in enumerate(csv_file.chunks(chunk_size)):
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {self.name} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    answer = check_answer_row(row)
                    if answer is not None and answer.email.endswith(ERASED_DOMAIN):
                        row.error("email", ERASED_ANSWER_ROW)
                        answer = None
                    if answer is None:
                        result.invalid_rows += 1
                        result.errors.extend(row.errors)
                        continue
                    copy.write_row(_staged_row(row, batch, answer, self._hash(answer.email)))
            result.rows += len(rows)
            batches.append((batch, len(rows)))
            if progress is not None:
                progress(result.rows)
        self._execute("CREATE INDEX ON {staging} (batch)")
        self._reject_erased(result)
        self._execute("ANALYZE {staging}")
        return batches

    def _reject_erased(self, result: ImportResult) -> None:
        """A row from a person erased at their request is an error (their answers are not
        stored again): one join of the rows' address hashes with the erased ones."""
        erased = self._execute(
            """DELETE FROM {staging} s USING {erased} e
               WHERE e.address_hash = s.address_hash RETURNING s.line"""
        )
        for (line,) in erased:
            # The address is not repeated in the report: the report is kept.
            result.errors.append(RowError(line=line, column="email", message=ERASED_ANSWER_ROW))
        result.invalid_rows += len(erased)

    def reject_repeated_ids(self, result: ImportResult) -> None:
        """A row whose external_id an earlier row of the file has is an error."""
        repeated = self._execute(
            """DELETE FROM {staging} s USING (
                   SELECT line, external_id, min(line) OVER (PARTITION BY external_id) AS first
                   FROM {staging}
               ) r
               WHERE s.line = r.line AND r.line <> r.first
               RETURNING s.line, s.external_id, r.first"""
        )
        for line, external_id, first in sorted(repeated):
            result.errors.append(
                RowError(
                    line=line,
                    column="external_id",
                    message=f"'{external_id}' is also on line {first}: keep one row per answer.",
                )
            )
        result.invalid_rows += len(repeated)

    def classify(self) -> None:
        """Mark each row new, a correction of a stored answer, or unchanged (a repeat, or
        stale: older at the source than what is stored), as `record_response` would."""
        self._execute(
            """UPDATE {staging} s SET response_id = r.id, outcome = CASE
                   WHEN (r.source_updated_at IS NULL OR s.updated_at >= r.source_updated_at)
                    AND (s.score <> r.score
                         OR (s.comment <> '' AND s.comment <> r.comment)
                         OR (s.language <> '' AND s.language <> r.language))
                   THEN 'updated' ELSE 'unchanged' END
               FROM {response} r
               WHERE r.source = %s AND r.external_id = s.external_id""",
            [Source.CSV],
        )

    def outcomes(self) -> dict[str, int]:
        return dict(self._execute("SELECT outcome, count(*) FROM {staging} GROUP BY outcome"))

    def history_and_cases(self, window_days: int) -> tuple[int, int]:
        """Among the new answers: how many are history (answered before the case window),
        and how many will open cases (within it, with an active playbook for their category)."""
        # The engine's rule (surveys.history): local calendar days before today.
        cutoff = history_cutoff(arrived_at=timezone.now(), window_days=window_days)
        categories = set()
        for playbook in Playbook.objects.filter(active=True):
            categories.update(playbook.categories)
        scores = [score for score in range(11) if _category(score) in categories]
        history, opening = self._execute(
            """SELECT count(*) FILTER (WHERE answered_at < %s),
                      count(*) FILTER (WHERE answered_at >= %s AND score = ANY(%s))
               FROM {staging} WHERE outcome = 'created'""",
            [cutoff, cutoff, scores],
        )[0]
        return history, opening

    def warnings(self) -> list[str]:
        warnings = []
        (unknown_count,) = self._execute(
            """SELECT count(*) FROM {staging} s WHERE s.account_external_id <> ''
               AND NOT EXISTS (SELECT 1 FROM {account} a
                               WHERE a.external_id = s.account_external_id)"""
        )[0]
        if unknown_count:
            first_lines = [
                line
                for (line,) in self._execute(
                    """SELECT line FROM {staging} s WHERE s.account_external_id <> ''
                       AND NOT EXISTS (SELECT 1 FROM {account} a
                                       WHERE a.external_id = s.account_external_id)
                       ORDER BY line LIMIT 20"""
                )
            ]
            warnings.append(
                f"Lines {describe_lines(first_lines, total=unknown_count)} name an "
                "account_external_id that no account has: those answers are matched on "
                "the email's domain, or stored unmatched."
            )
        new_campaigns = self._new_campaigns()
        if new_campaigns:
            names = ", ".join(f"'{name}'" for name in new_campaigns)
            warnings.append(f"No campaign is named {names} yet: the import creates it.")
        return warnings

    def _new_campaigns(self) -> list[str]:
        """The campaigns the rows name that do not exist yet, as first spelt, in file order."""
        return [
            name
            for name, _line in self._execute(
                """SELECT DISTINCT ON (lower(campaign)) campaign, line FROM {staging} s
                   WHERE campaign IS NOT NULL AND NOT EXISTS (
                       SELECT 1 FROM {campaign} c WHERE lower(c.name) = lower(s.campaign))
                   ORDER BY lower(campaign), line"""
            )
        ]

    def resolve_campaigns(self) -> None:
        """Create the campaigns the file names that do not exist (the rows are linked to
        them as they are written: `_CAMPAIGN_OF_ROW`)."""
        for name in self._new_campaigns():
            Campaign.objects.get_or_create(name=name)

    def write_batch(self, batch: int, result: ImportResult, window_days: int) -> None:
        """Write the rows of one batch: contacts, new answers, corrections (in a transaction)."""
        self._match_accounts(batch)
        self._create_contacts(batch)
        self._complete_contacts(batch)
        now = timezone.now()
        created = self._execute(
            """INSERT INTO {response} (contact_id, account_id, campaign_id, score, comment,
                   answered_at, source_updated_at, source, external_id, language, payload,
                   created_at, updated_at)
               SELECT c.id, c.account_id, k.id, s.score, s.comment,
                   s.answered_at, s.updated_at, %s, s.external_id,
                   coalesce(nullif(s.language, ''), c.language), s.payload, %s, %s
               FROM {staging} s JOIN {contact} c ON lower(c.email) = s.email
               {campaign_of_row}
               WHERE s.batch = %s AND s.outcome = 'created'
               ORDER BY s.line
               ON CONFLICT (source, external_id) DO NOTHING
               RETURNING id, answered_at < %s""",
            [Source.CSV, now, now, batch, history_cutoff(arrived_at=now, window_days=window_days)],
        )
        planned = dict(
            self._execute(
                "SELECT outcome, count(*) FROM {staging} WHERE batch = %s GROUP BY outcome",
                [batch],
            )
        )
        result.created += len(created)
        # Planned as new but stored meanwhile by someone else: what is stored stands.
        result.unchanged += planned.get("created", 0) - len(created)
        result.unchanged += planned.get("unchanged", 0)
        _queue_engine_work(
            live=[pk for pk, history in created if not history],
            history=[pk for pk, history in created if history],
        )
        for answer in self._corrections(batch):
            recorded = record_response(answer=answer)
            if recorded.created or recorded.changed:
                result.updated += 1
            else:
                result.unchanged += 1

    def _match_accounts(self, batch: int) -> None:
        """The account each new answer names by external_id, else the one owning its domain."""
        self._execute(
            """UPDATE {staging} s SET match_account_id = coalesce(
                   (SELECT a.id FROM {account} a
                    WHERE s.account_external_id <> '' AND a.external_id = s.account_external_id),
                   (SELECT min(d.account_id) FROM {domain} d
                    WHERE d.domain = substring(s.email from '[^@]*$') HAVING count(*) = 1))
               WHERE s.batch = %s AND s.outcome = 'created'""",
            [batch],
        )

    def _create_contacts(self, batch: int) -> None:
        """One contact per new address: its first name and language, its first account."""
        now = timezone.now()
        self._execute(
            """INSERT INTO {contact} (email, name, language, account_id, title, persona,
                   influence, phone, external_id, opted_out, created_at, updated_at)
               SELECT s.email,
                   coalesce((array_agg(s.contact_name ORDER BY s.line)
                             FILTER (WHERE s.contact_name <> ''))[1], ''),
                   coalesce((array_agg(s.language ORDER BY s.line)
                             FILTER (WHERE s.language <> ''))[1], ''),
                   (array_agg(s.match_account_id ORDER BY s.line)
                    FILTER (WHERE s.match_account_id IS NOT NULL))[1],
                   '', %s, %s, '', '', false, %s, %s
               FROM {staging} s
               WHERE s.batch = %s AND s.outcome = 'created' AND NOT EXISTS (
                   SELECT 1 FROM {contact} c WHERE lower(c.email) = s.email)
               GROUP BY s.email
               ON CONFLICT DO NOTHING""",
            [Persona.OTHER, Influence.MEDIUM, now, now, batch],
        )

    def _complete_contacts(self, batch: int) -> None:
        """Fill what existing contacts lack (never overwrite CRM data); an unmatched contact
        joins the account its answer names, and its earlier answers and cases follow."""
        unmatched = self._execute(
            """SELECT c.id, (array_agg(s.match_account_id ORDER BY s.line))[1]
               FROM {staging} s JOIN {contact} c ON lower(c.email) = s.email
               WHERE s.batch = %s AND s.outcome = 'created' AND c.account_id IS NULL
                 AND s.match_account_id IS NOT NULL
               GROUP BY c.id""",
            [batch],
        )
        accounts = Account.objects.in_bulk([account_id for _, account_id in unmatched])
        for contact in Contact.objects.filter(pk__in=[pk for pk, _ in unmatched]):
            account_id = dict(unmatched)[contact.pk]
            assign_account_to_contact(contact=contact, account=accounts[account_id])
        self._execute(
            """UPDATE {contact} c SET
                   name = CASE WHEN c.name = '' THEN coalesce(f.name, '') ELSE c.name END,
                   language = CASE WHEN c.language = ''
                                   THEN coalesce(f.language, '') ELSE c.language END,
                   updated_at = %s
               FROM (SELECT email,
                         (array_agg(contact_name ORDER BY line)
                          FILTER (WHERE contact_name <> ''))[1] AS name,
                         (array_agg(language ORDER BY line)
                          FILTER (WHERE language <> ''))[1] AS language
                     FROM {staging} WHERE batch = %s AND outcome = 'created'
                     GROUP BY email) f
               WHERE lower(c.email) = f.email
                 AND ((c.name = '' AND f.name IS NOT NULL)
                      OR (c.language = '' AND f.language IS NOT NULL))""",
            [timezone.now(), batch],
        )

    def _corrections(self, batch: int) -> Iterator[AnswerIn]:
        """The rows of the batch that correct a stored answer (they are rare): each goes
        through `record_response`, which tells the engine to re-route its case."""
        campaigns: dict[int, Campaign] = {}
        rows = self._execute(
            """SELECT external_id, email, score, comment, answered_at, updated_at,
                   account_external_id, contact_name, language, k.id, payload
               FROM {staging} s {campaign_of_row}
               WHERE batch = %s AND outcome = 'updated' ORDER BY line""",
            [batch],
        )
        for (
            external_id,
            email,
            score,
            comment,
            answered_at,
            updated_at,
            account_external_id,
            contact_name,
            language,
            campaign_id,
            payload,
        ) in rows:
            if campaign_id is not None and campaign_id not in campaigns:
                campaigns[campaign_id] = Campaign.objects.get(pk=campaign_id)
            yield AnswerIn(
                source=Source.CSV,
                external_id=external_id,
                email=email,
                score=score,
                comment=comment,
                answered_at=answered_at,
                updated_at=updated_at,
                account_external_id=account_external_id,
                contact_name=contact_name,
                language=language,
                campaign=campaigns.get(campaign_id) if campaign_id else None,
                payload=payload if isinstance(payload, dict) else json.loads(payload or "null"),
            )


# The campaign `k` a staged row `s` names (the first of that name, in any case).
_CAMPAIGN_OF_ROW = """LEFT JOIN (SELECT lower(name) AS name_ci, min(id) AS id FROM {campaign}
                             GROUP BY lower(name)) k ON k.name_ci = lower(s.campaign)"""


def _queue_engine_work(*, live: list[int], history: list[int]) -> None:
    """The engine processes the new answers (opens their cases, or not) once their batch
    commits, in batches on the `bulk` queue (the playbooks' receiver of
    `response_batch_recorded` says how); history opens no case, so its batches are larger."""
    response_batch_recorded.send(sender=Response, response_ids=live, history_ids=history)


def _staged_row(row: Row, batch: int, answer: AnswerIn, hashed_address: str) -> tuple:
    return (
        row.line,
        batch,
        answer.external_id,
        answer.email,
        answer.score,
        answer.comment,
        answer.answered_at,
        answer.updated_at,
        answer.account_external_id,
        answer.contact_name,
        answer.language,
        row.cells.get("campaign"),
        json.dumps(answer.payload),
        hashed_address,
    )


def _category(score: int) -> str:
    if score <= 6:
        return Category.DETRACTOR
    return Category.PASSIVE if score <= 8 else Category.PROMOTER
