"""An action's due day lies among the days reports cover, 1990 to 2099, as a period's days
do: 0001-01-01 or 9999-12-31 is a slip of the date picker, and an item due in the year 1
was escalated as overdue on the next sweep. The case page says so and keeps the plan."""

import datetime as dt

import pytest
from django.urls import reverse

from playbooks.models import ActionItem
from playbooks.services.cases import add_action_item
from tests.playbooks.test_case_page_actions import act

pytestmark = pytest.mark.django_db

REFUSED = "Give a day from 1990-01-01 to 2099-12-31."


@pytest.mark.parametrize("day", ["0001-01-01", "1989-12-31", "2100-01-01", "9999-12-31"])
def test_an_action_due_outside_the_reports_days_is_refused_with_the_range(client, case, csm, day):
    client.force_login(csm)

    reply = act(client, case, "add-action", audience="customer", text="Call back", due_date=day)

    assert reply.status_code == 422
    assert REFUSED in reply.content.decode()
    assert not ActionItem.objects.exists()


def test_changing_an_action_s_due_day_to_the_year_9999_keeps_the_one_it_had(client, case, csm):
    item = add_action_item(
        case=case, actor=csm, audience="customer", text="Call back", due_date=dt.date(2026, 7, 1)
    )
    client.force_login(csm)

    reply = act(client, case, "action-change", item=item.pk, owner=csm.pk, due_date="9999-12-31")

    assert reply.status_code == 422
    assert REFUSED in reply.content.decode()
    item.refresh_from_db()
    assert item.due_date == dt.date(2026, 7, 1)


def test_the_date_pickers_offer_only_those_days(client, case, csm):
    add_action_item(case=case, actor=csm, audience="customer", text="Call back")
    client.force_login(csm)

    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    assert page.count('min="1990-01-01"') == page.count('max="2099-12-31"') == 2  # add, change
    assert 'name="add-action-due_date"' in page and 'name="action-change-due_date"' in page


def test_the_last_day_of_2099_is_a_due_day(client, case, csm):
    client.force_login(csm)

    act(client, case, "add-action", audience="customer", text="Call back", due_date="2099-12-31")

    assert ActionItem.objects.get().due_date == dt.date(2099, 12, 31)
