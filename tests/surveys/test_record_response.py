"""`record_response`: validation, matching to accounts, idempotency."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Contact
from surveys.answers import AnswerIn
from surveys.models import Response, Source
from surveys.services import assign_account_to_contact, opt_out_contact, record_response
from surveys.signals import response_recorded
from tests.factories import AccountDomainFactory, AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def record(**overrides):
    fields = {
        "source": Source.API,
        "external_id": "ext-1",
        "email": "ana@acme.example",
        "score": 3,
        "comment": "Billing is wrong every month.",
    }
    fields.update(overrides)
    return record_response(answer=AnswerIn(**fields))


def test_answer_from_a_known_contact_is_stored_under_their_account():
    contact = ContactFactory(email="ana@acme.example")

    recorded = record()

    assert recorded.created
    response = recorded.response
    assert response.contact == contact
    assert response.account == contact.account
    assert response.category == "detractor"
    assert response.processed_at is None


def test_contact_is_found_whatever_the_case_of_the_email():
    contact = ContactFactory(email="ana@acme.example")

    recorded = record(email="  Ana@ACME.example ")

    assert recorded.response.contact == contact
    assert Contact.objects.count() == 1


def test_unknown_person_is_created_under_the_account_given_by_external_id():
    account = AccountFactory(external_id="CRM-42")

    recorded = record(
        email="new@elsewhere.example", account_external_id="CRM-42", contact_name="Ana Li"
    )

    contact = recorded.response.contact
    assert contact.account == account
    assert contact.name == "Ana Li"
    assert recorded.response.account == account


def test_unknown_person_is_matched_by_the_one_account_owning_the_email_domain():
    domain = AccountDomainFactory(domain="acme.example")

    recorded = record(email="bob@acme.example")

    assert recorded.response.account == domain.account


def test_a_domain_shared_by_two_accounts_matches_neither_and_the_answer_stays_unmatched():
    AccountDomainFactory(domain="group.example")
    AccountDomainFactory(domain="group.example")

    recorded = record(email="bob@group.example")

    assert recorded.response.account is None
    assert not recorded.response.is_matched


def test_answer_matching_no_account_is_kept_unmatched_not_dropped():
    recorded = record(email="stranger@nowhere.example", account_external_id="NOT-IN-CRM")

    assert recorded.created
    stored = Response.objects.get(pk=recorded.response.pk)
    assert stored.account is None
    assert stored.contact.email == "stranger@nowhere.example"
    assert stored.contact.account is None


def test_repeated_external_id_returns_the_stored_answer_and_creates_nothing():
    first = record()
    second = record(score=9, comment="Changed my mind")

    assert not second.created
    assert second.response.pk == first.response.pk
    assert second.response.score == 3
    assert Response.objects.count() == 1


def test_same_external_id_from_two_sources_are_two_answers():
    record(source=Source.API)
    record(source=Source.TYPEFORM)

    assert Response.objects.count() == 2


def test_update_existing_takes_the_comment_delivered_later():
    record(comment="")

    updated = record(comment="Support never answers.", update_existing=True)

    assert not updated.created
    assert Response.objects.get().comment == "Support never answers."


def test_update_existing_with_a_new_score_moves_the_category():
    record(score=5)

    updated = record(score=9, update_existing=True)

    assert updated.response.category == "promoter"


def test_later_answer_with_account_id_matches_the_contacts_earlier_unmatched_answers():
    first = record(external_id="a", email="carol@unknown.example")
    account = AccountFactory(external_id="CRM-7")

    record(external_id="b", email="carol@unknown.example", account_external_id="CRM-7")

    first.response.refresh_from_db()
    assert first.response.account == account


def test_existing_contact_details_from_the_crm_are_not_overwritten():
    ContactFactory(email="ana@acme.example", name="Ana Lopez", language="es")

    recorded = record(contact_name="A. L.", language="fr")

    contact = recorded.response.contact
    assert (contact.name, contact.language) == ("Ana Lopez", "es")
    assert recorded.response.language == "fr"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"score": 11}, "score"),
        ({"score": -1}, "score"),
        ({"score": "seven"}, "score"),
        ({"score": 7.5}, "score"),
        ({"score": None}, "score"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"external_id": "  "}, "external_id"),
        ({"source": "carrier-pigeon"}, "source"),
        ({"language": "english please"}, "language"),
        ({"comment": "x" * 10_001}, "comment"),
        ({"answered_at": timezone.now() + dt.timedelta(days=2)}, "answered_at"),
    ],
)
def test_invalid_input_is_refused_with_a_message_naming_the_field(overrides, field):
    with pytest.raises(ValidationError) as raised:
        record(**overrides)

    assert field in raised.value.message_dict
    assert raised.value.message_dict[field][0]
    assert Response.objects.count() == 0
    assert Contact.objects.count() == 0


def test_score_given_as_text_digits_is_accepted():
    assert record(score=" 7 ").response.score == 7


def test_language_is_kept_as_its_primary_code():
    assert record(language="fr-CA").response.language == "fr"


def test_naive_answer_time_is_read_as_utc():
    recorded = record(answered_at=dt.datetime(2026, 3, 1, 9, 30))

    assert recorded.response.answered_at == dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def test_a_new_answer_announces_itself_once_and_a_duplicate_stays_silent():
    received = []

    def receiver(sender, response, **kwargs):
        received.append(response.pk)

    response_recorded.connect(receiver)
    try:
        first = record()
        record()
    finally:
        response_recorded.disconnect(receiver)

    assert received == [first.response.pk]


def test_assigning_an_account_matches_all_the_contacts_unmatched_answers():
    record(external_id="a", email="dan@unknown.example")
    record(external_id="b", email="dan@unknown.example")
    contact = Contact.objects.get(email="dan@unknown.example")
    account = AccountFactory()

    matched = assign_account_to_contact(contact=contact, account=account)

    assert matched == 2
    assert set(Response.objects.values_list("account", flat=True)) == {account.pk}


def test_opting_out_marks_the_contact_with_the_time():
    ContactFactory(email="ana@acme.example")

    contact = opt_out_contact(email="ANA@acme.example")

    contact.refresh_from_db()
    assert contact.opted_out
    assert contact.opted_out_at is not None


def test_opting_out_an_unknown_email_changes_nothing():
    assert opt_out_contact(email="ghost@nowhere.example") is None
    assert Contact.objects.count() == 0
