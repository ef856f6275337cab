"""Escalations people raise, and that managers acknowledge and resolve."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from playbooks.models import Case, CaseStatus
from playbooks.services.cases import (
    CaseActionRefused,
    acknowledge_escalation,
    raise_escalation,
    resolve_escalation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalation(case, csm):
    return raise_escalation(case=case, actor=csm, reason="They threaten to leave", level=2)


def test_a_csm_raises_an_escalation_with_a_reason(escalation, csm):
    assert escalation.raised_by == csm
    assert escalation.level == 2
    assert escalation.reason == "They threaten to leave"
    assert escalation.is_open


def test_a_raised_escalation_is_on_the_timeline(case, escalation, csm):
    event = case.events.get(kind="escalation_raised", actor=csm)

    assert event.message == "Escalated (level 2): They threaten to leave"


def test_an_escalation_needs_a_reason(case, csm):
    with pytest.raises(ValidationError) as refused:
        raise_escalation(case=case, actor=csm, reason="  ")

    assert "reason" in refused.value.message_dict


def test_an_escalation_level_is_1_2_or_3(case, csm):
    with pytest.raises(ValidationError) as refused:
        raise_escalation(case=case, actor=csm, reason="Big account", level=4)

    assert "level" in refused.value.message_dict


def test_a_closed_case_cannot_be_escalated(case, csm):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)

    with pytest.raises(CaseActionRefused, match="reopen it first"):
        raise_escalation(case=case, actor=csm, reason="Too late")


def test_a_manager_acknowledges_an_escalation(escalation, manager):
    acknowledge_escalation(escalation=escalation, actor=manager)

    escalation.refresh_from_db()
    assert escalation.acknowledged_by == manager
    assert escalation.acknowledged_at is not None


def test_an_acknowledgement_is_on_the_timeline(case, escalation, manager):
    acknowledge_escalation(escalation=escalation, actor=manager)

    assert case.events.get(kind="escalation_acknowledged").actor == manager


def test_a_csm_cannot_acknowledge_an_escalation(escalation, csm):
    with pytest.raises(PermissionDenied, match="Only a manager"):
        acknowledge_escalation(escalation=escalation, actor=csm)

    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_acknowledging_twice_is_refused(escalation, manager):
    acknowledge_escalation(escalation=escalation, actor=manager)

    with pytest.raises(CaseActionRefused, match="already acknowledged"):
        acknowledge_escalation(escalation=escalation, actor=manager)


def test_a_manager_resolves_an_escalation_with_a_resolution(case, escalation, manager):
    resolve_escalation(escalation=escalation, actor=manager, resolution="Discount agreed")

    escalation.refresh_from_db()
    assert not escalation.is_open
    assert escalation.resolved_by == manager
    assert escalation.resolution == "Discount agreed"
    event = case.events.get(kind="escalation_resolved")
    assert (event.actor, event.message) == (manager, "Escalation resolved. Discount agreed")


def test_resolving_an_unacknowledged_escalation_acknowledges_it_too(escalation, manager):
    resolve_escalation(escalation=escalation, actor=manager, resolution="Called them")

    escalation.refresh_from_db()
    assert escalation.acknowledged_by == manager


def test_a_csm_cannot_resolve_an_escalation(escalation, csm):
    with pytest.raises(PermissionDenied):
        resolve_escalation(escalation=escalation, actor=csm, resolution="Called them")


def test_resolving_twice_is_refused(escalation, manager):
    resolve_escalation(escalation=escalation, actor=manager, resolution="Called them")

    with pytest.raises(CaseActionRefused, match="already resolved"):
        resolve_escalation(escalation=escalation, actor=manager, resolution="Called again")


@pytest.mark.parametrize("resolution", ["", "   \n\t "])
def test_an_escalation_cannot_be_resolved_without_saying_what_was_done(
    case, escalation, manager, resolution
):
    with pytest.raises(ValidationError) as refused:
        resolve_escalation(escalation=escalation, actor=manager, resolution=resolution)

    assert refused.value.message_dict == {
        "resolution": ["Say what was done to resolve the escalation."]
    }
    escalation.refresh_from_db()
    assert escalation.is_open and escalation.acknowledged_at is None
    assert not case.events.filter(kind="escalation_resolved").exists()
