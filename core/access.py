"""How far a reader's sight reaches: the ground rule of the access policy.

Managers, admins and REST API keys read everything; a CSM reads what is theirs (what that
means for cases, accounts and answers is `playbooks.access`); anyone else reads nothing.
"""

from __future__ import annotations

import enum

from core.models import User
from core.roles import Role, has_role


class Reach(enum.Enum):
    EVERYTHING = "everything"
    OWN = "own"
    NOTHING = "nothing"


def reach_of(reader) -> Reach:
    """The reach of a signed-in person, or of an API key (anything with `reads_everything`)."""
    if not isinstance(reader, User):
        return Reach.EVERYTHING if getattr(reader, "reads_everything", False) else Reach.NOTHING
    if has_role(reader, Role.MANAGER, Role.ADMIN):
        return Reach.EVERYTHING
    if has_role(reader, Role.CSM):
        return Reach.OWN
    return Reach.NOTHING
