import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Contact
from imports.csv_import import CsvImportError
from imports.services import answers
from imports.services.answers import import_responses
from surveys.models import Campaign, Category, Response, Source
from surveys.signals import response_batch_recorded, response_recorded, response_updated
from tests.factories import AccountDomainFactory, AccountFactory, CampaignFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,email,score,comment,answered_at,account_external_id,contact_name,language,"
    "campaign\n"
)

# The header and four answers of nps.csv, a real French survey published under CC0-1.0
# (public repository BenaventC/NPSgame), byte for byte: Latin-1, NA for missing values,
# an unnamed first column, and neither email nor account.
BOTANIC_SLICE = (
    b'"","id","nps","satisfaction","intention","explication","NbPassageKS","CaTicket","t"\n'
    b'"1",2368,10,10,10,NA,23,12.85,11\n'
    b'"2",2482,7,7,7,"Il y a tr\xe8s peu de caisse ouverte et le d\xe9lai d\'attente est '
    b'particuli\xe8rement long!!!!",18,34.9,11\n'
    b'"29",7124,8,8,8,"prix trop \xe9lev\xe9s",7,166.54,10\n'
    b'"36",8056,NA,7,NA,NA,9,23.2,10\n'
)
BOTANIC_MAP = {"id": "external_id", "nps": "score", "explication": "comment"}


def csv_file(content: str | bytes, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(content if isinstance(content, bytes) else content.encode(encoding))


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


@pytest.fixture
def signals():
    """What the engine is told: the new answers queued for processing (in bulk, once their
    batch commits), and the corrections (`response_updated`, which re-routes their cases)."""
    sent = {"recorded": [], "updated": []}

    def on_recorded(sender, response, **kwargs):
        sent["recorded"].append(response.external_id)

    def on_batch(sender, response_ids, history_ids=(), **kwargs):
        sent["recorded"].extend(
            Response.objects.filter(pk__in=[*response_ids, *history_ids])
            .order_by("pk")
            .values_list("external_id", flat=True)
        )

    def on_updated(sender, response, fields, **kwargs):
        sent["updated"].append((response.external_id, fields))

    response_recorded.connect(on_recorded)
    response_batch_recorded.connect(on_batch)
    response_updated.connect(on_updated)
    yield sent
    response_recorded.disconnect(on_recorded)
    response_batch_recorded.disconnect(on_batch)
    response_updated.disconnect(on_updated)


@pytest.fixture
def acme():
    account = AccountFactory(external_id="ACC-1")
    AccountDomainFactory(account=account, domain="acme.com")
    return account


def test_good_file_records_each_answer_as_a_csv_answer(acme, signals):
    result = import_responses(
        file=csv_file(
            HEADER
            + "S-1,Jane@Acme.com,3,Too slow,2025-03-31T10:00:00Z,,Jane Doe,fr,Spring 2025\n"
            + "S-2,bob@acme.com,10,,,ACC-1,,,spring 2025\n"
        )
    )

    assert (result.created, result.errors) == (2, [])
    assert signals["recorded"] == ["S-1", "S-2"]
    jane = Response.objects.get(external_id="S-1")
    assert (jane.source, jane.score, jane.category, jane.comment) == (
        Source.CSV,
        3,
        Category.DETRACTOR,
        "Too slow",
    )
    assert jane.answered_at == dt.datetime(2025, 3, 31, 10, tzinfo=dt.UTC)
    assert (jane.account, jane.contact.email, jane.contact.name) == (
        acme,
        "jane@acme.com",
        "Jane Doe",
    )
    assert jane.campaign == Response.objects.get(external_id="S-2").campaign
    assert Campaign.objects.get().name == "Spring 2025"
    assert "No campaign is named 'Spring 2025' yet: the import creates it." in result.warnings


def test_an_answer_from_an_unknown_company_is_stored_unmatched():
    result = import_responses(
        file=csv_file("external_id,email,score\nS-1,someone@unknown.example,6\n")
    )

    assert result.created == 1
    answer = Response.objects.get()
    assert answer.account is None
    assert answer.contact.account is None


def test_an_account_id_nobody_has_is_a_warning_not_an_error(acme):
    result = import_responses(
        file=csv_file("external_id,email,score,account_external_id\nS-1,jane@acme.com,9,ACC-404\n")
    )

    assert result.created == 1
    assert Response.objects.get().account == acme  # matched on the email's domain instead
    assert result.warnings == [
        "Lines 2 name an account_external_id that no account has: those answers are matched "
        "on the email's domain, or stored unmatched."
    ]


def test_importing_the_same_file_again_creates_nothing(acme, signals):
    content = HEADER + "S-1,jane@acme.com,3,Too slow,2025-03-31,,,,Spring\n"
    import_responses(file=csv_file(content))

    again = import_responses(file=csv_file(content))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Response.objects.count() == 1
    assert signals["recorded"] == ["S-1"]
    assert signals["updated"] == []


def test_a_corrected_score_updates_the_stored_answer(acme, signals):
    import_responses(file=csv_file("external_id,email,score\nS-1,jane@acme.com,3\n"))

    result = import_responses(
        file=csv_file("external_id,email,score,comment\nS-1,jane@acme.com,9,Fixed now\n")
    )

    assert result.updated == 1
    answer = Response.objects.get()
    assert (answer.score, answer.category, answer.comment) == (9, Category.PROMOTER, "Fixed now")
    assert signals["updated"] == [("S-1", ["score", "comment"])]


def test_a_row_older_than_the_stored_version_changes_nothing(acme, signals):
    header = "external_id,email,score,updated_at\n"
    import_responses(file=csv_file(header + "S-1,jane@acme.com,3,2026-01-10 12:00\n"))

    older = import_responses(file=csv_file(header + "S-1,jane@acme.com,9,2026-01-10 11:00\n"))
    newer = import_responses(file=csv_file(header + "S-1,jane@acme.com,2,2026-01-11 08:00\n"))

    assert (older.updated, older.unchanged) == (0, 1)
    assert newer.updated == 1
    answer = Response.objects.get()
    assert answer.score == 2
    assert answer.source_updated_at == dt.datetime(2026, 1, 11, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",jane@acme.com,9", "line 2: external_id: no value (empty or NA): every answer needs"),
        ("S-1,NA,9", "line 2: email: no value (empty or NA): every answer needs the email"),
        ("S-1,jane(at)acme,9", "line 2: email: 'jane(at)acme' is not a valid email address."),
        ("S-1,jane@acme.com,N/A", "line 2: score: no value (empty or NA): every answer needs"),
        ("S-1,jane@acme.com,11", "line 2: score: The score must be a whole number from 0 to 10."),
        ("S-1,jane@acme.com,great", "from 0 to 10. Got 'great'."),
    ],
)
def test_each_bad_required_cell_is_reported_with_its_line_column_and_fix(row, expected):
    result = import_responses(file=csv_file("external_id,email,score\n" + row + "\n"))

    assert any(expected in message for message in messages(result)), messages(result)
    assert Response.objects.count() == 0


def test_an_answer_dated_in_the_future_is_an_error():
    tomorrow = (timezone.now() + dt.timedelta(days=1)).isoformat()

    result = import_responses(
        file=csv_file(f"external_id,email,score,answered_at\nS-1,jane@acme.com,9,{tomorrow}\n")
    )

    assert messages(result) == [
        f"line 2: answered_at: The answer date is in the future. Got '{tomorrow}'."
    ]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("answered_at", "yesterday", "answered_at: 'yesterday' is not a date and time"),
        ("language", "klingon", "language: 'klingon' is not a language code"),
        ("campaign", "x" * 201, "campaign: is 201 characters long; shorten it to at most 200."),
    ],
)
def test_each_bad_optional_cell_is_reported(column, value, expected):
    result = import_responses(
        file=csv_file(f"external_id,email,score,{column}\nS-1,jane@acme.com,9,{value}\n")
    )

    assert [message for message in messages(result) if expected in message], messages(result)
    assert Response.objects.count() == 0


def test_a_repeated_external_id_is_an_error_even_across_chunks(monkeypatch):
    monkeypatch.setattr(answers, "RESPONSE_CHUNK_SIZE", 2)

    result = import_responses(
        file=csv_file(
            "external_id,email,score\n"
            "S-1,a@acme.com,9\nS-2,b@acme.com,9\nS-3,c@acme.com,9\nS-1,d@acme.com,2\n"
        )
    )

    assert messages(result) == [
        "line 5: external_id: 'S-1' is also on line 2: keep one row per answer."
    ]


def test_a_file_with_one_bad_row_records_nothing(signals):
    result = import_responses(
        file=csv_file("external_id,email,score\nS-1,jane@acme.com,9\nS-2,bob@acme.com,12\n")
    )

    assert not result.written
    assert Response.objects.count() == 0
    assert signals["recorded"] == []


def test_skip_invalid_records_the_good_rows_of_every_chunk(monkeypatch):
    monkeypatch.setattr(answers, "RESPONSE_CHUNK_SIZE", 2)

    result = import_responses(
        file=csv_file(
            "external_id,email,score\n"
            "S-1,a@acme.com,9\nS-2,b@acme.com,12\nS-3,c@acme.com,7\nS-4,d@acme.com,0\n"
        ),
        skip_invalid=True,
    )

    assert (result.created, result.skipped) == (3, 1)
    assert sorted(Response.objects.values_list("external_id", flat=True)) == ["S-1", "S-3", "S-4"]


def test_dry_run_records_nothing_and_creates_no_campaign(acme):
    CampaignFactory(name="Spring")
    import_responses(file=csv_file("external_id,email,score\nS-1,jane@acme.com,3\n"))

    result = import_responses(
        file=csv_file(
            "external_id,email,score,campaign\n"
            "S-1,jane@acme.com,3,Spring\nS-2,jane@acme.com,9,Autumn\nS-3,bob@acme.com,8,SPRING\n"
        ),
        dry_run=True,
    )

    assert (result.created, result.updated, result.unchanged, result.written) == (2, 0, 1, False)
    assert Response.objects.count() == 1
    assert list(Campaign.objects.values_list("name", flat=True)) == ["Spring"]
    assert result.warnings == ["No campaign is named 'Autumn' yet: the import creates it."]


def test_a_semicolon_file_with_decimal_comma_habits_is_read():
    result = import_responses(
        file=csv_file(
            "External ID;Email;Score;Comment\nS-1;jane@acme.com;7;Bien, mais cher\n",
            encoding="cp1252",
        )
    )

    assert result.created == 1
    assert Response.objects.get().comment == "Bien, mais cher"


def test_the_botanic_survey_file_lacks_the_columns_an_answer_needs():
    with pytest.raises(CsvImportError) as raised:
        import_responses(file=csv_file(BOTANIC_SLICE))

    assert str(raised.value).startswith(
        "Required columns missing: 'external_id', 'email', 'score'. The header line has: '', "
        "'id', 'nps',"
    )


def test_the_botanic_survey_file_mapped_still_lacks_the_respondents_email():
    with pytest.raises(CsvImportError, match="Required column missing: 'email'"):
        import_responses(file=csv_file(BOTANIC_SLICE), column_map=BOTANIC_MAP)


def test_the_botanic_survey_file_with_emails_added_imports_its_latin1_comments_and_na():
    lines = BOTANIC_SLICE.splitlines()
    with_emails = [lines[0] + b',"email"'] + [
        line + b',"client' + line.split(b",")[1] + b'@example.test"' for line in lines[1:]
    ]

    result = import_responses(
        file=csv_file(b"\n".join(with_emails) + b"\n"), column_map=BOTANIC_MAP, skip_invalid=True
    )

    assert messages(result) == [
        "line 5: score: no value (empty or NA): every answer needs a score, a whole number 0 to 10."
    ]
    assert (result.created, result.skipped) == (3, 1)
    comments = dict(Response.objects.values_list("external_id", "comment"))
    assert comments == {
        "2368": "",
        "2482": "Il y a très peu de caisse ouverte et le délai d'attente est particulièrement "
        "long!!!!",
        "7124": "prix trop élevés",
    }
    assert not Response.objects.filter(account__isnull=False).exists()


def test_command_prints_a_summary(acme, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("external_id,email,score\nS-1,jane@acme.com,9\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import_responses", str(path), stdout=out, stderr=io.StringIO())

    assert out.getvalue() == (
        f"Answers from {path}: 1 created, 0 updated, 0 unchanged, 0 skipped (1 row).\n"
        "Of the new answers, 0 are history (answered before the case window: no case). "
        "Cases to open: 1.\n"
    )
    assert Response.objects.count() == 1


def test_command_refuses_a_file_with_errors_and_lists_them(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("external_id,email,score\nS-1,jane@acme.com,9\nS-2,bob@acme.com,99\n")
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 of 2 rows have errors.*nothing was imported"):
        call_command("import_responses", str(path), stdout=io.StringIO(), stderr=err)

    assert "line 3: score: The score must be a whole number from 0 to 10." in err.getvalue()
    assert Response.objects.count() == 0


def test_command_maps_columns_and_says_when_email_is_missing(tmp_path):
    path = tmp_path / "nps.csv"
    path.write_bytes(BOTANIC_SLICE)

    with pytest.raises(CommandError, match="Required column missing: 'email'"):
        call_command(
            "import_responses",
            str(path),
            "--map",
            "id=external_id",
            "--map",
            "nps=score",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_contacts_created_by_the_import_are_matched_by_domain(acme):
    import_responses(file=csv_file("external_id,email,score\nS-1,new.person@acme.com,8\n"))

    assert Contact.objects.get(email="new.person@acme.com").account == acme
