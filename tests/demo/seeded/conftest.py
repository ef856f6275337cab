"""The tests of this package read one demo, seeded once: seeding takes half a minute.

Under xdist the package's modules stay on one worker (see `pytest_xdist_make_scheduler`
in tests/conftest.py), so the demo is seeded once per run.
"""

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="package")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The output of `seed_demo --force`, in a transaction rolled back after the package;
    each test's own changes roll back to a savepoint after it, as in any database test."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        # Tests run with DEBUG off, as a deployment does: seeding then needs --force.
        call_command("seed_demo", "--force", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
