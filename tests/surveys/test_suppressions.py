"""Survey suppressions: nobody is surveyed while they opted out or their problem is worked on."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from surveys.models import SuppressionReason
from surveys.selectors import active_suppressions, survey_clearance
from surveys.services.suppressions import lift_suppression, suppress_surveys
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    return ContactFactory(email="ada@customer.example")


def test_a_suppression_needs_a_contact_or_an_account(contact):
    with pytest.raises(ValidationError, match="one contact or for one account"):
        suppress_surveys()


def test_a_suppression_cannot_be_for_a_contact_and_an_account_at_once(contact):
    with pytest.raises(ValidationError, match="one contact or for one account"):
        suppress_surveys(contact=contact, account=contact.account)


def test_a_suppression_must_end_after_it_starts(contact):
    start = timezone.now()

    with pytest.raises(ValidationError) as refused:
        suppress_surveys(contact=contact, starts_at=start, ends_at=start)

    assert refused.value.message_dict == {"ends_at": ["The end must come after the start."]}


def test_an_unknown_address_may_be_surveyed():
    clearance = survey_clearance(email="nobody@elsewhere.example")

    assert clearance.allowed
    assert clearance.reasons == []


def test_a_known_contact_without_suppression_may_be_surveyed(contact):
    assert survey_clearance(email="ada@customer.example").allowed


def test_an_opted_out_contact_is_not_surveyed(contact):
    contact.opted_out = True
    contact.save()

    clearance = survey_clearance(email="ada@customer.example")

    assert not clearance.allowed
    assert clearance.reasons == ["The contact opted out of surveys."]


def test_a_suppressed_contact_is_not_surveyed_and_the_reason_says_why(contact):
    suppress_surveys(contact=contact, reason=SuppressionReason.OPEN_CASE, note="Case #12")

    clearance = survey_clearance(email="ADA@customer.example ")

    assert not clearance.allowed
    assert clearance.reasons == [
        "Surveys to the contact are suppressed until lifted: A case is open (Case #12)."
    ]


def test_an_account_wide_suppression_stops_everyone_at_the_account(contact):
    colleague = ContactFactory(account=contact.account)
    suppress_surveys(account=contact.account)

    clearance = survey_clearance(email=colleague.email)

    assert not clearance.allowed
    assert "everyone at the account" in clearance.reasons[0]


def test_a_suppression_at_another_account_does_not_stop_the_contact(contact):
    suppress_surveys(account=AccountFactory())

    assert survey_clearance(email="ada@customer.example").allowed


def test_a_lifted_suppression_lets_surveys_through_again(contact):
    suppression = suppress_surveys(contact=contact)

    assert lift_suppression(suppression=suppression) is True

    assert survey_clearance(email="ada@customer.example").allowed


def test_lifting_twice_reports_that_nothing_changed(contact):
    suppression = suppress_surveys(contact=contact)
    lift_suppression(suppression=suppression)

    assert lift_suppression(suppression=suppression) is False


def test_a_suppression_with_an_end_says_until_when(contact):
    ends_at = timezone.now() + dt.timedelta(days=10)
    suppress_surveys(contact=contact, ends_at=ends_at)

    clearance = survey_clearance(email="ada@customer.example")

    assert f"until {ends_at:%Y-%m-%d}" in clearance.reasons[0]


def test_surveys_are_allowed_again_once_the_suppression_has_ended(contact):
    now = timezone.now()
    suppress_surveys(contact=contact, ends_at=now + dt.timedelta(days=10))

    assert not survey_clearance(email=contact.email, at=now + dt.timedelta(days=9)).allowed
    assert survey_clearance(email=contact.email, at=now + dt.timedelta(days=10)).allowed


def test_a_suppression_starting_later_does_not_stop_surveys_yet(contact):
    suppress_surveys(contact=contact, starts_at=timezone.now() + dt.timedelta(days=1))

    assert survey_clearance(email=contact.email).allowed


def test_an_opted_out_and_suppressed_contact_gets_both_reasons(contact):
    contact.opted_out = True
    contact.save()
    suppress_surveys(contact=contact)

    assert len(survey_clearance(email=contact.email).reasons) == 2


def test_active_suppressions_leave_out_lifted_and_ended_ones(contact):
    now = timezone.now()
    live = suppress_surveys(contact=contact)
    lift_suppression(suppression=suppress_surveys(account=contact.account))
    suppress_surveys(contact=ContactFactory(), starts_at=now - dt.timedelta(days=5), ends_at=now)

    assert list(active_suppressions()) == [live]
