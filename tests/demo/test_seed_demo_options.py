"""`manage.py seed_demo` on an empty database: its options and its refusal without DEBUG.

Apart from tests/demo/seeded/, whose tests all run on the seeded demo."""

import pytest
from django.core.management import CommandError

from tests.demo.seeding import ROLE_NAMES, counts, printed_logins, seed


@pytest.mark.django_db
def test_logins_only_prints_the_logins_and_creates_nothing():
    before = counts()
    assert before["Account"] == 0
    output = seed("--logins-only")
    assert counts() == before
    assert {role for role, _, _ in printed_logins(output)} == ROLE_NAMES
    assert "Demo data is ready" not in output


@pytest.mark.django_db
def test_refuses_to_seed_a_database_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert counts()["Account"] == 0
