"""CSV imports in the browser: admins upload a file, read the check, confirm, read the result.

The work is done by `imports.services.jobs` and its worker tasks; these pages
show where a job is. While a worker runs, the progress part of the page polls itself
every second (htmx), and reloads the whole page when the job has moved on.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from configure.permissions import admins_only
from imports.models import ImportJob, ImportKind
from imports.services import jobs

RECENT_JOBS = 20
ERRORS_PAGE_SIZE = 50
KIND_DESCRIPTIONS = {
    ImportKind.ACCOUNTS: gettext_lazy(
        "Your customers, one row per account, matched on their CRM id. Import them first."
    ),
    ImportKind.CONTACTS: gettext_lazy(
        "The people at your accounts, matched on their CRM id or email address."
    ),
    ImportKind.INTERACTIONS: gettext_lazy(
        "Meetings, tickets, emails and QBRs of your accounts: the history the 360° view shows."
    ),
    ImportKind.ANSWERS: gettext_lazy(
        "NPS answers collected elsewhere, years of them if you have them: each is followed "
        "up like an answer from the API, but those given before the case window are history, "
        "counted in NPS with no case."
    ),
}


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=ImportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what the file holds.")},
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        error_messages={
            "required": gettext_lazy("Choose the CSV file to import."),
            "empty": gettext_lazy(
                "The file is empty. Export the data again and upload the new file."
            ),
        },
    )


@admins_only
def import_list(request: HttpRequest) -> HttpResponse:
    """The upload form and the recent imports; an upload goes to its job's page."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.start_import_job(
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("configure-import", job_id=job.pk)
    context = {
        "section": "imports",
        "form": form,
        "kinds": _kinds(form),
        "max_size": filesizeformat(jobs.MAX_UPLOAD_BYTES),
        "jobs": ImportJob.objects.select_related("uploaded_by")[:RECENT_JOBS],
    }
    return render(request, "configure/imports.html", context, status=422 if form.errors else 200)


def _kinds(form: ImportUploadForm) -> list[dict]:
    """Each kind of file with its description and columns, for the radio buttons."""
    chosen = form["kind"].value() or ImportKind.ACCOUNTS
    return [
        {
            "value": kind.value,
            "label": kind.label,
            "checked": kind.value == chosen,
            "description": KIND_DESCRIPTIONS[kind],
            "layout": jobs.LAYOUTS[kind],
        }
        for kind in ImportKind
    ]


@admins_only
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """Where the job is: its progress, the check's preview and errors, or the result."""
    job = get_object_or_404(ImportJob.objects.select_related("uploaded_by"), pk=job_id)
    if request.htmx:
        # The progress polls; once the job moved on, the whole page has something else to say.
        if job.is_running:
            return render(request, "configure/import_job.html#progress", {"job": job})
        return HttpResponseClientRefresh()
    # The check's errors until the import ran, then those of the rows it skipped.
    errors = (job.import_result or job.check_result or {}).get("errors", [])
    context = {
        "section": "imports",
        "job": job,
        "check": job.check_result or {},
        "result": job.import_result or {},
        "errors_page": Paginator(errors, ERRORS_PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "configure/import_job.html", context)


@admins_only
@require_POST
def import_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    """Import the checked file, the invalid rows skipped when ticked."""
    job = get_object_or_404(ImportJob, pk=job_id)
    skip_invalid = request.POST.get("skip_invalid") == "1"
    try:
        jobs.confirm_import_job(job=job, skip_invalid=skip_invalid)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("configure-import", job_id=job.pk)


@admins_only
@require_POST
def import_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    """Forget the upload: nothing of it was imported."""
    job = get_object_or_404(ImportJob, pk=job_id)
    try:
        jobs.discard_import_job(job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("configure-import", job_id=job.pk)
    messages.info(
        request, _("“%(name)s” is cancelled: nothing was imported.") % {"name": job.file_name}
    )
    return redirect("configure-imports")


@admins_only
@require_POST
def import_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """Queue the job's step again when no worker took it, or its worker died."""
    job = get_object_or_404(ImportJob, pk=job_id)
    try:
        jobs.retry_import_job(job=job)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    return redirect("configure-import", job_id=job.pk)


urlpatterns = [
    path("imports/", import_list, name="configure-imports"),
    path("imports/<int:job_id>/", import_job, name="configure-import"),
    path("imports/<int:job_id>/confirm/", import_confirm, name="configure-import-confirm"),
    path("imports/<int:job_id>/cancel/", import_cancel, name="configure-import-cancel"),
    path("imports/<int:job_id>/retry/", import_retry, name="configure-import-retry"),
]
