"""Reading CSV files and their cells: pure functions, no database."""

import codecs
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.csv_import import (
    CellError,
    Column,
    CsvImportError,
    open_csv,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
)

COLUMNS = (Column("email", required=True, missing="every row needs one."), Column("name"))


def rows_of(data) -> list:
    if isinstance(data, str | bytes):
        file = io.StringIO(data) if isinstance(data, str) else io.BytesIO(data)
    else:
        file = data
    csv_file = open_csv(file, columns=COLUMNS)
    return [row for chunk in csv_file.chunks(2) for row in chunk]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1200.50", "1200.50"),
        ("1 200,50", "1200.50"),
        ("1\u00a0200\u202f000", "1200000"),
        ("7", "7"),
    ],
)
def test_numbers_take_a_decimal_point_or_comma_and_spaced_thousands(value, expected):
    assert parse_decimal(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["1,234.56", "12 €", "1.2.3", "--1"])
def test_ambiguous_or_decorated_numbers_are_refused(value):
    with pytest.raises(CellError):
        parse_decimal(value)


def test_dates_are_iso_or_day_first():
    assert parse_date("2025-03-09") == parse_date("09/03/2025") == dt.date(2025, 3, 9)


def test_a_naive_time_is_in_the_server_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"

    assert parse_datetime("2025-07-01 12:00") == dt.datetime(
        2025, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("America/New_York")
    )
    assert parse_datetime("01/07/2025 12:00:30").second == 30
    assert parse_datetime("2025-07-01T12:00:00Z").utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(("value", "expected"), [("Oui", True), ("NON", False), ("1", True)])
def test_yes_and_no_in_english_french_or_digits(value, expected):
    assert parse_bool(value) is expected


def test_rows_of_a_utf16_file_from_excel_are_read():
    data = codecs.BOM_UTF16_LE + "email\tname\njane@acme.com\tJosé\n".encode("utf-16-le")

    (row,) = rows_of(data)

    assert row.cells == {"email": "jane@acme.com", "name": "José"}


def test_rows_with_only_empty_cells_are_skipped_but_keep_line_numbers():
    rows = rows_of("email;name\n;;\njane@acme.com;Jane\n\n;\nbob@acme.com;Bob\n")

    assert [(row.line, row.cells["email"]) for row in rows] == [
        (3, "jane@acme.com"),
        (6, "bob@acme.com"),
    ]


def test_a_short_row_has_missing_cells_and_a_required_one_is_reported():
    (row,) = rows_of("name,email\nJane\n")

    assert row.cells == {"name": "Jane"}
    assert [str(error) for error in row.errors] == [
        "line 2: email: no value (empty or NA): every row needs one."
    ]


def test_text_input_is_accepted_as_is():
    (row,) = rows_of("\ufeffEmail,Name\n jane@acme.com , N/A \n")

    assert row.cells == {"email": "jane@acme.com"}


def test_two_columns_read_as_the_same_one_are_refused():
    with pytest.raises(CsvImportError, match="Two columns of the file are read as 'email'"):
        rows_of("Email,E-mail\na@b.co,c@d.co\n")


def test_a_browser_upload_is_read_like_a_file():
    upload = SimpleUploadedFile("contacts.csv", "email;name\njane@acme.com;Zoë\n".encode("cp1252"))

    (row,) = rows_of(upload)

    assert row.cells == {"email": "jane@acme.com", "name": "Zoë"}
    assert not upload.closed
