"""Action items as tracked promises: owners are reminded, late items show and escalate, and
each person finds theirs on "My tasks"."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.models import LoopSettings
from core.roles import Role, set_role
from playbooks.models import (
    ActionAudience,
    ActionStatus,
    Case,
    CaseEvent,
    CaseStatus,
    Escalation,
    EscalationRule,
)
from playbooks.selectors import QueueFilters, queue_for
from playbooks.services import action_items
from playbooks.services.action_items import Reminder
from playbooks.services.cases import add_action_item, set_action_item_status
from playbooks.services.engine import process_response
from tests.core.loop_settings_form import settings_form
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo(settings.TIME_ZONE)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


@pytest.fixture
def colleague(db):
    user = UserFactory(display_name="Camille Colleague")
    set_role(user, Role.CSM)
    return user


def item_on(case: Case, *, owner, due: dt.date | None, text="Send the fixed invoice"):
    return add_action_item(
        case=case,
        actor=case.owner,
        audience=ActionAudience.CUSTOMER,
        text=text,
        owner=owner,
        due_date=due,
    )


# --- reminders --------------------------------------------------------------------------


def test_the_owner_is_reminded_the_day_before_and_on_the_due_date_once_each(case, colleague):
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    item = item_on(case, owner=colleague, due=tomorrow)

    assert action_items.items_to_remind(now=at(today, 9)) == [(item.pk, Reminder.DAY_BEFORE)]
    assert action_items.remind(item_id=item.pk, reminder=Reminder.DAY_BEFORE) is not None
    assert action_items.remind(item_id=item.pk, reminder=Reminder.DAY_BEFORE) is None
    assert action_items.items_to_remind(now=at(today, 10)) == []

    assert action_items.items_to_remind(now=at(tomorrow, 9)) == [(item.pk, Reminder.DUE_TODAY)]
    said = CaseEvent.objects.filter(case=case, kind="action_reminder").values_list(
        "message", flat=True
    )
    assert list(said) == [
        "Reminder sent to Camille Colleague: 'Send the fixed invoice' is due tomorrow."
    ]


def test_reminders_wait_for_the_morning_and_skip_closed_items(case, colleague):
    today = timezone.localdate()
    due_today = item_on(case, owner=colleague, due=today)
    done = item_on(case, owner=colleague, due=today, text="Already done")
    set_action_item_status(item=done, actor=case.owner, status=ActionStatus.DONE)

    assert action_items.items_to_remind(now=at(today, 6)) == []
    assert action_items.items_to_remind(now=at(today, 8)) == [(due_today.pk, Reminder.DUE_TODAY)]
    assert action_items.remind(item_id=done.pk, reminder=Reminder.DUE_TODAY) is None


# --- overdue ----------------------------------------------------------------------------


def test_an_item_late_by_the_configured_days_escalates_once(case, colleague):
    LoopSettings.objects.update_or_create(pk=1, defaults={"action_overdue_escalation_days": 3})
    today = timezone.localdate()
    late = item_on(case, owner=colleague, due=today - dt.timedelta(days=3))
    item_on(case, owner=colleague, due=today - dt.timedelta(days=2), text="Late, not yet 3 days")

    assert action_items.items_overdue() == [late.pk]
    escalation = action_items.escalate_overdue(item_id=late.pk)
    assert action_items.escalate_overdue(item_id=late.pk) is None
    assert action_items.items_overdue() == []

    assert escalation.rule == EscalationRule.ACTION_OVERDUE
    assert escalation.action_item == late
    assert "Send the fixed invoice" in escalation.reason
    assert "3 days overdue" in escalation.reason
    assert Escalation.objects.filter(case=case).count() == 1


def test_two_late_items_of_one_case_escalate_each(case, colleague):
    today = timezone.localdate()
    first = item_on(case, owner=colleague, due=today - dt.timedelta(days=5))
    second = item_on(case, owner=None, due=today - dt.timedelta(days=4), text="Call the CFO")

    for item in (first, second):
        action_items.escalate_overdue(item_id=item.pk)

    assert Escalation.objects.filter(case=case, rule=EscalationRule.ACTION_OVERDUE).count() == 2


def test_an_overdue_item_marks_its_case_overdue_in_the_queue(case, colleague, csm):
    on_time = Case.objects.get(
        pk=process_response(
            response_id=ResponseFactory(
                contact=ContactFactory(account=AccountFactory(csm=csm)), score=2
            ).pk
        ).case_id
    )
    Case.objects.filter(pk__in=[case.pk, on_time.pk]).update(first_contact_at=timezone.now())
    today = timezone.localdate()
    item_on(on_time, owner=colleague, due=today)
    item_on(case, owner=colleague, due=today - dt.timedelta(days=1))

    overdue = list(queue_for(user=csm, filters=QueueFilters(status="open", overdue=True)))

    assert overdue == [case.pk]


# --- "My tasks" ---------------------------------------------------------------------------


def test_my_tasks_lists_the_items_a_person_owns_across_cases_late_first(
    client, case, colleague, csm
):
    today = timezone.localdate()
    other = Case.objects.get(
        pk=process_response(
            response_id=ResponseFactory(
                contact=ContactFactory(account=AccountFactory(csm=csm, name="Umbrella")), score=1
            ).pk
        ).case_id
    )
    item_on(other, owner=colleague, due=today + dt.timedelta(days=7), text="Ship the export")
    item_on(case, owner=colleague, due=today - dt.timedelta(days=1), text="Refund the overcharge")
    item_on(case, owner=csm, due=today, text="Not the colleague's")
    client.force_login(colleague)

    page = client.get(reverse("my-tasks"))

    shown = [task.item.text for task in page.context["page"].object_list if task.item]
    assert shown == ["Refund the overcharge", "Ship the export"]
    html = page.content.decode()
    assert "Umbrella" in html
    assert reverse("case-detail", args=[case.pk]) in html
    assert "1 overdue" in html


def test_the_owner_completes_an_item_from_my_tasks(client, case, colleague):
    item = item_on(case, owner=colleague, due=timezone.localdate())
    client.force_login(colleague)

    page = client.post(reverse("task-status", args=[item.pk]), {"status": "done"}, follow=True)

    item.refresh_from_db()
    assert item.status == ActionStatus.DONE
    assert "is now done" in page.content.decode()
    assert page.context["tasks"].open == []


def test_nobody_moves_an_item_of_a_case_they_may_not_see(client, case, other_csm):
    item = item_on(case, owner=None, due=None)
    client.force_login(other_csm)

    answer = client.post(reverse("task-status", args=[item.pk]), {"status": "done"})

    assert answer.status_code == 404
    item.refresh_from_db()
    assert item.status == ActionStatus.OPEN


def test_my_tasks_has_an_empty_state_and_leaves_out_closed_cases(client, case, colleague):
    item_on(case, owner=colleague, due=None)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    client.force_login(colleague)

    page = client.get(reverse("my-tasks"))

    assert page.context["tasks"].open == []
    assert "Nothing on your plate" in page.content.decode()


# --- dashboard and settings ----------------------------------------------------------------


def test_the_dashboard_counts_overdue_items_per_owner_and_playbook(
    client, case, colleague, manager
):
    today = timezone.localdate()
    item_on(case, owner=colleague, due=today - dt.timedelta(days=2))
    item_on(case, owner=colleague, due=today - dt.timedelta(days=1), text="Second")
    item_on(case, owner=None, due=today - dt.timedelta(days=1), text="The case owner's")
    item_on(case, owner=colleague, due=today, text="Due today: not late")
    client.force_login(manager)

    page = client.get(reverse("dashboard"))

    figures = page.context["overdue_actions"]
    assert figures.total == 3
    assert figures.by_owner == [("Camille Colleague", 2), (case.owner.name, 1)]
    assert figures.by_playbook == [("Detractor follow-up", 3)]


def test_admins_set_after_how_many_days_an_overdue_action_escalates(client, admin_user):
    client.force_login(admin_user)

    client.post(reverse("configure-general"), settings_form(action_overdue_escalation_days="5"))
    refused = client.post(
        reverse("configure-general"), settings_form(action_overdue_escalation_days="0")
    )

    assert LoopSettings.objects.get().action_overdue_escalation_days == 5
    assert "from 1 to 90" in refused.content.decode()


# --- changing an item ----------------------------------------------------------------------


def test_an_item_given_to_a_colleague_with_a_new_date_is_reminded_again(client, case, colleague):
    today = timezone.localdate()
    item = item_on(case, owner=case.owner, due=today)
    action_items.remind(item_id=item.pk, reminder=Reminder.DUE_TODAY)
    client.force_login(case.owner)

    page = client.post(
        reverse("case-action", args=[case.pk, "action-change"]),
        {
            "item": item.pk,
            "action-change-owner": colleague.pk,
            "action-change-due_date": (today + dt.timedelta(days=1)).isoformat(),
        },
        follow=True,
    )

    item.refresh_from_db()
    assert (item.owner, item.due_date) == (colleague, today + dt.timedelta(days=1))
    assert item.reminded_due_at is None
    assert "is now for Camille Colleague" in page.content.decode()
    assert action_items.items_to_remind(now=at(today, 9)) == [(item.pk, Reminder.DAY_BEFORE)]
    assert CaseEvent.objects.filter(case=case, kind="action_changed").get().message == (
        f"Action 'Send the fixed invoice' is now for Camille Colleague, "
        f"due {today + dt.timedelta(days=1):%Y-%m-%d}."
    )
