"""What every CSV import shares: reading the file, typed cells, row errors and the result.

People export these files from CRMs and spreadsheets, so reading is lenient
about form and strict about meaning. Form: UTF-8 with or without BOM (UTF-16
from Excel too), else Windows-1252 or Latin-1; `,`, `;` or tab between cells;
header names in any case and spacing; surrounding spaces; empty, `NA` and
`N/A` cells as missing. Meaning: every cell is parsed to its type, and each
problem becomes a `RowError` naming the physical line, the column and the fix.

`run_import` reads a file twice, streaming both times: first it checks every
row (a dry run stops there), then it writes the rows, so that a file with an
error imports nothing unless the caller asked to skip invalid rows.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone, translation

T = TypeVar("T")

# Rows checked and written at a time: each chunk is a few set-based queries (and, in the
# browser, a step of the progress bar).
DEFAULT_CHUNK_SIZE = 2000
MISSING_MARKERS = frozenset({"", "na", "n/a", "#n/a"})
TRUE_WORDS = frozenset({"true", "yes", "1", "oui"})
FALSE_WORDS = frozenset({"false", "no", "0", "non"})
# Read this much at a time when looking for the encoding, and keep uploads up to
# this size in memory when they have to be copied to be read twice.
_BLOCK_SIZE = 1 << 20
_SPOOL_IN_MEMORY = 8 << 20
_DELIMITERS = (",", ";", "\t")
_ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}


class CsvImportError(Exception):
    """The file as a whole cannot be imported: unreadable, empty, or lacking a column."""


class CellError(ValueError):
    """A cell holds a value of the wrong form; the message says how to write it."""


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Column:
    """A column of an import layout; `missing` says why a required value matters."""

    name: str
    required: bool = False
    missing: str = ""


@dataclass(frozen=True)
class RowError:
    """A problem of one row, as every import reports it: the physical line, the column, the fix."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        """As the commands print it."""
        return f"line {self.line}: {self.column}: {self.message}"

    def as_dict(self) -> dict[str, int | str]:
        """As a browser import job keeps it (JSON) for its page."""
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do), row by row."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    invalid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    # Answers only: of the new answers, those given before the case window (history)
    # and those that will open a case; None for the other imports.
    history: int | None = None
    opening_cases: int | None = None

    @property
    def valid_rows(self) -> int:
        return self.rows - self.invalid_rows

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)


@dataclass
class Row:
    """One record of the file: its first physical line and its non-missing cells."""

    line: int
    cells: dict[str, str]
    columns: frozenset[str]  # the layout's columns this file has, even where empty
    errors: list[RowError] = field(default_factory=list)

    def value(self, column: str, parse: Callable[[str], T]) -> T | None:
        """The parsed cell, or None when it is missing or wrong (then an error is recorded)."""
        raw = self.cells.get(column)
        if raw is None or self.has_error("row"):  # cells shifted: their errors would mislead
            return None
        try:
            return parse(raw)
        except CellError as error:
            self.error(column, str(error))
            return None

    def has(self, column: str) -> bool:
        """Whether the file has this column at all (an empty cell still counts)."""
        return column in self.columns

    def error(self, column: str, message: str) -> None:
        if not self.has_error(column):
            self.errors.append(RowError(line=self.line, column=column, message=message))

    def has_error(self, column: str) -> bool:
        return any(error.column == column for error in self.errors)


class FirstLines:
    """Remembers the line where each key was first seen, to reject a key the file repeats."""

    def __init__(self) -> None:
        self._lines: dict[Any, int] = {}

    def repeated(self, key: Any, line: int) -> int | None:
        """The earlier line that had `key`, or None (and this line is remembered)."""
        first = self._lines.setdefault(key, line)
        return None if first == line else first


def describe_lines(lines: Sequence[int], *, limit: int = 20, total: int | None = None) -> str:
    """'4, 9, 12' — or the first `limit` lines and how many more (of `total` when `lines`
    holds only the first ones)."""
    total = len(lines) if total is None else total
    shown = ", ".join(str(line) for line in lines[:limit])
    return shown + (f" and {total - limit} more" if total > limit else "")


class Plan(Protocol):
    """What a planner decided for one valid row; `outcome` is what writing it will do."""

    @property
    def outcome(self) -> Outcome: ...


class RowPlanner(Protocol):
    """Turns checked rows into plans, and applies them. One instance per pass over the file."""

    warnings: list[str]

    def plan(self, rows: list[Row]) -> Sequence[Plan | None]:
        """A plan per row, or None for a row with errors (recorded on the row)."""
        ...

    def apply(self, plans: list[Any]) -> list[Outcome]:
        """Write a chunk's plans, set-based where it can; returns what happened to each."""
        ...


# --- reading ------------------------------------------------------------------------


class CsvFile:
    """A CSV file opened for import: encoding, delimiter and header worked out once."""

    def __init__(
        self,
        file: IO[bytes] | IO[str],
        *,
        columns: Sequence[Column],
        column_map: Mapping[str, str] | None = None,
    ) -> None:
        self._stream, self.encoding = _readable_twice(file)
        self.warnings: list[str] = []
        if self.encoding in ("cp1252", "latin-1"):
            self.warnings.append(
                f"The file is not UTF-8; it was read as {_ENCODING_NAMES[self.encoding]}. "
                "Check accented letters in the result, or save the file as CSV UTF-8."
            )
        # 'E-mail', 'ExternalID' and 'external id' all name a column: compare without separators.
        self._layout = {_loose(column.name): column.name for column in columns}
        self._required = [column for column in columns if column.required]
        self.delimiter = self._sniff_delimiter()
        self._indexes, self._width = self._read_header(_normalised_map(column_map, self._layout))
        self.columns = frozenset(self._indexes)

    def chunks(self, size: int = DEFAULT_CHUNK_SIZE) -> Iterator[list[Row]]:
        """The file's rows, `size` at a time, from the start of the file at each call."""
        with self._text() as text:
            # Strict: a stray quote would otherwise swallow the lines after it into one cell.
            reader = csv.reader(text, delimiter=self.delimiter, strict=True)
            last_line = 0
            try:
                next((record for record in reader if _has_content(record)), None)  # the header
                batch: list[Row] = []
                last_line = reader.line_num
                for record in reader:
                    line, last_line = last_line + 1, reader.line_num
                    if not _has_content(record):
                        continue
                    batch.append(self._row(line, record))
                    if len(batch) >= size:
                        yield batch
                        batch = []
                if batch:
                    yield batch
            except csv.Error as error:
                raise CsvImportError(
                    f"Line {last_line + 1} is not valid CSV ({error}). Check its quotes: a value "
                    'that holds quotes is written in quotes, with its quotes doubled ("a ""b"" c").'
                ) from error
            except UnicodeDecodeError as error:
                raise CsvImportError(
                    f"After line {reader.line_num} the file is not valid "
                    f"{_ENCODING_NAMES.get(self.encoding or '', 'text')} "
                    "(it may be cut short). Save it again as CSV UTF-8."
                ) from error

    def _row(self, line: int, record: list[str]) -> Row:
        cells = {}
        for name, index in self._indexes.items():
            if index < len(record):
                value = record[index].strip()
                if value.lower() not in MISSING_MARKERS:
                    cells[name] = value
        row = Row(line=line, cells=cells, columns=self.columns)
        if len(record) > self._width:
            shown = "tab" if self.delimiter == "\t" else f"'{self.delimiter}'"
            row.error(
                "row",
                f"has {len(record)} cells but the header has {self._width}: "
                f"put quotes around values that contain {shown}.",
            )
            return row
        for column in self._required:
            if column.name not in cells:
                row.error(column.name, f"no value (empty or NA): {column.missing}")
        return row

    def _sniff_delimiter(self) -> str:
        with self._text() as text:
            for physical_line in text:
                if physical_line.strip():
                    counts = {
                        delimiter: physical_line.count(delimiter) for delimiter in _DELIMITERS
                    }
                    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
                    return best if counts[best] else ","
        raise CsvImportError(
            "The file is empty: it needs a header line naming the columns, then one line per row."
        )

    def _read_header(self, column_map: dict[str, str]) -> tuple[dict[str, int], int]:
        with self._text() as text:
            reader = csv.reader(text, delimiter=self.delimiter, strict=True)
            try:
                header = next((record for record in reader if _has_content(record)), None)
            except csv.Error as error:
                raise CsvImportError(f"The header line is not valid CSV ({error}).") from error
        if header is None:
            raise CsvImportError(
                "The file has no header line: its first line must name the columns."
            )
        names = [normalise_column_name(name) for name in header]
        missing_sources = sorted(set(column_map) - set(names))
        if missing_sources:
            raise CsvImportError(
                f"The column map names {_quoted(missing_sources)}, which the file does not have. "
                f"Its columns are: {_quoted(names)}."
            )
        indexes: dict[str, int] = {}
        ignored: list[str] = []
        for position, name in enumerate(names):
            target = self._layout.get(_loose(column_map.get(name, name)))
            if target is not None:
                if target in indexes:
                    raise CsvImportError(
                        f"Two columns of the file are read as '{target}' (columns "
                        f"{indexes[target] + 1} and {position + 1}): keep only one."
                    )
                indexes[target] = position
            else:
                ignored.append(header[position].strip() or f"(unnamed column {position + 1})")
        missing = [column.name for column in self._required if column.name not in indexes]
        if missing:
            raise CsvImportError(
                f"Required column{'s' if len(missing) > 1 else ''} missing: {_quoted(missing)}. "
                f"The header line has: {_quoted(header)}. Rename the columns of the file, "
                "or map a column of the file to each (for example id=external_id)."
            )
        if ignored:
            self.warnings.append(f"Ignored columns (not part of this import): {_quoted(ignored)}.")
        return indexes, len(header)

    @contextmanager
    def _text(self) -> Iterator[IO[str]]:
        self._stream.seek(0)
        if self.encoding is None:  # already text
            yield self._stream  # type: ignore[misc]
            return
        wrapper = io.TextIOWrapper(self._stream, encoding=self.encoding, newline="")  # type: ignore[arg-type]
        try:
            yield wrapper
        finally:
            wrapper.detach()  # the caller owns the file: leave it open


def open_csv(
    file: IO[bytes] | IO[str],
    *,
    columns: Sequence[Column],
    column_map: Mapping[str, str] | None = None,
) -> CsvFile:
    """Open a CSV file for an import of `columns`; raises CsvImportError if it cannot be."""
    return CsvFile(file, columns=columns, column_map=column_map)


def normalise_column_name(name: str) -> str:
    """'External ID ' and 'external-id' both become 'external_id'."""
    return re.sub(r"[\s_-]+", "_", name.strip().lstrip("\ufeff").strip().lower()).strip("_")


def _normalised_map(column_map: Mapping[str, str] | None, layout: Mapping[str, str]) -> dict:
    normalised = {
        normalise_column_name(source): normalise_column_name(target)
        for source, target in (column_map or {}).items()
    }
    unknown = sorted(target for target in normalised.values() if _loose(target) not in layout)
    if unknown:
        raise CsvImportError(
            f"The column map names {_quoted(unknown)}, which this import does not know. "
            f"Its columns are: {_quoted(list(layout.values()))}."
        )
    return normalised


def _loose(name: str) -> str:
    return name.replace("_", "")


def _has_content(record: list[str]) -> bool:
    return any(cell.strip() for cell in record)


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _readable_twice(file: IO[bytes] | IO[str]) -> tuple[IO[Any], str | None]:
    """The file as a seekable stream, and its encoding (None when it is already text)."""
    try:
        sample = file.read(0)
        seekable = file.seekable() if hasattr(file, "seekable") else False
        if seekable:
            file.seek(0)
    except (OSError, ValueError) as error:
        raise CsvImportError(f"The file cannot be read ({error}).") from error
    if isinstance(sample, str):
        stream: IO[Any] = file if seekable else io.StringIO(file.read())
        return stream, None
    if not seekable:
        spooled = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
        while block := file.read(_BLOCK_SIZE):
            spooled.write(block)
        file = spooled  # type: ignore[assignment]
    return file, _detect_encoding(file)  # type: ignore[arg-type]


def _detect_encoding(binary: IO[bytes]) -> str:
    binary.seek(0)
    head = binary.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise CsvImportError(
            "This is an Excel workbook (or another zip file), not a CSV file. "
            "Save it from the spreadsheet as 'CSV UTF-8' and import that file."
        )
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        binary.seek(0)
        try:
            while block := binary.read(_BLOCK_SIZE):
                if b"\x00" in block:
                    raise CsvImportError(
                        "This is a binary file, not a CSV file. Export the data as CSV "
                        "(comma or semicolon separated, UTF-8) and import that file."
                    )
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return "utf-8-sig" if encoding == "utf-8" else encoding
    return "latin-1"  # decodes any byte: the last resort


# --- cells --------------------------------------------------------------------------


def text(max_length: int) -> Callable[[str], str]:
    """A parser for free text of at most `max_length` characters."""

    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"is {len(value)} characters long; shorten it to at most {max_length}.")
        return value

    return parse


def parse_email(value: str) -> str:
    """An email address, lower-cased."""
    email = value.lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise CellError(
            f"'{value}' is not an email address: write it as name@company.com."
        ) from error
    return email


def parse_date(value: str) -> dt.date:
    """A date written YYYY-MM-DD or DD/MM/YYYY."""
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    french = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if french:
            return dt.date(int(french[3]), int(french[2]), int(french[1]))
    except ValueError as error:
        raise CellError(f"'{value}' is not a day of the calendar ({error}).") from error
    raise CellError(f"'{value}' is not a date: write it as YYYY-MM-DD or DD/MM/YYYY.")


def parse_datetime(value: str) -> dt.datetime:
    """An ISO 8601 date and time (or a date, or DD/MM/YYYY HH:MM); naive means server time."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        french = re.fullmatch(
            r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", value
        )
        if french is None:
            raise CellError(
                f"'{value}' is not a date and time: write it in ISO 8601, "
                "e.g. 2025-03-31T14:05:00+02:00, or 2025-03-31 14:05 (server time zone)."
            ) from None
        day, month, year, hour, minute, second = (int(part or 0) for part in french.groups())
        try:
            parsed = dt.datetime(year, month, day, hour, minute, second)
        except ValueError as error:
            raise CellError(f"'{value}' is not a moment of the calendar ({error}).") from error
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


def parse_decimal(value: str) -> Decimal:
    """A number with '.' or ',' before the decimals, and maybe spaces between thousands."""
    compact = re.sub(r"\s", "", value)
    if "," in compact and "." in compact:
        raise CellError(
            f"'{value}' mixes ',' and '.': use one of them before the decimals and "
            "spaces (or nothing) between thousands, e.g. 1 234,56 or 1234.56."
        )
    compact = compact.replace(",", ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", compact):
        raise CellError(
            f"'{value}' is not a number: write digits only, without a currency sign, "
            "e.g. 1 234,56 or 1234.56."
        )
    return Decimal(compact)


def parse_bool(value: str) -> bool:
    """true/false, yes/no, 1/0, oui/non, in any case."""
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"'{value}' is not yes or no: write true/false, yes/no, 1/0 or oui/non.")


def parse_currency(value: str) -> str:
    """A 3-letter currency code such as EUR, upper-cased."""
    if not re.fullmatch(r"[A-Za-z]{3}", value):
        raise CellError(f"'{value}' is not a currency code: write 3 letters such as EUR or USD.")
    return value.upper()


def parse_language(value: str) -> str:
    """A language code such as 'fr' (from 'fr', 'FR' or 'fr-BE')."""
    language = value.lower().replace("_", "-").split("-")[0]
    if not (language.isalpha() and 2 <= len(language) <= 3):
        raise CellError(f"'{value}' is not a language code: write one such as en or fr.")
    return language


def choice(choices: type[models.TextChoices], noun: str) -> Callable[[str], str]:
    """A parser accepting a choice by code or label, in any case ('Mid-market', 'mid_market')."""
    accepted: dict[str, str] = {}
    for code, label in choices.choices:
        with translation.override("en"):
            english = str(label)
        for spelling in (code, english, str(label)):
            accepted[_choice_key(spelling)] = code
    listing = ", ".join(choices.values)

    def parse(value: str) -> str:
        try:
            return accepted[_choice_key(value)]
        except KeyError:
            raise CellError(f"'{value}' is not a {noun}: use one of {listing}.") from None

    return parse


def _choice_key(spelling: str) -> str:
    return re.sub(r"[\s_-]+", "_", spelling.strip().lower())


# --- running ------------------------------------------------------------------------


class _Rollback(Exception):  # noqa: N818 - control flow, not an error
    pass


def run_import(
    *,
    csv_file: CsvFile,
    planner: Callable[[], RowPlanner],
    dry_run: bool = False,
    skip_invalid: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    commit_each_chunk: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check every row, then write the valid ones if the file is clean or invalid rows may go.

    By default the rows are written in one transaction, read once: each chunk is
    checked, then written; a row with an error stops the writing, every later row is
    still checked (for the report), and the transaction is rolled back, so that a
    file with an error imports nothing, as if the checks had run first. With
    `commit_each_chunk` each chunk commits on its own, which keeps long imports from
    holding one huge transaction; then every row is checked before the first write
    (the file is read twice), and the planners are idempotent, so running the same
    file again completes an interrupted import.

    `progress` is called after each chunk with the rows handled so far: a dry run and
    an import in one transaction count up to the rows of the file, an import that
    commits each chunk counts each row twice (checked, then written), up to twice the
    rows.
    """
    result = ImportResult(dry_run=dry_run, warnings=list(csv_file.warnings))
    if not (dry_run or commit_each_chunk):
        return _check_and_write(result, csv_file, planner(), skip_invalid, chunk_size, progress)
    checking = planner()
    invalid_lines: set[int] = set()
    for rows in csv_file.chunks(chunk_size):
        for row, plan in zip(rows, checking.plan(rows), strict=True):
            result.rows += 1
            if plan is None:
                invalid_lines.add(row.line)
                result.errors.extend(row.errors)
            elif dry_run:
                result.count(plan.outcome)
        if progress is not None:
            progress(result.rows)
    if result.rows == 0:
        raise CsvImportError("The file has a header line but no rows: there is nothing to import.")
    result.warnings.extend(checking.warnings)
    result.invalid_rows = len(invalid_lines)
    if dry_run:
        result.skipped = result.invalid_rows
        return result
    if invalid_lines and not skip_invalid:
        return result

    try:
        with nullcontext() if commit_each_chunk else transaction.atomic():
            _write(
                result,
                csv_file,
                planner(),
                invalid_lines,
                skip_invalid,
                chunk_size,
                commit_each_chunk,
                progress,
            )
    except _Rollback:
        result.created = result.updated = result.unchanged = result.skipped = 0
        return result
    result.written = True
    return result


def _check_and_write(
    result: ImportResult,
    csv_file: CsvFile,
    planner: RowPlanner,
    skip_invalid: bool,
    chunk_size: int,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    """`run_import` in one transaction and one reading of the file (see there)."""
    try:
        with transaction.atomic():
            for rows in csv_file.chunks(chunk_size):
                plans = []
                for row, plan in zip(rows, planner.plan(rows), strict=True):
                    result.rows += 1
                    if plan is not None:
                        plans.append(plan)
                        continue
                    result.invalid_rows += 1
                    result.errors.extend(row.errors)
                if skip_invalid or not result.invalid_rows:
                    for outcome in planner.apply(plans):
                        result.count(outcome)
                if progress is not None:
                    progress(result.rows)
            if result.rows == 0:
                raise CsvImportError(
                    "The file has a header line but no rows: there is nothing to import."
                )
            result.warnings.extend(planner.warnings)
            if result.invalid_rows and not skip_invalid:
                raise _Rollback
    except _Rollback:
        result.created = result.updated = result.unchanged = 0
        return result
    result.skipped = result.invalid_rows
    result.written = True
    return result


def _write(
    result: ImportResult,
    csv_file: CsvFile,
    writing: RowPlanner,
    invalid_lines: set[int],
    skip_invalid: bool,
    chunk_size: int,
    commit_each_chunk: bool,
    progress: Callable[[int], None] | None,
) -> None:
    handled = result.rows  # every row was checked before the first write
    for rows in csv_file.chunks(chunk_size):
        with transaction.atomic() if commit_each_chunk else nullcontext():
            plans = []
            for row, plan in zip(rows, writing.plan(rows), strict=True):
                if plan is not None:
                    plans.append(plan)
                    continue
                result.skipped += 1
                if row.line not in invalid_lines:
                    # The database changed since the check (a row it relies on was deleted).
                    result.errors.extend(row.errors)
                    result.invalid_rows += 1
                    if not (skip_invalid or commit_each_chunk):
                        raise _Rollback
            for outcome in writing.apply(plans):
                result.count(outcome)
        handled += len(rows)
        if progress is not None:
            progress(handled)
