"""Admins import CSV files in the browser: upload, read the check, confirm, read the result.

The worker's steps are called here as the tasks call them (`check_import_job`,
`run_import_job`); the queue itself is exercised by tests/e2e/test_csv_import.py.
"""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from core import background
from core.roles import Role, set_role
from imports.csv_import import open_csv, run_import
from imports.models import ImportJob, ImportStatus
from imports.services import answers, jobs
from imports.services.customers import ACCOUNT_COLUMNS, AccountPlanner
from playbooks.models import Playbook
from surveys.models import Response
from tests.factories import AccountFactory, PlaybookFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "external_id,name,segment,arr\n"
GOOD_ROWS = "ACC-1,Acme,enterprise,1000\nACC-2,Globex,smb,2000\nACC-3,Initech,,\n"
ONE_BAD_ROW = HEADER + "ACC-1,Acme,enterprise,1000\nACC-2,Globex,smb,lots\nACC-3,Initech,,\n"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def upload(client, content: str | bytes, *, kind: str = "accounts", name: str = "crm.csv"):
    data = content.encode() if isinstance(content, str) else content
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("configure-imports"), {"kind": kind, "file": file})


def checked_job(client, content: str, captured, *, kind: str = "accounts") -> ImportJob:
    """Upload a file (its check is queued, not sent) and run the check as the worker would."""
    with captured():
        response = upload(client, content, kind=kind)
    job = ImportJob.objects.latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == reverse("configure-import", args=[job.pk])
    jobs.check_import_job(job_id=job.pk)
    job.refresh_from_db()
    return job


def confirm(client, job: ImportJob, captured, *, skip_invalid: bool = False):
    with captured():
        return client.post(
            reverse("configure-import-confirm", args=[job.pk]),
            {"skip_invalid": "1"} if skip_invalid else {},
            follow=True,
        )


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- who may import -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("configure-imports"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.CSM, Role.MANAGER])
def test_only_admins_see_imports(client, role):
    person = UserFactory()
    set_role(person, role)
    client.force_login(person)
    job = ImportJob.objects.create(kind="accounts", file_name="a.csv", stored_name="x", size=1)

    assert client.get(reverse("configure-imports")).status_code == 403
    assert client.get(reverse("configure-import", args=[job.pk])).status_code == 403
    assert client.post(reverse("configure-import-confirm", args=[job.pk])).status_code == 403
    assert upload(client, HEADER + GOOD_ROWS).status_code == 403


def test_admins_find_imports_in_the_configuration(as_admin):
    response = as_admin.get(reverse("configure-imports"))

    text = page_text(response)
    assert response.status_code == 200
    assert f'href="{reverse("configure-imports")}" aria-current="page"' in text
    assert "Upload and check" in text
    assert "<code>external_id</code>" in text  # the columns of each kind


# --- upload -------------------------------------------------------------------------------


def test_an_upload_is_stored_and_its_check_queued_once_committed(
    as_admin, admin_user, data_dir, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(background, "enqueue", lambda name, **kwargs: queued.append((name, kwargs)))

    with django_capture_on_commit_callbacks(execute=True):
        upload(as_admin, HEADER + GOOD_ROWS, name="crm export.csv")

    job = ImportJob.objects.get()
    assert (job.file_name, job.kind, job.status, job.uploaded_by) == (
        "crm export.csv",
        "accounts",
        ImportStatus.CHECKING,
        admin_user,
    )
    assert job.path.read_text() == HEADER + GOOD_ROWS
    assert job.path.is_relative_to(data_dir / "imports")
    assert queued == [("accounts.check_import_job", {"job_id": job.pk})]


def test_a_file_that_is_not_csv_is_refused(as_admin, data_dir):
    response = upload(as_admin, b"PK\x03\x04", name="accounts.xlsx")

    assert response.status_code == 422
    assert "“accounts.xlsx” is not a CSV file" in page_text(response)
    assert not ImportJob.objects.exists()
    assert not (data_dir / "imports").exists()


def test_an_empty_file_is_refused(as_admin):
    response = upload(as_admin, b"", name="accounts.csv")

    assert response.status_code == 422
    assert "The file is empty. Export the data again" in page_text(response)
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(as_admin, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 20)

    response = upload(as_admin, HEADER + GOOD_ROWS)

    assert response.status_code == 422
    assert "a file can be up to 20" in page_text(response)
    assert not ImportJob.objects.exists()


# --- check ----------------------------------------------------------------------------


def test_the_checked_file_shows_its_first_rows_and_each_error_with_its_line(
    as_admin, django_capture_on_commit_callbacks
):
    job = checked_job(as_admin, ONE_BAD_ROW, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.CHECKED
    response = as_admin.get(reverse("configure-import", args=[job.pk]))
    text = page_text(response)
    assert '<th scope="col">arr</th>' in text
    assert '<th scope="row" class="text-body-secondary">3</th><td>ACC-2</td><td>Globex</td>' in text
    assert "line 3</td><td><code>arr</code></td><td>&#x27;lots&#x27; is not a number" in text
    assert (job.check_result["created"], job.check_result["invalid_rows"]) == (2, 1)
    assert not Account.objects.exists()


def test_a_file_lacking_a_required_column_is_unreadable(
    as_admin, django_capture_on_commit_callbacks
):
    job = checked_job(as_admin, "name,arr\nAcme,10\n", django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.INVALID
    text = page_text(as_admin.get(reverse("configure-import", args=[job.pk])))
    assert "This file cannot be imported" in text
    assert "Required column missing: &#x27;external_id&#x27;" in text


def test_a_second_check_of_the_same_job_does_nothing(as_admin, django_capture_on_commit_callbacks):
    job = checked_job(as_admin, HEADER + GOOD_ROWS, django_capture_on_commit_callbacks)

    assert jobs.check_import_job(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


# --- import ---------------------------------------------------------------------------


def test_confirming_imports_the_file_and_shows_the_summary(
    as_admin, django_capture_on_commit_callbacks
):
    job = checked_job(as_admin, HEADER + GOOD_ROWS, django_capture_on_commit_callbacks)

    confirm(as_admin, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING
    jobs.run_import_job(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.import_result["created"], job.import_result["skipped"]) == (3, 0)
    assert set(Account.objects.values_list("external_id", flat=True)) == {"ACC-1", "ACC-2", "ACC-3"}
    text = page_text(as_admin.get(reverse("configure-import", args=[job.pk])))
    assert '<dt class="figure-label">created</dt><dd class="figure-value">3</dd>' in text


def test_a_file_with_a_bad_row_imports_only_when_invalid_rows_are_skipped(
    as_admin, django_capture_on_commit_callbacks
):
    job = checked_job(as_admin, ONE_BAD_ROW, django_capture_on_commit_callbacks)

    refused = confirm(as_admin, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert "1 row has errors" in page_text(refused)
    assert job.status == ImportStatus.CHECKED

    confirm(as_admin, job, django_capture_on_commit_callbacks, skip_invalid=True)
    jobs.run_import_job(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.import_result["created"], job.import_result["skipped"]) == (2, 1)
    assert set(Account.objects.values_list("external_id", flat=True)) == {"ACC-1", "ACC-3"}
    text = page_text(as_admin.get(reverse("configure-import", args=[job.pk])))
    assert "line 3</td><td><code>arr</code>" in text  # the skipped row, to fix


def test_importing_the_same_file_again_creates_nothing(
    as_admin, django_capture_on_commit_callbacks
):
    first = checked_job(as_admin, HEADER + GOOD_ROWS, django_capture_on_commit_callbacks)
    confirm(as_admin, first, django_capture_on_commit_callbacks)
    jobs.run_import_job(job_id=first.pk)

    again = checked_job(as_admin, HEADER + GOOD_ROWS, django_capture_on_commit_callbacks)
    assert (again.check_result["created"], again.check_result["unchanged"]) == (0, 3)
    confirm(as_admin, again, django_capture_on_commit_callbacks)
    jobs.run_import_job(job_id=again.pk)

    again.refresh_from_db()
    assert (again.import_result["created"], again.import_result["unchanged"]) == (0, 3)
    assert Account.objects.count() == 3


def test_rows_that_became_invalid_since_the_check_import_nothing(
    as_admin, django_capture_on_commit_callbacks
):
    AccountFactory(external_id="ACC-9")
    content = "email,account_external_id\njane@acme.test,ACC-9\n"
    job = checked_job(as_admin, content, django_capture_on_commit_callbacks, kind="contacts")
    confirm(as_admin, job, django_capture_on_commit_callbacks)
    Account.objects.filter(external_id="ACC-9").delete()

    jobs.run_import_job(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    text = page_text(as_admin.get(reverse("configure-import", args=[job.pk])))
    assert "nothing was imported" in text
    assert "line 2</td><td><code>account_external_id</code>" in text


# --- progress, waiting, cancelling --------------------------------------------------------


def test_an_import_committing_each_chunk_reports_its_progress_after_each_chunk_of_both_passes():
    content = HEADER + "".join(f"ACC-{n},Account {n},,\n" for n in range(5))
    seen: list[int] = []

    run_import(
        csv_file=open_csv(io.BytesIO(content.encode()), columns=ACCOUNT_COLUMNS),
        planner=AccountPlanner,
        chunk_size=2,
        commit_each_chunk=True,
        progress=seen.append,
    )

    assert seen == [2, 4, 5, 7, 9, 10]  # checked, then written
    assert Account.objects.count() == 5


def test_an_import_in_one_transaction_reads_the_file_once():
    content = HEADER + "".join(f"ACC-{n},Account {n},,\n" for n in range(5))
    seen: list[int] = []

    result = run_import(
        csv_file=open_csv(io.BytesIO(content.encode()), columns=ACCOUNT_COLUMNS),
        planner=AccountPlanner,
        chunk_size=2,
        progress=seen.append,
    )

    assert seen == [2, 4, 5]  # each chunk checked and written
    assert (result.written, result.created, Account.objects.count()) == (True, 5, 5)


def test_the_progress_bar_shows_the_rows_done_while_a_worker_checks(as_admin):
    job = ImportJob.objects.create(
        kind="accounts",
        file_name="a.csv",
        stored_name="imports/a.csv",
        size=10,
        rows_total=200,
        rows_done=50,
        started_at=timezone.now(),
    )

    response = as_admin.get(reverse("configure-import", args=[job.pk]), HTTP_HX_REQUEST="true")

    text = page_text(response)
    assert 'hx-trigger="every 1s"' in text
    assert 'aria-valuenow="25"' in text
    assert "50 of about 200 rows checked" in text


def test_the_progress_stops_polling_and_reloads_the_page_once_the_job_moved_on(
    as_admin, django_capture_on_commit_callbacks
):
    job = checked_job(as_admin, HEADER + GOOD_ROWS, django_capture_on_commit_callbacks)

    response = as_admin.get(reverse("configure-import", args=[job.pk]), HTTP_HX_REQUEST="true")

    assert response["HX-Refresh"] == "true"


def test_a_job_no_worker_took_can_be_queued_again(
    as_admin, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks():
        upload(as_admin, HEADER + GOOD_ROWS)  # the broker was down: the check never went out
    job = ImportJob.objects.get()
    ImportJob.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=1))
    assert "No worker has taken this file yet" in page_text(
        as_admin.get(reverse("configure-import", args=[job.pk]))
    )
    queued = []
    monkeypatch.setattr(background, "enqueue", lambda name, **kwargs: queued.append((name, kwargs)))

    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(reverse("configure-import-retry", args=[job.pk]))

    assert queued == [("accounts.check_import_job", {"job_id": job.pk})]


def test_cancelling_a_checked_file_forgets_it(as_admin, django_capture_on_commit_callbacks):
    job = checked_job(as_admin, HEADER + GOOD_ROWS, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(reverse("configure-import-cancel", args=[job.pk]), follow=True)

    assert "“crm.csv” is cancelled: nothing was imported." in page_text(response)
    assert not ImportJob.objects.exists()
    assert not job.path.exists()
    assert not Account.objects.exists()


# --- answers: the set-based import in the browser -------------------------------------------

ANSWERS = "external_id,email,score,answered_at\n"


def test_a_checked_answers_file_says_how_many_answers_are_history_and_how_many_open_cases(
    as_admin, django_capture_on_commit_callbacks
):
    Playbook.objects.update(active=False)
    PlaybookFactory(for_detractors=True)
    long_ago = (timezone.now() - dt.timedelta(days=400)).date().isoformat()
    content = ANSWERS + f"S-1,a@acme.com,2,{long_ago}\nS-2,b@acme.com,3,\nS-3,c@acme.com,10,\n"

    job = checked_job(as_admin, content, django_capture_on_commit_callbacks, kind="answers")

    assert (job.check_result["history"], job.check_result["opening_cases"]) == (1, 1)
    text = page_text(as_admin.get(reverse("configure-import", args=[job.pk])))
    assert (
        "Of the answers to create, 1 is history (answered before the case window: counted in "
        "NPS, no case). Cases to open: 1." in text
    )


def test_an_imported_answers_file_says_how_many_answers_were_history_and_cases_to_open(
    as_admin, django_capture_on_commit_callbacks
):
    Playbook.objects.update(active=False)
    PlaybookFactory(for_detractors=True)
    long_ago = (timezone.now() - dt.timedelta(days=400)).date().isoformat()
    rows = "".join(f"H-{n},h{n}@acme.com,2,{long_ago}\n" for n in range(3))
    content = ANSWERS + rows + "S-1,b@acme.com,3,\nS-2,c@acme.com,10,\n"
    job = checked_job(as_admin, content, django_capture_on_commit_callbacks, kind="answers")
    confirm(as_admin, job, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks():  # the engine's work, queued, is not sent
        jobs.run_import_job(job_id=job.pk)

    text = page_text(as_admin.get(reverse("configure-import", args=[job.pk])))
    assert "Imported on" in text
    assert (
        "Of the answers created, 3 are history (answered before the case window: counted in "
        "NPS, no case). Cases to open: 1, as the worker takes the answers." in text
    )


def test_confirming_an_answers_file_imports_it_with_progress_after_each_batch(
    as_admin, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(answers, "RESPONSE_CHUNK_SIZE", 2)
    content = ANSWERS + "".join(f"S-{n},p{n}@acme.com,{n},\n" for n in range(5))
    job = checked_job(as_admin, content, django_capture_on_commit_callbacks, kind="answers")
    confirm(as_admin, job, django_capture_on_commit_callbacks)
    seen: list[int] = []
    monkeypatch.setattr(jobs, "_progress", lambda job: seen.append)

    with django_capture_on_commit_callbacks():
        jobs.run_import_job(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.import_result["created"] == 5
    assert Response.objects.count() == 5
    assert seen == [2, 4, 5, 7, 9, 10]  # checked and staged, then written
