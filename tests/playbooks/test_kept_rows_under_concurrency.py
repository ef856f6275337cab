"""The rows the dashboard keeps stay right when two transactions write at the same moment."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from playbooks.models import LatestAnswer
from playbooks.services.latest_answers import differences_from_answers
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_answers_of_one_account_stored_at_once_both_go_in_and_the_newer_is_its_latest():
    account = AccountFactory()
    contacts = [ContactFactory(account=account) for _ in range(2)]
    now = timezone.now()
    first_in = threading.Event()
    stored, failed = {}, []

    def store(position: int) -> None:
        try:
            if position == 0:
                first_in.wait(timeout=5)  # the other answer is in, not yet committed
            with transaction.atomic():
                # Other scores: the two answers are counted in different rows of the
                # daily counts, so that nothing else makes one wait for the other.
                stored[position] = ResponseFactory(
                    contact=contacts[position],
                    account=account,
                    score=2 + 7 * position,
                    answered_at=now - dt.timedelta(hours=position),
                )
                if position == 1:
                    first_in.set()
                    time.sleep(0.3)
        except Exception as error:  # noqa: BLE001 - the test reports it
            failed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=store, args=(position,)) for position in (1, 0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert failed == []
    assert LatestAnswer.objects.get(account=account).response_id == stored[0].pk
    assert differences_from_answers() == 0
