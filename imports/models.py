import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    INTERACTIONS = "interactions", _("Interactions")
    ANSWERS = "answers", _("NPS answers")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    INVALID = "invalid", _("Unreadable")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


# A queued step nobody took after this long is offered a retry (the broker or the worker
# may have been down); a step taken but silent this long is taken to have died with its worker.
IMPORT_WAIT_BEFORE_RETRY = dt.timedelta(seconds=30)
IMPORT_STALLED_AFTER = dt.timedelta(minutes=10)


class ImportJob(models.Model):
    """A CSV file uploaded in the browser: a worker checks it, an admin confirms, a worker imports.

    The file stays under DATA_DIR (`stored_name`), so a job waiting for a worker loses
    nothing. `rows_done` counts the rows handled by the running step: up to `rows_total`
    while checking (then an estimate from the file's lines), up to twice `rows_total`
    while importing (each row is checked again, then written).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=100, unique=True)  # relative to DATA_DIR
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    check_result = models.JSONField(null=True, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    import_result = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    # When a worker took the current step; empty while the step waits in the queue.
    started_at = models.DateTimeField(null=True, blank=True)
    # Every change, progress included: a running step that stops changing has died.
    updated_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table was created when jobs belonged to `accounts`: it keeps its name, so
        # moving the model moved no data (see migrations/0001_initial.py).
        db_table = "accounts_importjob"
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["-created_at"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ImportKind.values), name="import_job_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values),
                name="import_job_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def path(self) -> Path:
        return Path(settings.DATA_DIR) / self.stored_name

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def is_queued(self) -> bool:
        """Running, but no worker has taken the step yet."""
        return self.is_running and self.started_at is None

    @property
    def can_retry(self) -> bool:
        """The step waited too long for a worker, or its worker went silent."""
        if not self.is_running:
            return False
        waited = timezone.now() - self.updated_at
        if self.started_at is None:
            return waited > IMPORT_WAIT_BEFORE_RETRY
        return waited > IMPORT_STALLED_AFTER

    @property
    def percent_done(self) -> int:
        if not self.is_running:
            return 100
        total = self.rows_total * (2 if self.status == ImportStatus.IMPORTING else 1)
        return min(99, self.rows_done * 100 // total) if total else 0

    @property
    def rows_written(self) -> int:
        """While importing: the rows written so far (the second pass over the file)."""
        return max(0, self.rows_done - self.rows_total)

    @property
    def invalid_rows(self) -> int:
        return (self.check_result or {}).get("invalid_rows", 0)
