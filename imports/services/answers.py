"""Importing NPS answers from CSV, each row through `record_response` with source `csv`.

Every row is checked with `clean_answer` (the checks `record_response`
makes) before the first answer is recorded, so a file with an error imports
nothing unless invalid rows may be skipped. Answers are idempotent on their
`external_id`: importing the same file again creates nothing; a file that
corrects a score, comment or language updates the stored answer. The columns
are documented in docs/imports.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from accounts.models import ERASED_EMAIL_DOMAIN, Account, ErasedAddress
from imports.csv_import import (
    Column,
    FirstLines,
    ImportResult,
    Outcome,
    Row,
    describe_lines,
    open_csv,
    parse_datetime,
    run_import,
    text,
)
from surveys.answers import AnswerIn, clean_answer
from surveys.models import Campaign, Response, Source
from surveys.services.responses import record_response

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
# Each chunk commits on its own: the work each new answer starts (on commit) flows
# while the import runs, and memory stays flat however long the file.
RESPONSE_CHUNK_SIZE = 1000
_AMENDABLE = ("score", "comment", "language")


def import_responses(
    *,
    file: IO[bytes] | IO[str],
    dry_run: bool = False,
    skip_invalid: bool = False,
    column_map: Mapping[str, str] | None = None,
) -> ImportResult:
    """Record the NPS answers of a CSV file; importing the same file again creates nothing."""
    csv_file = open_csv(file, columns=RESPONSE_COLUMNS, column_map=column_map)
    return run_import(
        csv_file=csv_file,
        planner=ResponsePlanner,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        chunk_size=RESPONSE_CHUNK_SIZE,
        commit_each_chunk=True,
    )


@dataclass
class _ResponsePlan:
    answer: AnswerIn
    campaign: str | None
    payload: dict[str, str]
    outcome: Outcome


class ResponsePlanner:
    def __init__(self) -> None:
        self._external_ids = FirstLines()
        self._account_known: dict[str, bool] = {}
        self._unknown_account_lines: list[int] = []
        self._campaign_known: dict[str, bool] = {}
        self._new_campaigns: dict[str, str] = {}
        self._campaigns: dict[str, Campaign] = {}

    @property
    def warnings(self) -> list[str]:
        warnings = []
        if self._unknown_account_lines:
            warnings.append(
                f"Lines {describe_lines(self._unknown_account_lines)} name an "
                "account_external_id that no account has: those answers are matched on "
                "the email's domain, or stored unmatched."
            )
        if self._new_campaigns:
            names = ", ".join(f"'{name}'" for name in self._new_campaigns.values())
            warnings.append(f"No campaign is named {names} yet: the import creates it.")
        return warnings

    def plan(self, rows: list[Row]) -> list[_ResponsePlan | None]:
        answers = [self._check(row) for row in rows]
        erased = ErasedAddress.objects.among(answer.email for answer in answers if answer)
        for index, (row, answer) in enumerate(zip(rows, answers, strict=True)):
            if answer and (answer.email in erased or answer.email.endswith(ERASED_DOMAIN)):
                # The address is not repeated in the report: the report is kept.
                row.error("email", ERASED_ANSWER_ROW)
                answers[index] = None
        stored = {
            external_id: amendable
            for external_id, *amendable in Response.objects.filter(
                source=Source.CSV,
                external_id__in=[answer.external_id for answer in answers if answer],
            ).values_list("external_id", *_AMENDABLE, "source_updated_at")
        }
        valid = [(row, answer) for row, answer in zip(rows, answers, strict=True) if answer]
        self._note_unknown_accounts(valid)
        self._note_new_campaigns([row.cells.get("campaign") for row, _ in valid])
        return [
            self._plan_row(row, answer, stored.get(answer.external_id)) if answer else None
            for row, answer in zip(rows, answers, strict=True)
        ]

    def apply(self, plan: _ResponsePlan) -> Outcome:
        if plan.outcome is Outcome.UNCHANGED:
            return Outcome.UNCHANGED  # record_response would return the stored answer as is
        answer = plan.answer
        recorded = record_response(
            answer=dataclasses.replace(
                answer, campaign=self._campaign(plan.campaign), payload=plan.payload
            )
        )
        if recorded.created:
            return Outcome.CREATED
        # Planned as new but stored meanwhile by someone else, or changed meanwhile by a
        # newer version: what is stored stands.
        return Outcome.UPDATED if recorded.changed else Outcome.UNCHANGED

    def _check(self, row: Row) -> AnswerIn | None:
        if row.errors:  # cells shifted by an unquoted delimiter
            return None
        answered_at = row.value("answered_at", parse_datetime)
        updated_at = row.value("updated_at", parse_datetime)
        row.value("campaign", text(200))
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
        first = self._external_ids.repeated(answer.external_id, row.line)
        if first is not None:
            row.error(
                "external_id",
                f"'{answer.external_id}' is also on line {first}: keep one row per answer.",
            )
            return None
        return answer

    def _plan_row(self, row: Row, answer: AnswerIn, stored: list | None) -> _ResponsePlan:
        if stored is None:
            outcome = Outcome.CREATED
        else:
            # What record_response corrects: values given that differ, in a row not older
            # than the stored version.
            *old_values, stored_at = stored
            new = [getattr(answer, name) for name in _AMENDABLE]
            amended = any(
                value not in ("", None) and value != old
                for value, old in zip(new, old_values, strict=True)
            )
            stale = stored_at is not None and answer.updated_at < stored_at
            outcome = Outcome.UPDATED if amended and not stale else Outcome.UNCHANGED
        return _ResponsePlan(
            answer=answer,
            campaign=row.cells.get("campaign"),
            payload=dict(row.cells),
            outcome=outcome,
        )

    def _note_unknown_accounts(self, valid: list[tuple[Row, AnswerIn]]) -> None:
        wanted = {
            answer.account_external_id
            for _, answer in valid
            if answer.account_external_id and answer.account_external_id not in self._account_known
        }
        if wanted:
            found = set(
                Account.objects.filter(external_id__in=wanted).values_list("external_id", flat=True)
            )
            self._account_known.update(
                {external_id: external_id in found for external_id in wanted}
            )
        self._unknown_account_lines += [
            row.line
            for row, answer in valid
            if answer.account_external_id and not self._account_known[answer.account_external_id]
        ]

    def _note_new_campaigns(self, names: list[str | None]) -> None:
        wanted: dict[str, str] = {}
        for name in names:
            if name and name.lower() not in self._campaign_known:
                wanted.setdefault(name.lower(), name)  # the first spelling names it
        if not wanted:
            return
        found = set(
            Campaign.objects.annotate(name_ci=Lower("name"))
            .filter(name_ci__in=wanted)
            .values_list("name_ci", flat=True)
        )
        for key, name in wanted.items():
            self._campaign_known[key] = key in found
            if key not in found:
                self._new_campaigns[key] = name

    def _campaign(self, name: str | None) -> Campaign | None:
        if not name:
            return None
        key = name.lower()
        if key not in self._campaigns:
            campaign = Campaign.objects.filter(name__iexact=name).first()
            if campaign is None:
                campaign, _ = Campaign.objects.get_or_create(name=name)
            self._campaigns[key] = campaign
        return self._campaigns[key]
