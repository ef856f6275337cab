"""What the demo tests share: running `seed_demo`, counting its rows, reading its logins."""

from io import StringIO

from django.core.management import call_command

from accounts.models import Account, AccountDomain, Contact, Interaction
from core.models import User
from core.roles import Role
from playbooks.models import ActionItem, Case, CaseEvent, Escalation
from surveys.models import Campaign, Response

ROLE_NAMES = {role.value for role in Role}
COUNTED = (
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


def seed(*args: str) -> str:
    """The output of `seed_demo` with `args` (tests run with DEBUG off: seeding needs --force)."""
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def printed_logins(output: str) -> list[tuple[str, str, str]]:
    """The (role, username, password) rows of the logins table."""
    table = output.split("Demo logins", 1)[1]
    rows = [line.split() for line in table.splitlines()]
    return [(row[0], row[1], row[2]) for row in rows if row and row[0] in ROLE_NAMES]
