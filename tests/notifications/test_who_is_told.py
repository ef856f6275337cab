"""Who the playbooks tell, in the app, when something happens to a case."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role, set_role
from notifications.models import Notification, NotificationKind
from playbooks.models import ActionAudience, ActionStatus, Case, CaseStep, StepKind
from playbooks.services import action_items
from playbooks.services.action_items import Reminder
from playbooks.services.cases import (
    add_action_item,
    raise_escalation,
    reassign_case,
    set_action_item_status,
    supersede_case,
    update_action_item,
)
from playbooks.services.engine import process_response
from playbooks.services.notes import add_note
from playbooks.services.notifications import deliver_escalation
from playbooks.services.schedule import escalate_overdue_step
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db):
    user = UserFactory(username="camille", display_name="Camille Colleague")
    set_role(user, Role.CSM)
    return user


def told(kind, person=None):
    rows = Notification.objects.filter(kind=kind)
    if person is not None:
        rows = rows.filter(recipient=person)
    return list(rows)


def give_item(case, owner, *, due=None):
    return add_action_item(
        case=case,
        actor=case.owner,
        audience=ActionAudience.INTERNAL,
        text="Send the fixed invoice",
        owner=owner,
        due_date=due,
    )


def test_a_colleague_mentioned_in_a_note_is_told_and_may_open_it(case, colleague, client):
    note = add_note(author=case.owner, body="@camille knows their CFO", case=case)

    (notification,) = told(NotificationKind.MENTIONED, colleague)
    assert notification.actor == case.owner
    assert notification.target_url == f"{reverse('case-detail', args=[case.pk])}#note-{note.pk}"
    assert notification.text == f"{case.owner} mentioned you in a note on case #{case.pk}."
    client.force_login(colleague)
    page = client.get(reverse("notification-open", args=[notification.pk]), follow=True)
    assert page.status_code == 200
    assert f'id="note-{note.pk}"' in page.content.decode()


def test_mentioning_oneself_tells_nobody(case):
    case.owner.username = "self.owner"
    case.owner.save()

    add_note(author=case.owner, body="Reminder for @self.owner", case=case)

    assert told(NotificationKind.MENTIONED) == []


def test_an_action_given_to_a_colleague_tells_them_with_a_link_to_the_item(case, colleague):
    item = give_item(case, colleague)

    (notification,) = told(NotificationKind.ASSIGNED, colleague)
    assert notification.target_url == f"/cases/{case.pk}/#action-{item.pk}"
    assert "Send the fixed invoice" in notification.text


def test_an_action_one_keeps_for_oneself_tells_nobody(case):
    give_item(case, case.owner)

    assert told(NotificationKind.ASSIGNED) == []


def test_an_action_passed_to_someone_else_tells_the_new_owner_only(case, colleague, other_csm):
    item = give_item(case, colleague)

    update_action_item(item=item, actor=case.owner, owner=other_csm, due_date=None)
    update_action_item(item=item, actor=case.owner, owner=other_csm, due_date=dt.date(2030, 1, 2))

    assert len(told(NotificationKind.ASSIGNED, colleague)) == 1
    assert len(told(NotificationKind.ASSIGNED, other_csm)) == 1


def test_an_action_a_colleague_did_tells_the_case_owner_with_a_link_to_the_item(case, colleague):
    item = give_item(case, colleague)

    set_action_item_status(item=item, actor=colleague, status=ActionStatus.DONE)

    (notification,) = told(NotificationKind.ITEM_DONE, case.owner)
    assert notification.target_url == f"/cases/{case.pk}/#action-{item.pk}"
    assert notification.text == (
        f"{colleague} did an action on case #{case.pk}: Send the fixed invoice"
    )
    assert notification.actor == colleague


def test_an_action_the_owner_did_or_a_colleague_only_started_tells_nobody(case, colleague):
    mine = give_item(case, case.owner)
    theirs = give_item(case, colleague)

    set_action_item_status(item=mine, actor=case.owner, status=ActionStatus.DONE)
    set_action_item_status(item=theirs, actor=colleague, status=ActionStatus.IN_PROGRESS)

    assert told(NotificationKind.ITEM_DONE) == []


def test_a_case_reassigned_by_a_manager_tells_its_new_owner(case, manager, colleague):
    reassign_case(case=case, actor=manager, owner=colleague)

    (notification,) = told(NotificationKind.ASSIGNED, colleague)
    assert notification.target_url == reverse("case-detail", args=[case.pk])
    assert notification.actor == manager


def test_an_item_coming_due_tells_its_owner_once_a_day(case, colleague):
    today = timezone.localdate()
    item = give_item(case, colleague, due=today + dt.timedelta(days=1))

    action_items.remind(item_id=item.pk, reminder=Reminder.DAY_BEFORE)
    action_items.remind(item_id=item.pk, reminder=Reminder.DAY_BEFORE)

    (notification,) = told(NotificationKind.ITEM_DUE, colleague)
    assert notification.text == f"Due tomorrow, on case #{case.pk}: Send the fixed invoice"
    assert notification.email  # the reminder's one email


def test_an_overdue_step_tells_the_owner_and_the_managers_without_emailing_them_twice(
    case, manager
):
    call = case.steps.get(kind=StepKind.QUALIFICATION_CALL)
    CaseStep.objects.filter(pk=call.pk).update(due_at=timezone.now() - dt.timedelta(days=3))

    escalation = escalate_overdue_step(step_id=call.pk)
    deliver_escalation(escalation_id=escalation.pk)

    escalated = {row.recipient: row for row in told(NotificationKind.ESCALATED)}
    assert set(escalated) == {case.owner, manager}
    assert escalated[case.owner].email is True
    # The managers get the escalation email of the playbooks: not a second one.
    assert escalated[manager].email is False


def test_an_overdue_action_item_tells_the_owner_and_the_managers(case, manager, colleague):
    item = give_item(case, colleague, due=timezone.localdate() - dt.timedelta(days=10))

    escalation = action_items.escalate_overdue(item_id=item.pk)
    deliver_escalation(escalation_id=escalation.pk)
    deliver_escalation(escalation_id=escalation.pk)

    assert {row.recipient for row in told(NotificationKind.ESCALATED)} == {case.owner, manager}


def test_an_escalation_rule_at_opening_tells_the_owner_in_the_app_only(
    default_playbooks, csm, manager
):
    account = AccountFactory(csm=csm, arr=Decimal("900000"))
    response = ResponseFactory(contact=ContactFactory(account=account), score=2)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)

    for escalation in case.escalations.all():
        deliver_escalation(escalation_id=escalation.pk)

    rows = told(NotificationKind.ESCALATED)
    assert {row.recipient for row in rows} == {csm, manager}
    assert all(row.target_url == reverse("case-detail", args=[case.pk]) for row in rows)
    # The new case's email tells the owner; the escalation email tells the managers.
    assert not any(row.email for row in rows)


def test_an_escalation_raised_by_hand_emails_the_managers_from_the_bell(case, manager):
    raise_escalation(case=case, actor=case.owner, reason="They threaten to leave")

    (notification,) = told(NotificationKind.ESCALATED)
    assert (notification.recipient, notification.email) == (manager, True)


def test_a_superseded_case_tells_its_owner_in_the_app_only(case):
    supersede_case(case=case, old_score=3, new_score=9)

    (notification,) = told(NotificationKind.CASE_SUPERSEDED, case.owner)
    # The playbooks email the owner already (the superseded notice).
    assert notification.email is False
