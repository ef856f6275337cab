import datetime as dt
import io
from decimal import Decimal

import pytest

from accounts.models import Account, Segment
from imports.csv_import import CsvImportError, open_csv, run_import
from imports.services.customers import ACCOUNT_COLUMNS, AccountPlanner, import_accounts
from tests.factories import AccountDomainFactory, AccountFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "external_id,name,domains,segment,tier,arr,currency,renewal_date,csm_email\n"


def csv_file(content: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(content.encode(encoding))


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


def test_good_file_creates_accounts_with_their_domains_and_csm():
    csm = UserFactory(email="Camille@nps-loop.test")
    result = import_accounts(
        file=csv_file(
            HEADER
            + "ACC-1,Acme,acme.com;acme.fr,enterprise,Gold,250000.50,USD,2026-09-30,"
            + "camille@nps-loop.test\n"
            + "ACC-2,Globex,,smb,,,,,\n"
        )
    )

    assert (result.created, result.updated, result.unchanged, result.errors) == (2, 0, 0, [])
    assert result.written
    acme = Account.objects.get(external_id="ACC-1")
    assert acme.name == "Acme"
    assert acme.domain_list == ["acme.com", "acme.fr"]
    assert acme.segment == Segment.ENTERPRISE
    assert acme.arr == Decimal("250000.50")
    assert acme.currency == "USD"
    assert acme.renewal_date == dt.date(2026, 9, 30)
    assert acme.csm == csm
    globex = Account.objects.get(external_id="ACC-2")
    assert (globex.arr, globex.renewal_date, globex.csm, globex.domain_list) == (0, None, None, [])


def test_importing_the_same_file_again_changes_nothing():
    content = HEADER + "ACC-1,Acme,acme.com,enterprise,Gold,1000,EUR,2026-09-30,\n"
    import_accounts(file=csv_file(content))
    before = Account.objects.get().updated_at

    again = import_accounts(file=csv_file(content))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Account.objects.get().updated_at == before


def test_a_changed_row_updates_the_account_and_replaces_its_domains():
    account = AccountFactory(external_id="ACC-1", name="Acme", tier="Gold")
    AccountDomainFactory(account=account, domain="old-acme.com")
    AccountDomainFactory(account=account, domain="acme.com")

    result = import_accounts(
        file=csv_file("external_id,name,domains,tier\nACC-1,Acme Corp,acme.com acme.io,\n")
    )

    assert (result.created, result.updated) == (0, 1)
    account.refresh_from_db()
    assert account.name == "Acme Corp"
    assert account.tier == ""  # an empty cell clears the field
    assert account.domain_list == ["acme.com", "acme.io"]


def test_a_column_the_file_lacks_leaves_the_field_alone():
    AccountFactory(external_id="ACC-1", tier="Gold", arr=Decimal("5000"))

    import_accounts(file=csv_file("external_id,name\nACC-1,Acme\n"))

    account = Account.objects.get()
    assert (account.tier, account.arr) == ("Gold", Decimal("5000"))


def test_currency_defaults_to_the_configured_one(settings):
    settings.NPS_DEFAULT_CURRENCY = "CHF"

    import_accounts(file=csv_file("external_id,name,currency\nACC-1,Acme,\n"))

    assert Account.objects.get().currency == "CHF"


def test_french_excel_file_in_latin1_with_semicolons_is_understood():
    content = (
        "External ID;Nom du client;Name;Segment;ARR;Renewal Date\n"
        "ACC-7;ignored;Société Générale;Mid-market;1 200 000,50;31/12/2026\n"
    )

    result = import_accounts(file=csv_file(content, encoding="latin-1"))

    assert result.errors == []
    account = Account.objects.get()
    assert account.name == "Société Générale"
    assert account.segment == Segment.MID_MARKET
    assert account.arr == Decimal("1200000.50")
    assert account.renewal_date == dt.date(2026, 12, 31)


def test_utf8_file_with_a_byte_order_mark_is_read():
    content = "\ufeffexternal_id,name\nACC-1,Zoë & Co\n"

    result = import_accounts(file=csv_file(content))

    assert result.errors == []
    assert Account.objects.get().name == "Zoë & Co"
    assert not any("UTF-8" in warning for warning in result.warnings)


def test_a_file_that_is_not_utf8_says_how_it_was_read():
    result = import_accounts(file=csv_file("external_id,name\nACC-1,Café\n", encoding="cp1252"))

    assert Account.objects.get().name == "Café"
    assert any("read as Windows-1252" in warning for warning in result.warnings)


def test_choices_are_accepted_by_code_or_label_in_any_case():
    import_accounts(
        file=csv_file(
            "external_id,name,segment\nA1,One,Mid-market\nA2,Two,MID_MARKET\nA3,Three,mid market\n"
        )
    )

    assert set(Account.objects.values_list("segment", flat=True)) == {Segment.MID_MARKET}


def test_spaces_and_na_values_are_trimmed_and_missing():
    import_accounts(
        file=csv_file("external_id,name,tier,arr,renewal_date\n  ACC-1 ,  Acme  ,N/A,NA,na\n")
    )

    account = Account.objects.get()
    assert (account.external_id, account.name, account.tier) == ("ACC-1", "Acme", "")
    assert (account.arr, account.renewal_date) == (0, None)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",Acme,,,,,,,", "line 2: external_id: no value (empty or NA): every account needs"),
        ("ACC-1,NA,,,,,,,", "line 2: name: no value (empty or NA): every account needs a name"),
        ("ACC-1,Acme,,giant,,,,,", "line 2: segment: 'giant' is not a segment: use one of smb"),
        ("ACC-1,Acme,,,,-5,,,", "line 2: arr: '-5' is negative"),
        ("ACC-1,Acme,,,,12k€,,,", "line 2: arr: '12k€' is not a number"),
        ('ACC-1,Acme,,,,"1,234.5",,,', "line 2: arr: '1,234.5' mixes ',' and '.'"),
        ("ACC-1,Acme,,,,10.555,,,", "line 2: arr: '10.555' has more than 2 decimals"),
        ("ACC-1,Acme,,,,,euros,,", "line 2: currency: 'euros' is not a currency code"),
        ("ACC-1,Acme,,,,,,31/02/2026,", "line 2: renewal_date: '31/02/2026' is not a day"),
        ("ACC-1,Acme,,,,,,2026.09.30,", "write it as YYYY-MM-DD or DD/MM/YYYY"),
        ("ACC-1,Acme,acme.com bad!,,,,,,", "line 2: domains: 'bad!' is not an email domain"),
        ("ACC-1,Acme,,,,,,,ghost@nps-loop.test", "line 2: csm_email: no user has the email"),
        ("ACC-1,Acme,,,,,,,not-an-email", "line 2: csm_email: 'not-an-email' is not an email"),
        ("ACC-1," + "x" * 201 + ",,,,,,,", "line 2: name: is 201 characters long; shorten it"),
    ],
)
def test_each_bad_cell_is_reported_with_its_line_column_and_fix(row, expected):
    result = import_accounts(file=csv_file(HEADER + row + "\n"))

    assert any(expected in message for message in messages(result))
    assert Account.objects.count() == 0


def test_a_repeated_external_id_is_an_error_on_the_second_line():
    result = import_accounts(file=csv_file("external_id,name\nACC-1,Acme\nACC-1,Acme bis\n"))

    assert messages(result) == [
        "line 3: external_id: 'ACC-1' is also on line 2: keep one row per account."
    ]


def test_a_file_with_one_bad_row_imports_nothing():
    result = import_accounts(
        file=csv_file("external_id,name,segment\nACC-1,Acme,smb\nACC-2,Globex,giant\n")
    )

    assert not result.written
    assert (result.invalid_rows, result.created) == (1, 0)
    assert Account.objects.count() == 0


def test_bad_rows_in_later_chunks_undo_the_chunks_written_before_and_are_all_reported():
    rows = [f"ACC-{n},Account {n},smb" for n in range(7)]
    rows[3] = "ACC-3,Account 3,giant"
    rows[6] = "ACC-6,,smb"
    content = "external_id,name,segment\n" + "\n".join(rows) + "\n"

    result = run_import(
        csv_file=open_csv(csv_file(content), columns=ACCOUNT_COLUMNS),
        planner=AccountPlanner,
        chunk_size=2,
    )

    assert not result.written
    assert (result.rows, result.invalid_rows, result.created, result.skipped) == (7, 2, 0, 0)
    assert [error.split(":")[0] for error in messages(result)] == ["line 5", "line 8"]
    assert Account.objects.count() == 0


def test_skip_invalid_in_chunks_writes_every_good_row():
    rows = [f"ACC-{n},Account {n},smb" for n in range(7)]
    rows[3] = "ACC-3,Account 3,giant"
    content = "external_id,name,segment\n" + "\n".join(rows) + "\n"

    result = run_import(
        csv_file=open_csv(csv_file(content), columns=ACCOUNT_COLUMNS),
        planner=AccountPlanner,
        chunk_size=2,
        skip_invalid=True,
    )

    assert (result.written, result.created, result.skipped) == (True, 6, 1)
    assert Account.objects.count() == 6


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad_ones():
    result = import_accounts(
        file=csv_file("external_id,name,segment\nACC-1,Acme,smb\nACC-2,Globex,giant\n"),
        skip_invalid=True,
    )

    assert (result.created, result.skipped) == (1, 1)
    assert messages(result)[0].startswith("line 3: segment:")
    assert list(Account.objects.values_list("external_id", flat=True)) == ["ACC-1"]


def test_dry_run_writes_nothing_and_says_what_would_change():
    AccountFactory(external_id="ACC-1", name="Acme")

    result = import_accounts(
        file=csv_file("external_id,name\nACC-1,Acme Corp\nACC-2,Globex\n"), dry_run=True
    )

    assert (result.created, result.updated, result.written) == (1, 1, False)
    assert Account.objects.get().name == "Acme"


def test_line_numbers_are_physical_lines_of_the_file():
    content = (
        "external_id,name,segment\n"
        "\n"  # blank lines are skipped but counted
        'ACC-1,"Acme\nEurope",smb\n'  # a quoted cell over two lines
        "ACC-2,Globex,giant\n"
    )

    result = import_accounts(file=csv_file(content))

    assert messages(result) == [
        "line 5: segment: 'giant' is not a segment: use one of smb, mid_market, enterprise."
    ]


def test_a_row_with_an_unquoted_delimiter_is_reported_once():
    result = import_accounts(file=csv_file("external_id;name;tier\nACC-1;Acme; Inc;Gold\n"))

    assert messages(result) == [
        "line 2: row: has 4 cells but the header has 3: put quotes around values that contain ';'."
    ]


def test_unknown_columns_are_ignored_and_listed_once():
    result = import_accounts(
        file=csv_file("external_id,name,Owner,Region\nACC-1,Acme,Bob,EU\nACC-2,Globex,Al,US\n")
    )

    assert result.created == 2
    assert result.warnings == ["Ignored columns (not part of this import): 'Owner', 'Region'."]


def test_header_names_are_matched_whatever_their_case_and_spacing():
    result = import_accounts(
        file=csv_file(" External ID ,NAME,Renewal-Date\nACC-1,Acme,2026-01-31\n")
    )

    assert result.errors == []
    assert Account.objects.get().renewal_date == dt.date(2026, 1, 31)


def test_a_column_map_reads_other_column_names():
    import_accounts(
        file=csv_file("crm_id,company\nACC-1,Acme\n"),
        column_map={"crm_id": "external_id", "Company": "name"},
    )

    assert Account.objects.get().name == "Acme"


def test_a_missing_required_column_rejects_the_file():
    with pytest.raises(CsvImportError, match="Required column missing: 'name'"):
        import_accounts(file=csv_file("external_id,segment\nACC-1,smb\n"))


@pytest.mark.parametrize("content", ["", "\n  \n", "external_id,name\n"])
def test_an_empty_file_is_rejected(content):
    with pytest.raises(CsvImportError, match="empty|no rows"):
        import_accounts(file=csv_file(content))


def test_an_excel_workbook_is_rejected_with_the_way_out():
    with pytest.raises(CsvImportError, match="Excel workbook.*CSV UTF-8"):
        import_accounts(file=io.BytesIO(b"PK\x03\x04\x14\x00\x06\x00rest of a zip"))
