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


def test_identical_redelivery_returns_the_stored_answer_and_changes_nothing():
    first = record()
    second = record()

    assert not second.created
    assert (second.changed, second.stale) == ((), False)
    assert second.response.pk == first.response.pk
    assert Response.objects.count() == 1


def test_redelivery_with_another_score_and_comment_corrects_the_answer():
    first = record(score=9, comment="")
    corrected = record(score=3, comment="Changed my mind")

    assert not corrected.created
    assert set(corrected.changed) == {"score", "comment"}
    stored = Response.objects.get()
    assert (stored.pk, stored.score, stored.category) == (first.response.pk, 3, "detractor")
    assert stored.comment == "Changed my mind"


def test_same_external_id_from_two_sources_are_two_answers():
    record(source=Source.API)
    record(source=Source.TYPEFORM)

    assert Response.objects.count() == 2


def test_a_comment_delivered_later_completes_the_answer_and_an_empty_one_keeps_it():
    record(comment="")

    updated = record(comment="Support never answers.")
    again = record(comment="")

    assert updated.changed == ("comment",)
    assert again.changed == ()
    assert Response.objects.get().comment == "Support never answers."


def test_a_delivery_older_than_the_stored_answer_is_stale_and_changes_nothing():
    t0 = timezone.now() - dt.timedelta(hours=2)
    record(score=3, updated_at=t0 + dt.timedelta(minutes=10))

    stale = record(score=9, comment="", updated_at=t0)

    assert stale.stale and stale.changed == ()
    stored = Response.objects.get()
    assert (stored.score, stored.source_updated_at) == (3, t0 + dt.timedelta(minutes=10))


def test_versions_delivered_in_any_order_end_with_the_newest():
    t0 = timezone.now() - dt.timedelta(hours=2)
    versions = [
        {"score": 9, "comment": "", "updated_at": t0},
        {"score": 4, "comment": "", "updated_at": t0 + dt.timedelta(minutes=1)},
        {"score": 4, "comment": "Exports time out.", "updated_at": t0 + dt.timedelta(minutes=2)},
        {"score": 2, "comment": "Exports time out.", "updated_at": t0 + dt.timedelta(minutes=3)},
    ]
    orders = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]]
    ends = set()
    for order in orders:
        Response.objects.all().delete()
        for index in order:
            record(**versions[index])
        stored = Response.objects.get()
        ends.add((stored.score, stored.comment, stored.source_updated_at))

    assert ends == {(2, "Exports time out.", t0 + dt.timedelta(minutes=3))}


def test_two_versions_stamped_at_the_same_instant_merge_whatever_their_order():
    at = timezone.now() - dt.timedelta(hours=1)
    ends = set()
    for first, second in [("", "Slow."), ("Slow.", "")]:
        Response.objects.all().delete()
        record(comment=first, updated_at=at)
        record(comment=second, updated_at=at)
        ends.add(Response.objects.get().comment)

    assert ends == {"Slow."}


def test_a_correction_announces_the_fields_it_changed_and_their_old_values():
    from surveys.signals import response_updated

    heard = []

    def receiver(sender, response, fields, previous, **kwargs):
        heard.append((fields, previous))

    record(score=9, comment="")
    response_updated.connect(receiver)
    try:
        record(score=3, comment="")
    finally:
        response_updated.disconnect(receiver)

    assert heard == [(["score"], {"score": 9})]


def test_a_last_modified_time_in_the_future_is_refused():
    with pytest.raises(ValidationError) as error:
        record(updated_at=timezone.now() + dt.timedelta(days=1))

    assert "updated_at" in error.value.message_dict


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
