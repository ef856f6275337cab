import datetime as dt
import io
import zoneinfo

import pytest

from accounts.models import Interaction, InteractionKind
from imports.csv_import import CsvImportError
from imports.services.customers import import_interactions
from tests.factories import AccountFactory, ContactFactory, InteractionFactory

pytestmark = pytest.mark.django_db

HEADER = "account_external_id,kind,summary,occurred_at,contact_email,source,external_id\n"


def csv_file(content: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(content.encode(encoding))


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


@pytest.fixture
def acme():
    return AccountFactory(external_id="ACC-1")


def test_good_file_creates_interactions(acme):
    jane = ContactFactory(account=acme, email="jane@acme.com")

    result = import_interactions(
        file=csv_file(
            HEADER
            + "ACC-1,Support ticket,Login broken,2025-03-31T14:05:00+02:00,Jane@acme.com,zendesk,"
            + "T-1\n"
            + "ACC-1,qbr,Quarterly review,2025-04-02,,,\n"
        )
    )

    assert (result.created, result.errors) == (2, [])
    ticket = Interaction.objects.get(external_id="T-1")
    assert (ticket.account, ticket.contact, ticket.kind) == (
        acme,
        jane,
        InteractionKind.SUPPORT_TICKET,
    )
    assert ticket.source == "zendesk"
    assert ticket.occurred_at == dt.datetime(2025, 3, 31, 12, 5, tzinfo=dt.UTC)
    review = Interaction.objects.get(kind=InteractionKind.QBR)
    assert (review.source, review.external_id, review.contact) == ("csv", "", None)


def test_a_time_without_offset_is_in_the_server_time_zone(acme, settings):
    settings.TIME_ZONE = "Europe/Paris"

    import_interactions(file=csv_file(HEADER + "ACC-1,meeting,Kick-off,31/03/2025 09:30,,,\n"))

    occurred_at = Interaction.objects.get().occurred_at
    assert occurred_at == dt.datetime(2025, 3, 31, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))


def test_importing_the_same_file_again_creates_nothing_with_or_without_ids(acme):
    content = (
        HEADER
        + "ACC-1,meeting,Kick-off,2025-03-31 09:30,,crm,M-1\n"
        + "ACC-1,email,Sent the deck,2025-04-01 10:00,,,\n"
    )
    import_interactions(file=csv_file(content))

    again = import_interactions(file=csv_file(content))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Interaction.objects.count() == 2


def test_the_same_source_and_external_id_updates_the_interaction(acme):
    interaction = InteractionFactory(
        account=acme, source="crm", external_id="M-1", summary="Kick-off"
    )

    result = import_interactions(
        file=csv_file(HEADER + "ACC-1,meeting,Kick-off (moved),2025-03-31 09:30,,crm,M-1\n")
    )

    assert result.updated == 1
    interaction.refresh_from_db()
    assert interaction.summary == "Kick-off (moved)"


def test_the_same_external_id_from_another_source_is_another_interaction(acme):
    InteractionFactory(account=acme, source="crm", external_id="1")

    result = import_interactions(
        file=csv_file(HEADER + "ACC-1,meeting,Call,2025-03-31,,zendesk,1\n")
    )

    assert result.created == 1
    assert Interaction.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("ACC-404,meeting,Call,2025-03-31,,,", "line 2: account_external_id: no account has"),
        (",meeting,Call,2025-03-31,,,", "line 2: account_external_id: no value (empty or NA)"),
        ("ACC-1,lunch,Call,2025-03-31,,,", "line 2: kind: 'lunch' is not a kind of interaction"),
        ("ACC-1,meeting,NA,2025-03-31,,,", "line 2: summary: no value (empty or NA): say in a"),
        ("ACC-1,meeting,Call,last tuesday,,,", "line 2: occurred_at: 'last tuesday' is not a date"),
        ("ACC-1,meeting,Call,2025-03-31,ghost@acme.com,,", "line 2: contact_email: no contact"),
    ],
)
def test_each_bad_cell_is_reported_with_its_line_column_and_fix(acme, row, expected):
    result = import_interactions(file=csv_file(HEADER + row + "\n"))

    assert any(expected in message for message in messages(result)), messages(result)
    assert Interaction.objects.count() == 0


def test_a_contact_of_another_account_is_an_error(acme):
    ContactFactory(email="bob@globex.com", account=AccountFactory(external_id="ACC-2"))

    result = import_interactions(
        file=csv_file(HEADER + "ACC-1,meeting,Call,2025-03-31,bob@globex.com,,\n")
    )

    assert messages(result) == [
        "line 2: contact_email: 'bob@globex.com' is a contact of another account than 'ACC-1': "
        "fix the email or the account_external_id."
    ]


def test_repeated_rows_are_errors(acme):
    result = import_interactions(
        file=csv_file(
            HEADER
            + "ACC-1,meeting,Call,2025-03-31,,crm,M-1\n"
            + "ACC-1,meeting,Other call,2025-03-31,,crm,M-1\n"
            + "ACC-1,email,Sent the deck,2025-04-01,,,\n"
            + "ACC-1,email,Sent the deck,2025-04-01,,,\n"
        )
    )

    assert messages(result) == [
        "line 3: external_id: 'M-1' is also on line 2: keep one row per interaction.",
        "line 5: row: the same interaction is on line 4: remove one of the rows, or give each "
        "an external_id.",
    ]


def test_skip_invalid_imports_the_good_rows(acme):
    result = import_interactions(
        file=csv_file(
            HEADER + "ACC-1,meeting,Call,2025-03-31,,,\nACC-404,meeting,Call,2025-03-31,,,\n"
        ),
        skip_invalid=True,
    )

    assert (result.created, result.skipped) == (1, 1)
    assert Interaction.objects.count() == 1


def test_dry_run_writes_nothing(acme):
    result = import_interactions(
        file=csv_file(HEADER + "ACC-1,meeting,Call,2025-03-31,,,\n"), dry_run=True
    )

    assert (result.created, result.written) == (1, False)
    assert Interaction.objects.count() == 0


def test_a_file_without_a_kind_column_is_rejected():
    with pytest.raises(CsvImportError, match="Required column missing: 'kind'"):
        import_interactions(
            file=csv_file("account_external_id,summary,occurred_at\nACC-1,Call,2025-03-31\n")
        )
