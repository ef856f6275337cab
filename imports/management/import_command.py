"""The shape every `import_*` command shares: open the file, call the import, report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from imports.csv_import import CsvImportError, ImportResult


class ImportCommand(BaseCommand):
    """Subclasses name what they import and call their import service in `run_import`."""

    noun = "rows"  # what the rows are, plural: "accounts"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file (UTF-8 or Latin-1, ',' or ';').")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the others. Without it, a file with any "
            "invalid row imports nothing.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what the import would do; write nothing.",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            dest="column_map",
            metavar="FILE_COLUMN=COLUMN",
            help="Read a column of the file as one of the import, e.g. --map id=external_id. "
            "Repeat it for each column to rename.",
        )

    def run_import(
        self, *, file: IO[bytes], dry_run: bool, skip_invalid: bool, column_map: Mapping[str, str]
    ) -> ImportResult:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        path, dry_run, skip_invalid = options["file"], options["dry_run"], options["skip_invalid"]
        column_map = _column_map(options["column_map"])
        try:
            file = open(path, "rb")  # noqa: SIM115 - closed below, after the error handling
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        with file:
            try:
                result = self.run_import(
                    file=file, dry_run=dry_run, skip_invalid=skip_invalid, column_map=column_map
                )
            except CsvImportError as error:
                raise CommandError(f"{path}: {error}") from error
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        self._report(path, result, skip_invalid=skip_invalid)

    def _report(self, path: str, result: ImportResult, *, skip_invalid: bool) -> None:
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        for error in result.errors:
            self.stderr.write(str(error))
        refused = result.invalid_rows and not skip_invalid
        if result.dry_run or not refused:
            would = "would be " if result.dry_run else ""
            heading = f"{self.noun.capitalize()} from {path}"
            if result.dry_run:
                heading = f"Dry run, nothing written. {heading}"
            self.stdout.write(
                f"{heading}: {result.created} {would}created, {result.updated} {would}updated, "
                f"{result.unchanged} unchanged, {result.skipped} skipped ({_rows(result.rows)})."
            )
            if result.history is not None:
                verb = "is" if result.history == 1 else "are"
                self.stdout.write(
                    f"Of the new answers, {result.history} {verb} history (answered before "
                    f"the case window: no case). Cases to open: {result.opening_cases}."
                )
        if refused:
            where = "nothing is written in a dry run" if result.dry_run else "nothing was imported"
            raise CommandError(
                f"{result.invalid_rows} of {_rows(result.rows)} have errors (listed above): "
                f"{where}. Fix them, or pass --skip-invalid to import the other "
                f"{_rows(result.valid_rows)}."
            )


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _column_map(pairs: list[str]) -> dict[str, str]:
    column_map = {}
    for pair in pairs:
        source, equals, target = pair.partition("=")
        if not (equals and source.strip() and target.strip()):
            raise CommandError(
                f"--map expects FILE_COLUMN=COLUMN, e.g. --map id=external_id; got '{pair}'."
            )
        column_map[source.strip()] = target.strip()
    return column_map
