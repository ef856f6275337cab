"""Which status a case may move to from which: the case lifecycle as plain data."""

from __future__ import annotations

from django.utils.translation import gettext as _

from playbooks.models import CaseStatus

NEW = CaseStatus.NEW
IN_PROGRESS = CaseStatus.IN_PROGRESS
PLAN = CaseStatus.PLAN_IN_PROGRESS
MONITORING = CaseStatus.MONITORING
CLOSED = CaseStatus.CLOSED

# new → in progress → plan in progress → monitoring → closed. A case may skip ahead
# (a promoter's thank-you closes straight from new); a plan that gains an item
# while monitored goes back to "plan in progress"; only a reopen leaves "closed".
ALLOWED: dict[str, frozenset[str]] = {
    NEW: frozenset({IN_PROGRESS, PLAN, MONITORING, CLOSED}),
    IN_PROGRESS: frozenset({PLAN, MONITORING, CLOSED}),
    PLAN: frozenset({MONITORING, CLOSED}),
    MONITORING: frozenset({PLAN, CLOSED}),
    CLOSED: frozenset({IN_PROGRESS}),
}


class TransitionNotAllowed(Exception):
    """A case was asked to move to a status it cannot reach from where it is."""

    def __init__(self, current: str, target: str, detail: str = "") -> None:
        self.current, self.target = current, target
        labels = dict(CaseStatus.choices)
        message = _("A case that is %(current)s cannot become %(target)s.") % {
            "current": str(labels.get(current, current)).lower(),
            "target": str(labels.get(target, target)).lower(),
        }
        super().__init__(f"{message} {detail}".strip())


def check_transition(current: str, target: str) -> None:
    """Raise TransitionNotAllowed unless `current` → `target` is a move of the lifecycle."""
    if target not in ALLOWED.get(current, frozenset()):
        raise TransitionNotAllowed(current, target)
