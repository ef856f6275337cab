"""Who may not be surveyed now, and why: the rules every batch passes before it is sent."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import LoopSettings
from surveys.audience import Rules, audience_preview, exclusions_for, members_of
from surveys.models import Campaign, Contact, Exclusion
from surveys.services.suppressions import lift_suppression, suppress_surveys
from tests.factories import (
    AccountFactory,
    ContactFactory,
    InvitationFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db

NINETY_DAYS = Rules(throttle_days=90, quota=None, quota_days=30)


def verdicts(*contacts, rules=NINETY_DAYS, **kwargs):
    members = members_of(Contact.objects.filter(pk__in=[c.pk for c in contacts]).order_by("pk"))
    return exclusions_for(members, rules=rules, **kwargs)


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_a_contact_with_nothing_against_them_may_be_surveyed():
    assert verdicts(ContactFactory()) == {}


def test_an_opted_out_contact_is_excluded():
    contact = ContactFactory(opted_out=True)
    assert verdicts(contact)[contact.pk].reason == Exclusion.OPTED_OUT


def test_a_contact_surveyed_within_the_window_is_excluded_until_it_ends():
    contact = ContactFactory()
    InvitationFactory(contact=contact, sent_at=days_ago(10))

    verdict = verdicts(contact)[contact.pk]

    assert verdict.reason == Exclusion.THROTTLED
    assert "90 days" in verdict.note
    assert verdict.available_at.date() == (days_ago(10) + dt.timedelta(days=90)).date()


def test_a_contact_surveyed_before_the_window_may_be_surveyed_again():
    contact = ContactFactory()
    InvitationFactory(contact=contact, sent_at=days_ago(91))
    assert verdicts(contact) == {}


def test_an_answer_from_another_tool_counts_as_being_surveyed():
    contact = ContactFactory()
    ResponseFactory(contact=contact, answered_at=days_ago(20))
    assert verdicts(contact)[contact.pk].reason == Exclusion.THROTTLED


def test_no_throttling_window_lets_anyone_be_surveyed_again():
    contact = ContactFactory()
    InvitationFactory(contact=contact, sent_at=days_ago(1))
    rules = Rules(throttle_days=0, quota=None, quota_days=30)
    assert verdicts(contact, rules=rules) == {}


def test_a_suppression_of_the_contact_or_of_their_account_excludes_them():
    alone, colleague = ContactFactory(), ContactFactory()
    suppress_surveys(contact=alone, note="Escalated to the CEO")
    suppress_surveys(account=colleague.account)

    found = verdicts(alone, colleague)

    assert found[alone.pk].reason == Exclusion.SUPPRESSED
    assert "Escalated to the CEO" in found[alone.pk].note
    assert found[colleague.pk].reason == Exclusion.SUPPRESSED
    assert "everyone at the account" in found[colleague.pk].note


def test_a_lifted_or_ended_suppression_no_longer_excludes():
    lifted, ended = ContactFactory(), ContactFactory()
    lift_suppression(suppression=suppress_surveys(contact=lifted))
    suppress_surveys(contact=ended, starts_at=days_ago(10), ends_at=days_ago(1))
    assert verdicts(lifted, ended) == {}


def test_an_ignored_suppression_does_not_exclude_but_others_still_do():
    contact = ContactFactory()
    own = suppress_surveys(contact=contact)
    assert verdicts(contact, ignore_suppression_ids=[own.pk]) == {}
    suppress_surveys(account=contact.account)
    assert verdicts(contact, ignore_suppression_ids=[own.pk])[contact.pk].reason == (
        Exclusion.SUPPRESSED
    )


def test_the_account_quota_lets_the_first_contacts_through_and_counts_earlier_surveys():
    account = AccountFactory()
    earlier = ContactFactory(account=account)
    InvitationFactory(contact=earlier, sent_at=days_ago(5))
    first, second, third = (ContactFactory(account=account) for _ in range(3))
    rules = Rules(throttle_days=0, quota=2, quota_days=30)

    found = verdicts(first, second, third, rules=rules)

    assert first.pk not in found
    assert found[second.pk].reason == Exclusion.QUOTA
    assert found[third.pk].reason == Exclusion.QUOTA
    assert "2 surveys in the last 30 days" in found[second.pk].note


def test_surveys_older_than_the_quota_period_do_not_count():
    account = AccountFactory()
    InvitationFactory(contact=ContactFactory(account=account), sent_at=days_ago(40))
    contact = ContactFactory(account=account)
    assert verdicts(contact, rules=Rules(throttle_days=0, quota=1, quota_days=30)) == {}


def test_the_first_reason_that_applies_is_given():
    contact = ContactFactory(opted_out=True)
    suppress_surveys(contact=contact)
    InvitationFactory(contact=contact, sent_at=days_ago(1))
    assert verdicts(contact)[contact.pk].reason == Exclusion.OPTED_OUT


def test_the_rules_follow_the_business_settings():
    loop = LoopSettings.current()
    loop.survey_throttle_days = 7
    loop.account_survey_quota = 3
    loop.account_quota_days = 14
    loop.save()
    assert Rules.current() == Rules(throttle_days=7, quota=3, quota_days=14)


def test_the_preview_counts_the_audience_and_names_who_is_excluded_and_why():
    account = AccountFactory(segment="enterprise")
    ok = ContactFactory(account=account)
    opted_out = ContactFactory(account=account, opted_out=True, name="Olga Out")
    throttled = ContactFactory(account=account)
    InvitationFactory(contact=throttled, sent_at=days_ago(3))
    ContactFactory(account=AccountFactory(segment="smb"))  # outside the audience
    ContactFactory(account=None)  # unmatched people are never in an audience
    campaign = Campaign.objects.create(name="Q4", channel="email", audience_segment="enterprise")

    preview = audience_preview(campaign)

    assert preview.audience == 3
    assert preview.reachable == 1
    assert preview.excluded_by_reason == {Exclusion.OPTED_OUT: 1, Exclusion.THROTTLED: 1}
    named = {example.contact.pk: example.verdict.reason for example in preview.examples}
    assert named == {opted_out.pk: Exclusion.OPTED_OUT, throttled.pk: Exclusion.THROTTLED}
    assert ok.pk not in named
