"""The action plan: items for the customer and internal ones; done, the case is monitored."""

import pytest
from django.core.exceptions import ValidationError

from playbooks.models import ActionAudience, ActionStatus, Case, CaseStatus, StepKind, StepStatus
from playbooks.services.cases import CaseActionRefused, add_action_item, set_action_item_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def add(case, csm):
    def add(text="Fix the invoices", audience=ActionAudience.CUSTOMER):
        return add_action_item(case=case, actor=csm, audience=audience, text=text)

    return add


def plan_step(case):
    return case.steps.get(kind=StepKind.ACTION_PLAN)


def status_of(case):
    case.refresh_from_db()
    return case.status


def test_adding_an_item_puts_the_plan_in_progress(case, add):
    add()

    assert status_of(case) == CaseStatus.PLAN_IN_PROGRESS


def test_an_added_item_is_on_the_timeline_with_who_added_it(case, add, csm):
    add(text="Credit note for May", audience=ActionAudience.INTERNAL)

    event = case.events.get(kind="action_added")
    assert event.actor == csm
    assert event.message == "Action added (internal): Credit note for May"


def test_an_item_without_text_is_refused(case, csm):
    with pytest.raises(ValidationError) as refused:
        add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="  ")

    assert "text" in refused.value.message_dict
    assert not case.action_items.exists()


def test_an_item_for_an_unknown_audience_is_refused(case, csm):
    with pytest.raises(ValidationError) as refused:
        add_action_item(case=case, actor=csm, audience="partner", text="Call the reseller")

    assert "audience" in refused.value.message_dict


def test_an_item_cannot_be_added_to_a_closed_case(case, csm):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)

    with pytest.raises(CaseActionRefused, match="reopen it first"):
        add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Too late")


def test_when_every_item_is_done_the_plan_step_is_done_and_the_case_monitored(case, add, csm):
    first, second = add("Fix the invoices"), add("Credit note")

    set_action_item_status(item=first, actor=csm, status=ActionStatus.DONE)
    assert status_of(case) == CaseStatus.PLAN_IN_PROGRESS
    set_action_item_status(item=second, actor=csm, status=ActionStatus.DONE)

    assert status_of(case) == CaseStatus.MONITORING
    assert plan_step(case).status == StepStatus.DONE
    assert case.plan_completed_at is not None


def test_a_cancelled_item_counts_as_closed_when_another_is_done(case, add, csm):
    done, dropped = add("Fix the invoices"), add("Discount")
    set_action_item_status(item=done, actor=csm, status=ActionStatus.DONE)

    set_action_item_status(item=dropped, actor=csm, status=ActionStatus.CANCELLED)

    assert status_of(case) == CaseStatus.MONITORING


def test_a_plan_whose_items_were_all_cancelled_is_not_complete(case, add, csm):
    set_action_item_status(item=add(), actor=csm, status=ActionStatus.CANCELLED)

    assert status_of(case) == CaseStatus.PLAN_IN_PROGRESS
    assert plan_step(case).status == StepStatus.TODO


def test_an_item_in_progress_keeps_the_plan_open(case, add, csm):
    done, ongoing = add("Fix the invoices"), add("Training")
    set_action_item_status(item=ongoing, actor=csm, status=ActionStatus.IN_PROGRESS)

    set_action_item_status(item=done, actor=csm, status=ActionStatus.DONE)

    assert status_of(case) == CaseStatus.PLAN_IN_PROGRESS


def test_adding_an_item_while_monitored_puts_the_plan_back_in_progress(case, add, csm):
    set_action_item_status(item=add(), actor=csm, status=ActionStatus.DONE)

    add("One more thing")

    assert status_of(case) == CaseStatus.PLAN_IN_PROGRESS
    assert case.plan_completed_at is None
    assert plan_step(case).status == StepStatus.TODO


def test_reopening_a_done_item_while_monitored_puts_the_plan_back_in_progress(case, add, csm):
    item = add()
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)

    set_action_item_status(item=item, actor=csm, status=ActionStatus.OPEN)

    assert status_of(case) == CaseStatus.PLAN_IN_PROGRESS
    assert case.plan_completed_at is None
    assert plan_step(case).status == StepStatus.TODO


def test_cancelling_the_only_done_item_of_a_monitored_plan_reopens_the_plan(case, add, csm):
    item = add()
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)

    set_action_item_status(item=item, actor=csm, status=ActionStatus.CANCELLED)

    assert status_of(case) == CaseStatus.PLAN_IN_PROGRESS


def test_a_done_item_records_when(case, add, csm):
    item = set_action_item_status(item=add(), actor=csm, status=ActionStatus.DONE)

    assert item.done_at is not None


def test_an_item_status_change_is_on_the_timeline(case, add, csm):
    set_action_item_status(item=add("Fix the invoices"), actor=csm, status=ActionStatus.DONE)

    event = case.events.get(kind="action_status")
    assert event.actor == csm
    assert event.message == "Action 'Fix the invoices': Open → Done."


def test_an_unknown_item_status_is_refused(case, add, csm):
    with pytest.raises(ValidationError) as refused:
        set_action_item_status(item=add(), actor=csm, status="finished")

    assert "status" in refused.value.message_dict
