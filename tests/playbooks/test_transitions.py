"""The case lifecycle: which status a case may move to from which."""

import pytest

from playbooks.models import CaseStatus
from playbooks.transitions import TransitionNotAllowed, check_transition

NEW = CaseStatus.NEW
IN_PROGRESS = CaseStatus.IN_PROGRESS
PLAN = CaseStatus.PLAN_IN_PROGRESS
MONITORING = CaseStatus.MONITORING
CLOSED = CaseStatus.CLOSED

ALLOWED_MOVES = [
    (NEW, IN_PROGRESS),
    (NEW, PLAN),
    (NEW, MONITORING),
    (NEW, CLOSED),
    (IN_PROGRESS, PLAN),
    (IN_PROGRESS, MONITORING),
    (IN_PROGRESS, CLOSED),
    (PLAN, MONITORING),
    (PLAN, CLOSED),
    (MONITORING, PLAN),
    (MONITORING, CLOSED),
    (CLOSED, IN_PROGRESS),
]


@pytest.mark.parametrize(("current", "target"), ALLOWED_MOVES)
def test_every_move_of_the_lifecycle_is_allowed(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (IN_PROGRESS, NEW),
        (PLAN, NEW),
        (PLAN, IN_PROGRESS),
        (MONITORING, IN_PROGRESS),
        (MONITORING, MONITORING),
        (CLOSED, CLOSED),
    ],
)
def test_moves_outside_the_lifecycle_are_refused(current, target):
    with pytest.raises(TransitionNotAllowed):
        check_transition(current, target)


@pytest.mark.parametrize("target", [NEW, PLAN, MONITORING, CLOSED])
def test_a_closed_case_only_reopens_to_in_progress(target):
    with pytest.raises(TransitionNotAllowed):
        check_transition(CLOSED, target)


def test_the_refusal_names_both_statuses_in_words():
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(CLOSED, MONITORING)

    assert str(refused.value) == "A case that is closed cannot become monitoring."
    assert (refused.value.current, refused.value.target) == (CLOSED, MONITORING)


def test_an_unknown_status_is_refused():
    with pytest.raises(TransitionNotAllowed, match="archived"):
        check_transition(NEW, "archived")
