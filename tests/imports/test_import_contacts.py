import io

import pytest

from accounts.models import Contact, Influence, Persona
from imports.csv_import import CsvImportError
from imports.services.customers import import_contacts
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "email,name,account_external_id,title,persona,influence,phone,external_id,language,opted_out\n"
)


def csv_file(content: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(content.encode(encoding))


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


@pytest.fixture
def acme():
    return AccountFactory(external_id="ACC-1", name="Acme")


def test_good_file_creates_contacts_under_their_accounts(acme):
    result = import_contacts(
        file=csv_file(
            HEADER
            + "Jane.Doe@Acme.com,Jane Doe,ACC-1,VP Ops,Exec sponsor,HIGH,+33 1 23,CRM-1,fr-FR,non\n"
            + "bob@elsewhere.example,,,,,,,,,\n"
        )
    )

    assert (result.created, result.errors) == (2, [])
    jane = Contact.objects.get(external_id="CRM-1")
    assert (jane.email, jane.name, jane.account, jane.title) == (
        "jane.doe@acme.com",
        "Jane Doe",
        acme,
        "VP Ops",
    )
    assert (jane.persona, jane.influence, jane.language) == (
        Persona.EXEC_SPONSOR,
        Influence.HIGH,
        "fr",
    )
    assert (jane.phone, jane.opted_out) == ("+33 1 23", False)
    bob = Contact.objects.get(email="bob@elsewhere.example")
    assert (bob.account, bob.persona, bob.influence) == (None, Persona.OTHER, Influence.MEDIUM)


def test_importing_the_same_file_again_changes_nothing(acme):
    content = HEADER + "jane@acme.com,Jane,ACC-1,CTO,champion,high,,CRM-1,en,yes\n"
    import_contacts(file=csv_file(content))
    before = Contact.objects.get().updated_at

    again = import_contacts(file=csv_file(content))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Contact.objects.get().updated_at == before


def test_without_external_id_the_contact_is_found_by_email_whatever_its_case(acme):
    contact = ContactFactory(account=acme, email="jane@acme.com", title="")

    result = import_contacts(file=csv_file("email,title\nJANE@Acme.COM,CFO\n"))

    assert (result.created, result.updated) == (0, 1)
    contact.refresh_from_db()
    assert contact.title == "CFO"


def test_the_external_id_wins_over_the_email_so_an_email_can_change(acme):
    contact = ContactFactory(account=acme, email="jane@old-acme.com", external_id="CRM-1")

    import_contacts(file=csv_file("email,external_id\njane@acme.com,CRM-1\n"))

    contact.refresh_from_db()
    assert contact.email == "jane@acme.com"
    assert Contact.objects.count() == 1


def test_a_contact_known_by_email_receives_its_crm_id(acme):
    contact = ContactFactory(account=acme, email="jane@acme.com", external_id="")

    import_contacts(file=csv_file("email,external_id\njane@acme.com,CRM-9\n"))

    contact.refresh_from_db()
    assert contact.external_id == "CRM-9"


def test_an_email_held_by_another_crm_id_is_an_error(acme):
    ContactFactory(account=acme, email="jane@acme.com", external_id="CRM-1")

    result = import_contacts(file=csv_file("email,external_id\njane@acme.com,CRM-2\n"))

    assert messages(result) == [
        "line 2: external_id: 'jane@acme.com' is the contact with CRM id 'CRM-1', not 'CRM-2': "
        "fix the email or the external_id."
    ]


def test_opted_out_yes_opts_the_contact_out(acme):
    contact = ContactFactory(account=acme, email="jane@acme.com")

    import_contacts(file=csv_file("email,opted_out\njane@acme.com,Oui\n"))

    contact.refresh_from_db()
    assert contact.opted_out
    assert contact.opted_out_at is not None


def test_an_import_never_opts_a_contact_back_in(acme):
    contact = ContactFactory(account=acme, email="jane@acme.com", opted_out=True)

    result = import_contacts(file=csv_file("email,opted_out\njane@acme.com,false\n"))

    contact.refresh_from_db()
    assert contact.opted_out
    assert result.unchanged == 1
    assert "they stay opted out" in result.warnings[0]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("NA,,,,,,,,,", "line 2: email: no value (empty or NA): every contact needs an email"),
        ("jane(at)acme,,,,,,,,,", "line 2: email: 'jane(at)acme' is not an email address"),
        ("jane@acme.com,,ACC-404,,,,,,,", "line 2: account_external_id: no account has the CRM"),
        ("jane@acme.com,,,,boss,,,,,", "line 2: persona: 'boss' is not a persona: use one of"),
        ("jane@acme.com,,,,,huge,,,,", "line 2: influence: 'huge' is not a level of influence"),
        ("jane@acme.com,,,,,,,,français,", "line 2: language: 'français' is not a language code"),
        ("jane@acme.com,,,,,,,,,maybe", "line 2: opted_out: 'maybe' is not yes or no"),
    ],
)
def test_each_bad_cell_is_reported_with_its_line_column_and_fix(acme, row, expected):
    result = import_contacts(file=csv_file(HEADER + row + "\n"))

    assert any(expected in message for message in messages(result)), messages(result)
    assert Contact.objects.count() == 0


def test_a_repeated_email_is_an_error_whatever_its_case():
    result = import_contacts(file=csv_file("email\njane@acme.com\nJane@ACME.com\n"))

    assert messages(result) == [
        "line 3: email: 'jane@acme.com' is also on line 2: keep one row per contact."
    ]


def test_a_file_with_one_bad_row_imports_nothing_unless_invalid_rows_are_skipped(acme):
    content = "email,account_external_id\njane@acme.com,ACC-1\nbob@acme.com,ACC-404\n"

    refused = import_contacts(file=csv_file(content))
    assert (refused.written, Contact.objects.count()) == (False, 0)

    skipped = import_contacts(file=csv_file(content), skip_invalid=True)
    assert (skipped.created, skipped.skipped) == (1, 1)
    assert list(Contact.objects.values_list("email", flat=True)) == ["jane@acme.com"]


def test_dry_run_writes_nothing(acme):
    result = import_contacts(file=csv_file("email\njane@acme.com\n"), dry_run=True)

    assert (result.created, result.written) == (1, False)
    assert Contact.objects.count() == 0


def test_semicolon_latin1_file_is_read(acme):
    content = "E-mail;Name;Account External ID\nhelene@acme.com;Hélène Müller;ACC-1\n"

    import_contacts(file=csv_file(content, encoding="latin-1"))

    assert Contact.objects.get().name == "Hélène Müller"


def test_a_file_without_an_email_column_is_rejected():
    with pytest.raises(CsvImportError, match="Required column missing: 'email'"):
        import_contacts(file=csv_file("name,phone\nJane,123\n"))


def test_answers_waiting_for_an_account_follow_their_contact_the_file_gives_one(acme):
    unmatched = ContactFactory(account=None, email="ana@elsewhere.example", external_id="")
    answer = ResponseFactory(contact=unmatched, account=None)

    result = import_contacts(file=csv_file(HEADER + "ana@elsewhere.example,Ana,ACC-1,,,,,,,\n"))

    assert (result.updated, result.errors) == (1, [])
    answer.refresh_from_db()
    assert answer.account == acme


def test_a_large_file_is_written_in_a_few_statements(acme, django_assert_max_num_queries):
    rows = "".join(f"p{n}@acme.example,Person {n},ACC-1,,,,,CRM-{n},,\n" for n in range(300))
    import_contacts(file=csv_file(HEADER + rows))
    changed = rows.replace(",,,,,CRM-", ",CTO,,,,CRM-")

    with django_assert_max_num_queries(20):
        result = import_contacts(file=csv_file(HEADER + changed))

    assert (result.updated, result.errors) == (300, [])
    assert set(Contact.objects.filter(account=acme).values_list("title", flat=True)) == {"CTO"}
