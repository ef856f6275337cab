"""Importing a company's past answers records its history without actioning it: importing two
years of answers twice opens no case, sends nothing and stores each answer once."""

import datetime as dt
import io
import random

import pytest
from django.utils import timezone

from imports.services.answers import import_responses
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.tasks import process_response
from surveys.history import case_window_days, history_cutoff
from surveys.models import Response, Suppression
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

HEADER = "external_id,email,score,comment,answered_at,account_external_id\n"


@pytest.fixture
def company(csm):
    """A customer company: three accounts with four contacts each, and the shipped playbooks."""
    install_default_playbooks()
    accounts = [AccountFactory(csm=csm) for _ in range(3)]
    return [ContactFactory(account=account) for account in accounts for _ in range(4)]


def two_years_of_history(contacts) -> str:
    """Every contact answering about once a quarter over the two years before the window."""
    rng = random.Random(14)
    last = history_cutoff(arrived_at=timezone.now(), window_days=case_window_days())
    rows = []
    for contact in contacts:
        for quarter in range(8):
            answered_at = last - dt.timedelta(days=1 + 91 * quarter + rng.randrange(80))
            score = rng.choice([0, 2, 4, 6, 7, 8, 9, 10])
            rows.append(
                f"hist-{contact.pk}-{quarter},{contact.email},{score},"
                f"Quarter {quarter},{answered_at.isoformat()},{contact.account.external_id}\n"
            )
    return HEADER + "".join(rows)


def imported(content: str):
    result = import_responses(file=io.BytesIO(content.encode()))
    # What the worker does with each new answer once the import commits.
    with_case = [
        process_response(response_id=pk)
        for pk in Response.objects.filter(processed_at__isnull=True).values_list("pk", flat=True)
    ]
    return result, with_case


def test_importing_two_years_of_history_twice_opens_no_case_and_stores_each_answer_once(company):
    history = two_years_of_history(company)

    first, first_cases = imported(history)
    second, second_cases = imported(history)

    assert (first.rows, first.created, first.errors) == (96, 96, [])
    assert (second.created, second.updated) == (0, 0)
    assert Response.objects.count() == 96
    assert Response.objects.filter(processed_at__isnull=True).count() == 0
    assert Response.objects.filter(category="detractor").exists()
    assert first_cases == [None] * 96 and second_cases == []
    assert not Case.objects.exists()
    assert not Suppression.objects.exists()


def test_the_last_answer_before_the_window_is_history_and_the_first_inside_opens_a_case(company):
    cutoff = history_cutoff(arrived_at=timezone.now(), window_days=case_window_days())
    contact = company[0]
    rows = [
        f"edge-1,{contact.email},2,,{(cutoff - dt.timedelta(seconds=1)).isoformat()},\n",
        f"edge-2,{contact.email},2,,{cutoff.isoformat()},\n",
    ]

    imported(HEADER + "".join(rows))

    assert list(Case.objects.values_list("response__external_id", flat=True)) == ["edge-2"]
