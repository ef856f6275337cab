"""Which playbook an answer gets: the active ones that match, the highest priority first."""

from decimal import Decimal

import pytest

from accounts.models import Segment
from playbooks.models import Case, Playbook
from playbooks.selectors import playbook_for
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, PlaybookFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_our_playbooks(db):
    """Switch the shipped playbooks off, so that a test sees only the playbooks it creates."""
    Playbook.objects.update(active=False)


@pytest.fixture
def account():
    return AccountFactory(segment=Segment.ENTERPRISE, tier="Gold", arr=Decimal("120000"))


def detractor_at(account, score=3):
    return ResponseFactory(contact=ContactFactory(account=account), score=score)


def unmatched_detractor():
    return ResponseFactory(contact=ContactFactory(account=None), score=3)


def test_the_highest_priority_playbook_wins(account):
    PlaybookFactory(name="Everyday", priority=0)
    urgent = PlaybookFactory(name="Urgent", priority=10)

    assert playbook_for(response=detractor_at(account)) == urgent


def test_priority_beats_specificity(account):
    PlaybookFactory(name="Enterprise", segment=Segment.ENTERPRISE, priority=0)
    urgent = PlaybookFactory(name="Urgent", priority=1)

    assert playbook_for(response=detractor_at(account)) == urgent


@pytest.mark.parametrize(
    "condition",
    [
        {"segment": Segment.ENTERPRISE},
        {"tier": "gold"},
        {"min_arr": Decimal("100000")},
        {"min_score": 0, "max_score": 4},
    ],
)
def test_at_equal_priority_the_more_specific_playbook_wins(account, condition):
    PlaybookFactory(name="A general one")
    specific = PlaybookFactory(name="B specific one", **condition)

    assert playbook_for(response=detractor_at(account)) == specific


def test_at_equal_priority_and_specificity_the_name_decides(account):
    first = PlaybookFactory(name="Alpha")
    PlaybookFactory(name="Beta")

    assert playbook_for(response=detractor_at(account)) == first


def test_an_inactive_playbook_is_ignored(account):
    PlaybookFactory(name="Retired", priority=10, active=False)
    current = PlaybookFactory(name="Current")

    assert playbook_for(response=detractor_at(account)) == current


def test_a_playbook_for_another_category_is_ignored(account):
    PlaybookFactory(name="Promoters", for_detractors=False, for_promoters=True)

    assert playbook_for(response=detractor_at(account)) is None


def test_a_playbook_for_another_segment_is_ignored(account):
    PlaybookFactory(name="SMB only", segment=Segment.SMB, priority=10)
    general = PlaybookFactory(name="General")

    assert playbook_for(response=detractor_at(account)) == general


def test_a_playbook_for_another_tier_is_ignored(account):
    PlaybookFactory(name="Silver only", tier="Silver", priority=10)
    general = PlaybookFactory(name="General")

    assert playbook_for(response=detractor_at(account)) == general


def test_a_playbook_for_bigger_accounts_is_ignored(account):
    PlaybookFactory(name="Strategic", min_arr=Decimal("120000.01"), priority=10)
    general = PlaybookFactory(name="General")

    assert playbook_for(response=detractor_at(account)) == general


def test_an_account_with_exactly_the_minimum_arr_matches(account):
    strategic = PlaybookFactory(name="Strategic", min_arr=Decimal("120000"), priority=10)

    assert playbook_for(response=detractor_at(account)) == strategic


def test_a_score_outside_the_playbook_range_is_ignored(account):
    PlaybookFactory(name="Zero to two", min_score=0, max_score=2, priority=10)
    general = PlaybookFactory(name="General")

    assert playbook_for(response=detractor_at(account, score=3)) == general


@pytest.mark.parametrize(
    "condition",
    [{"segment": Segment.ENTERPRISE}, {"tier": "Gold"}, {"min_arr": Decimal("0")}],
)
def test_an_unmatched_answer_skips_playbooks_with_account_conditions(condition):
    PlaybookFactory(name="About accounts", priority=10, **condition)
    general = PlaybookFactory(name="General")

    assert playbook_for(response=unmatched_detractor()) == general


def test_an_unmatched_answer_gets_a_playbook_without_account_conditions():
    general = PlaybookFactory(name="General", min_score=0, max_score=6)

    assert playbook_for(response=unmatched_detractor()) == general


def test_an_answer_no_playbook_matches_opens_no_case_and_is_processed(account):
    response = detractor_at(account)

    outcome = process_response(response_id=response.pk)

    assert outcome.case_id is None
    assert not Case.objects.filter(response=response).exists()
    response.refresh_from_db()
    assert response.processed_at is not None


def test_the_case_is_opened_with_the_chosen_playbook(account):
    PlaybookFactory(name="Everyday")
    urgent = PlaybookFactory(name="Urgent", priority=10)

    case_id = process_response(response_id=detractor_at(account).pk).case_id

    assert Case.objects.get(pk=case_id).playbook == urgent
