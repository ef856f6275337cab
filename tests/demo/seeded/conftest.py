"""The tests of this package read one demo, seeded once: seeding takes half a minute.

Under xdist the package's modules stay on one worker (see `pytest_xdist_make_scheduler`
in tests/conftest.py), so the demo is seeded once per run.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

from tests.celery_worker import purge_queue, queued_tasks


@dataclass(frozen=True)
class Seeding:
    output: str
    on_commit_callbacks: int  # what seeding asked to run once its transaction commits
    queued_tasks: int  # tasks in the broker once those ran, as after a real commit


@pytest.fixture(scope="package")
def seeding(django_db_setup, django_db_blocker) -> Iterator[Seeding]:
    """`seed_demo --force`, in a transaction rolled back after the package; each test's own
    changes roll back to a savepoint after it, as in any database test.

    What seeding would do on commit runs at its end, with the broker's queue emptied
    before: the tasks it leaves are then in the queue."""
    with django_db_blocker.unblock(), transaction.atomic():
        purge_queue()
        out = StringIO()
        with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
            # Tests run with DEBUG off, as a deployment does: seeding then needs --force.
            call_command("seed_demo", "--force", stdout=out)
        yield Seeding(
            output=out.getvalue(),
            on_commit_callbacks=len(callbacks),
            queued_tasks=queued_tasks(),
        )
        purge_queue()
        transaction.set_rollback(True)


@pytest.fixture(scope="package")
def seeded(seeding) -> str:
    """The output of `seed_demo --force` (see `seeding`)."""
    return seeding.output
