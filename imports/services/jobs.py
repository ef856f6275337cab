"""Imports in the browser: an uploaded CSV file is stored, checked, shown, then imported.

An upload becomes an `ImportJob` and its file is stored under DATA_DIR, so nothing
is lost while the job waits for a worker. A worker checks the file (a dry run of the
same import as the management commands, see docs/imports.md) and keeps a preview of
its first rows; once an admin confirms, a worker imports it, committing each chunk
so that the progress shows and a second run completes an interrupted import (the
imports are idempotent).

Every status change is a conditional update on the expected old status: two workers
given the same job cannot both run it, and a step that finds its job gone or moved on
does nothing.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.background import enqueue_on_commit
from core.redaction import Needles, scrub
from imports.csv_import import (
    DEFAULT_CHUNK_SIZE,
    Column,
    CsvFile,
    CsvImportError,
    ImportResult,
    RowPlanner,
    open_csv,
    run_import,
)
from imports.models import IMPORT_STALLED_AFTER, ImportJob, ImportKind, ImportStatus
from imports.services.answers import RESPONSE_COLUMNS, run_response_import
from imports.services.customers import (
    ACCOUNT_COLUMNS,
    CONTACT_COLUMNS,
    INTERACTION_COLUMNS,
    AccountPlanner,
    ContactPlanner,
    InteractionPlanner,
)

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".txt")
PREVIEW_ROWS = 10
PREVIEW_CELL_LENGTH = 200
# A file can have an error on each of a million rows: the job keeps the first ones.
KEPT_ERRORS = 1000
UPLOAD_DIRECTORY = "imports"


@dataclass(frozen=True)
class ImportLayout:
    """What one kind of import reads and how: its columns, and its planner and chunk size,
    or its own set-based `run` (the answers)."""

    columns: Sequence[Column]
    planner: Callable[[], RowPlanner] | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    run: Callable[..., ImportResult] | None = None

    def run_import(
        self,
        *,
        csv_file: CsvFile,
        dry_run: bool = False,
        skip_invalid: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Check (dry run) or import an opened file, committing each chunk."""
        if self.run is not None:
            return self.run(
                csv_file=csv_file, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress
            )
        assert self.planner is not None
        return run_import(
            csv_file=csv_file,
            planner=self.planner,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            chunk_size=self.chunk_size,
            commit_each_chunk=not dry_run,
            progress=progress,
        )

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    @property
    def optional_columns(self) -> list[str]:
        return [column.name for column in self.columns if not column.required]


# The planners are the imports' own: the browser runs the very checks and writes of the
# management commands, with progress and a commit per chunk, which their entry points lack.
LAYOUTS: dict[str, ImportLayout] = {
    ImportKind.ACCOUNTS: ImportLayout(ACCOUNT_COLUMNS, AccountPlanner),
    ImportKind.CONTACTS: ImportLayout(CONTACT_COLUMNS, ContactPlanner),
    ImportKind.INTERACTIONS: ImportLayout(INTERACTION_COLUMNS, InteractionPlanner),
    ImportKind.ANSWERS: ImportLayout(RESPONSE_COLUMNS, run=run_response_import),
}


# --- upload and confirmation (web requests) ----------------------------------------------


def start_import_job(*, kind: str, uploaded_file: UploadedFile, user: Any) -> ImportJob:
    """Store an uploaded CSV file and queue its check; ValidationError says what to fix."""
    if kind not in LAYOUTS:
        raise ValidationError(_("Choose what the file holds."), code="kind")
    file_name = Path(uploaded_file.name or "").name
    _validate_upload(file_name, uploaded_file.size or 0)
    stored_name = f"{UPLOAD_DIRECTORY}/{uuid.uuid4().hex}.csv"
    path = Path(settings.DATA_DIR) / stored_name
    path.parent.mkdir(parents=True, exist_ok=True)
    line_breaks = 0
    ends_with_line_break = False
    with path.open("wb") as stored:
        for block in uploaded_file.chunks():
            stored.write(block)
            line_breaks += block.count(b"\n")
            ends_with_line_break = block.endswith((b"\n", b"\n\x00"))
    lines = line_breaks + (0 if ends_with_line_break else 1)
    try:
        with transaction.atomic():
            job = ImportJob(
                kind=kind,
                file_name=file_name[:255],
                stored_name=stored_name,
                size=uploaded_file.size,
                uploaded_by=user,
                rows_total=max(1, lines - 1),  # an estimate until the check counts the rows
            )
            job.full_clean()
            job.save()
            _enqueue_on_commit(job)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    logger.info("import job %s: %s stored as %s", job.pk, file_name, stored_name)
    return job


def _validate_upload(file_name: str, size: int) -> None:
    if Path(file_name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise ValidationError(
            _(
                "“%(name)s” is not a CSV file. Save it from your spreadsheet or CRM as CSV "
                "(a name ending in .csv or .txt) and upload that file."
            ),
            code="extension",
            params={"name": file_name},
        )
    if size == 0:
        raise ValidationError(
            _("“%(name)s” is empty. Export the data again and upload the new file."),
            code="empty",
            params={"name": file_name},
        )
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _(
                "“%(name)s” is %(size)s; a file can be up to %(limit)s. Split it into "
                "several files (each with the header line) and import them one after the other."
            ),
            code="too_big",
            params={
                "name": file_name,
                "size": filesizeformat(size),
                "limit": filesizeformat(MAX_UPLOAD_BYTES),
            },
        )


def confirm_import_job(*, job: ImportJob, skip_invalid: bool) -> None:
    """Queue the import of a checked file; refused while it has errors, unless they are skipped."""
    if job.status != ImportStatus.CHECKED:
        raise ValidationError(
            _("This file is %(status)s: only a checked file can be imported."),
            code="status",
            params={"status": job.get_status_display().lower()},
        )
    if job.invalid_rows and not skip_invalid:
        raise ValidationError(
            ngettext(
                "%(count)d row has errors: fix the file and upload it again, or tick "
                "“Skip the invalid rows” to import the others.",
                "%(count)d rows have errors: fix the file and upload it again, or tick "
                "“Skip the invalid rows” to import the others.",
                job.invalid_rows,
            ),
            code="invalid_rows",
            params={"count": job.invalid_rows},
        )
    with transaction.atomic():
        moved = _move(
            job,
            ImportStatus.CHECKED,
            ImportStatus.IMPORTING,
            skip_invalid=skip_invalid,
            rows_done=0,
            started_at=None,
        )
        if not moved:
            raise ValidationError(_("This file is already being imported."), code="status")
        job.refresh_from_db()
        _enqueue_on_commit(job)


def discard_import_job(*, job: ImportJob) -> None:
    """Forget an upload that was not imported: the job and its stored file."""
    discardable = (ImportStatus.CHECKING, ImportStatus.CHECKED, ImportStatus.INVALID)
    with transaction.atomic():
        deleted, _counts = ImportJob.objects.filter(pk=job.pk, status__in=discardable).delete()
        if not deleted:
            raise ValidationError(
                _("This file is %(status)s: it can no longer be cancelled."),
                code="status",
                params={"status": job.get_status_display().lower()},
            )
        path = job.path
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def retry_import_job(*, job: ImportJob) -> None:
    """Queue again a step that waited too long for a worker, or whose worker died."""
    if not job.can_retry:
        raise ValidationError(_("This file is being handled: wait a moment."), code="busy")
    with transaction.atomic():
        released = ImportJob.objects.filter(
            pk=job.pk, status=job.status, started_at=job.started_at, updated_at=job.updated_at
        ).update(started_at=None, updated_at=timezone.now())
        if released:
            job.refresh_from_db()
            _enqueue_on_commit(job)


def _enqueue_on_commit(job: ImportJob) -> None:
    """Queue the job's current step once committed. With the broker down the job waits, stored,
    until someone retries it."""
    step = "check" if job.status == ImportStatus.CHECKING else "run"
    enqueue_on_commit(f"accounts.{step}_import_job", job_id=job.pk)


# --- the steps (workers) --------------------------------------------------------------


def check_import_job(*, job_id: int) -> ImportJob | None:
    """Check the file (nothing written) and keep the result and a preview; None if not due."""
    job = _claim(job_id, ImportStatus.CHECKING)
    if job is None:
        return None
    layout = LAYOUTS[job.kind]
    try:
        with job.path.open("rb") as file:
            csv_file = open_csv(file, columns=layout.columns)
            preview = _preview(file, csv_file)
            result = layout.run_import(csv_file=csv_file, dry_run=True, progress=_progress(job))
    except (CsvImportError, FileNotFoundError) as error:
        _finish(job, ImportStatus.INVALID, checked_at=timezone.now(), error_message=_why(error))
        return job
    except BaseException:
        _release(job)
        raise
    _finish(
        job,
        ImportStatus.CHECKED,
        checked_at=timezone.now(),
        finished_at=None,
        check_result=_summary(result),
        preview=preview,
        rows_total=result.rows,
        rows_done=result.rows,
    )
    return job


def run_import_job(*, job_id: int) -> ImportJob | None:
    """Import a confirmed file, a chunk per transaction; None if not due. A second run of an
    interrupted import finds what was written unchanged and writes the rest."""
    job = _claim(job_id, ImportStatus.IMPORTING)
    if job is None:
        return None
    layout = LAYOUTS[job.kind]
    try:
        with job.path.open("rb") as file:
            result = layout.run_import(
                csv_file=open_csv(file, columns=layout.columns),
                skip_invalid=job.skip_invalid,
                progress=_progress(job),
            )
    except (CsvImportError, FileNotFoundError) as error:
        _finish(job, ImportStatus.FAILED, error_message=_why(error))
        return job
    except BaseException:
        _release(job)
        raise
    if result.written:
        _finish(job, ImportStatus.DONE, import_result=_summary(result))
    else:
        # The database changed since the check (an account the rows name was deleted).
        message = _(
            "Rows that were valid at the check are not any more, so nothing was imported. "
            "Upload the file again to see why."
        )
        _finish(job, ImportStatus.FAILED, import_result=_summary(result), error_message=message)
    return job


def fail_import_job(*, job_id: int, error: BaseException) -> None:
    """Record that a step stopped on an unexpected error, so that the page stops waiting."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not job.is_running:
        return
    message = _(
        "The worker stopped on an unexpected error (%(error)s). What was already imported "
        "stays; upload the file again to import the rest."
    ) % {"error": type(error).__name__}
    _finish(job, ImportStatus.FAILED, error_message=message)


def _claim(job_id: int, status: ImportStatus) -> ImportJob | None:
    """Take the job's step for this worker, unless another one has it (and is alive)."""
    now = timezone.now()
    free = Q(started_at__isnull=True) | Q(updated_at__lt=now - IMPORT_STALLED_AFTER)
    taken = ImportJob.objects.filter(free, pk=job_id, status=status).update(
        started_at=now, updated_at=now, rows_done=0
    )
    if not taken:
        logger.info("import job %s: not %s, or taken by another worker", job_id, status)
        return None
    return ImportJob.objects.get(pk=job_id)


def _release(job: ImportJob) -> None:
    """Give the step back to the queue (its task is retried, or someone retries it)."""
    ImportJob.objects.filter(pk=job.pk, status=job.status, started_at=job.started_at).update(
        started_at=None, updated_at=timezone.now()
    )


def _progress(job: ImportJob) -> Callable[[int], None]:
    def record(rows_done: int) -> None:
        ImportJob.objects.filter(pk=job.pk, status=job.status, started_at=job.started_at).update(
            rows_done=rows_done, updated_at=timezone.now()
        )

    return record


def _move(job: ImportJob, old: ImportStatus, new: ImportStatus, **fields: Any) -> bool:
    changed = ImportJob.objects.filter(pk=job.pk, status=old).update(
        status=new, updated_at=timezone.now(), **fields
    )
    if changed:
        logger.info("import job %s: %s -> %s", job.pk, old, new)
    return bool(changed)


def _finish(job: ImportJob, new: ImportStatus, **fields: Any) -> None:
    fields.setdefault("finished_at", timezone.now())
    _move(job, ImportStatus(job.status), new, started_at=None, **fields)


def _why(error: CsvImportError | FileNotFoundError) -> str:
    if isinstance(error, FileNotFoundError):
        return _("The uploaded file is no longer stored. Upload it again.")
    return str(error)


def _summary(result: ImportResult) -> dict[str, Any]:
    """The result as the job keeps it (JSON): counts, warnings and the first errors."""
    return {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "invalid_rows": result.invalid_rows,
        "history": result.history,
        "opening_cases": result.opening_cases,
        "warnings": result.warnings,
        "error_count": len(result.errors),
        "errors": [error.as_dict() for error in result.errors[:KEPT_ERRORS]],
    }


def _preview(file: IO[bytes], csv_file: CsvFile) -> dict[str, Any]:
    """The header and the first rows, cell by cell as read, each with its line number."""
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=csv_file.encoding, newline="")
    records: list[dict[str, Any]] = []
    try:
        reader = csv.reader(text, delimiter=csv_file.delimiter, strict=True)
        last_line = 0
        for record in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in record):
                records.append({"line": line, "cells": [_shortened(cell) for cell in record]})
                if len(records) > PREVIEW_ROWS:
                    break
    except (csv.Error, UnicodeDecodeError):
        pass  # the check reports the line to fix; the preview shows the rows before it
    finally:
        text.detach()
    if not records:
        return {}
    return {"header": records[0]["cells"], "rows": records[1:]}


def _shortened(cell: str) -> str:
    cell = cell.strip()
    return cell if len(cell) <= PREVIEW_CELL_LENGTH else cell[: PREVIEW_CELL_LENGTH - 1] + "…"


def forget_in_import_jobs(*, needles: Needles) -> int:
    """Blank what names an erased person in the checks, previews and results of import
    jobs, and delete the stored file of a finished job that holds their details (the job
    needs it no more). Returns how many jobs named them."""
    named = 0
    for job in ImportJob.objects.select_for_update().order_by("pk"):
        fields = {
            "check_result": scrub(job.check_result, needles),
            "preview": scrub(job.preview, needles),
            "import_result": scrub(job.import_result, needles),
            "error_message": scrub(job.error_message, needles),
        }
        file_named = not job.is_running and _file_names(job.path, needles)
        if file_named:
            path = job.path
            transaction.on_commit(lambda path=path: path.unlink(missing_ok=True))
        if any(getattr(job, name) != value for name, value in fields.items()) or file_named:
            ImportJob.objects.filter(pk=job.pk).update(**fields)
            named += 1
    return named


def _file_names(path: Path, needles: Needles) -> bool:
    try:
        content = path.read_bytes()
    except OSError:
        return False
    return needles.found_in(content.decode("utf-8", errors="replace"))
