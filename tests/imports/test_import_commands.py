import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, Contact, Interaction
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def accounts_csv(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name,segment\nACC-1,Acme,smb\nACC-2,Globex,giant\n")
    return path


def test_import_accounts_prints_what_it_did(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name\nACC-1,Acme\nACC-2,Globex\n")

    out, err = run("import_accounts", str(path))

    assert out == f"Accounts from {path}: 2 created, 0 updated, 0 unchanged, 0 skipped (2 rows).\n"
    assert err == ""
    assert Account.objects.count() == 2


def test_a_file_with_errors_fails_lists_each_error_and_imports_nothing(accounts_csv):
    err = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_accounts", str(accounts_csv), stdout=io.StringIO(), stderr=err)

    assert str(raised.value) == (
        "1 of 2 rows have errors (listed above): nothing was imported. "
        "Fix them, or pass --skip-invalid to import the other 1 row."
    )
    assert err.getvalue() == (
        "line 3: segment: 'giant' is not a segment: use one of smb, mid_market, enterprise.\n"
    )
    assert Account.objects.count() == 0


def test_skip_invalid_imports_the_rest_reports_the_errors_and_succeeds(accounts_csv):
    out, err = run("import_accounts", str(accounts_csv), "--skip-invalid")

    assert "1 created, 0 updated, 0 unchanged, 1 skipped (2 rows)." in out
    assert "line 3: segment: 'giant'" in err
    assert list(Account.objects.values_list("external_id", flat=True)) == ["ACC-1"]


def test_dry_run_reports_and_writes_nothing(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name\nACC-1,Acme\n")

    out, _ = run("import_accounts", str(path), "--dry-run")

    assert out.startswith(f"Dry run, nothing written. Accounts from {path}: 1 would be created,")
    assert Account.objects.count() == 0


def test_dry_run_of_a_file_with_errors_fails(accounts_csv):
    with pytest.raises(CommandError, match="nothing is written in a dry run"):
        run("import_accounts", str(accounts_csv), "--dry-run")


def test_second_run_reports_everything_unchanged(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("email,name\njane@acme.com,Jane\n")
    run("import_contacts", str(path))

    out, _ = run("import_contacts", str(path))

    assert "0 created, 0 updated, 1 unchanged" in out
    assert Contact.objects.count() == 1


def test_import_interactions_with_a_semicolon_latin1_file(tmp_path):
    AccountFactory(external_id="ACC-1")
    path = tmp_path / "interactions.csv"
    path.write_bytes(
        "Account External ID;Kind;Summary;Occurred at\n"
        "ACC-1;Réunion;Démo;2025-03-31\n"
        "ACC-1;Meeting;Démo produit;31/03/2025\n".encode("latin-1")
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_interactions", str(path), stdout=io.StringIO(), stderr=err)

    assert "warning: The file is not UTF-8; it was read as Windows-1252." in err.getvalue()
    assert "line 2: kind: 'Réunion' is not a kind of interaction: use one of sales," in (
        err.getvalue()
    )
    assert Interaction.objects.count() == 0


def test_warnings_go_to_stderr(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name,owner\nACC-1,Acme,Bob\n")

    _, err = run("import_accounts", str(path))

    assert err == "warning: Ignored columns (not part of this import): 'owner'.\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty: it needs a header line"),
        (b"external_id,name\n", "The file has a header line but no rows"),
        (b"id,label\n1,Acme\n", "Required columns missing: 'external_id', 'name'."),
        (b"PK\x03\x04\x14\x00\x00\x00", "This is an Excel workbook"),
        (b"\x00\x01\x02\x03 binary \x00", "This is a binary file, not a CSV file."),
        (b'external_id,name\nACC-1,"Acme\n', "Line 2 is not valid CSV (unexpected end of data)"),
        (b'external_id,name\nACC-1,"Acme" Inc\n', "Line 2 is not valid CSV"),
    ],
)
def test_file_problems_end_with_a_clear_message_not_a_traceback(tmp_path, content, message):
    path = tmp_path / "accounts.csv"
    path.write_bytes(content)

    with pytest.raises(CommandError) as raised:
        run("import_accounts", str(path))

    assert str(raised.value).startswith(f"{path}: {message}")


def test_a_file_that_cannot_be_opened_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing.csv: No such file or directory"):
        run("import_accounts", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="Cannot read .*: Is a directory"):
        run("import_accounts", str(tmp_path))


def test_column_map_renames_columns(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Id;Company\nACC-1;Acme\n")

    run("import_accounts", str(path), "--map", "id=external_id", "--map", "company=name")

    assert Account.objects.get().name == "Acme"


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("external_id", "--map expects FILE_COLUMN=COLUMN"),
        ("id=owner", "The column map names 'owner', which this import does not know."),
        ("ident=external_id", "The column map names 'ident', which the file does not have."),
    ],
)
def test_a_wrong_column_map_is_a_clear_error(tmp_path, pair, message):
    path = tmp_path / "crm.csv"
    path.write_text("id,name\nACC-1,Acme\n")

    with pytest.raises(CommandError, match=message):
        run("import_accounts", str(path), "--map", pair)
