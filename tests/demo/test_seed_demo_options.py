"""`manage.py seed_demo` on an empty database: its options and its refusal without DEBUG.

Apart from tests/demo/seeded/, whose tests all run on the seeded demo."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, AccountDomain, Contact, Interaction
from core.models import User
from core.roles import Role
from playbooks.models import ActionItem, Case, CaseEvent, Escalation
from surveys.models import Campaign, Response

ROLE_NAMES = {role.value for role in Role}


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = (
        User,
        Account,
        AccountDomain,
        Contact,
        Campaign,
        Response,
        Interaction,
        Case,
        CaseEvent,
        ActionItem,
        Escalation,
    )
    return {model.__name__: model.objects.count() for model in models}


def _printed_logins(output: str) -> list[tuple[str, str, str]]:
    """The (role, username, password) rows of the logins table."""
    table = output.split("Demo logins", 1)[1]
    rows = [line.split() for line in table.splitlines()]
    return [(row[0], row[1], row[2]) for row in rows if row and row[0] in ROLE_NAMES]


@pytest.mark.django_db
def test_logins_only_prints_the_logins_and_creates_nothing():
    before = _counts()
    assert before["Account"] == 0
    output = _seed("--logins-only")
    assert _counts() == before
    assert {role for role, _, _ in _printed_logins(output)} == ROLE_NAMES
    assert "Demo data is ready" not in output


@pytest.mark.django_db
def test_refuses_to_seed_a_database_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        _seed()
    assert _counts()["Account"] == 0
