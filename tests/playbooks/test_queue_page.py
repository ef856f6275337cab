"""The queue page: a CSM's open cases, those that need action first."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Segment
from playbooks.models import Case, CaseStatus, CaseStep, StepKind
from playbooks.selectors.queue import queue_for
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("case-queue")


def open_case(owner, score=3, comment="", segment=Segment.MID_MARKET, **account) -> Case:
    account = AccountFactory(csm=owner, segment=segment, **account)
    response = ResponseFactory(
        contact=ContactFactory(account=account), score=score, comment=comment
    )
    return Case.objects.get(pk=process_response(response_id=response.pk).case_id)


def rows(reply) -> list[int]:
    return [case.pk for case in reply.context["page"].object_list]


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    reply = client.get(URL)

    assert reply.status_code == 302
    assert reply.url.startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())

    assert client.get(URL).status_code == 403


def test_a_csm_sees_their_cases_and_not_another_csms(client, default_playbooks, csm, other_csm):
    mine = open_case(csm, comment="Invoices are wrong")
    theirs = open_case(other_csm)
    client.force_login(csm)

    reply = client.get(URL)

    assert reply.status_code == 200
    assert rows(reply) == [mine.pk]
    assert theirs.pk not in rows(reply)
    assert "Invoices are wrong" in reply.content.decode()


def test_a_manager_sees_every_open_case(client, default_playbooks, manager, csm):
    csm_case = open_case(csm)
    manager_case = open_case(manager)
    client.force_login(manager)

    assert set(rows(client.get(URL))) == {manager_case.pk, csm_case.pk}


def test_sorted_by_priority_a_managers_own_cases_come_first(
    client, default_playbooks, manager, csm
):
    csm_case = open_case(csm)
    manager_case = open_case(manager)
    client.force_login(manager)

    assert rows(client.get(URL, {"sort": "priority"})) == [manager_case.pk, csm_case.pk]


def test_sorted_by_priority_overdue_and_escalated_cases_come_first(client, default_playbooks, csm):
    calm = open_case(csm, score=8)
    escalated = open_case(csm, score=3, arr=500_000)
    overdue = open_case(csm, score=8)
    Case.objects.filter(pk=overdue.pk).update(sla_due_at=timezone.now() - dt.timedelta(hours=2))
    client.force_login(csm)

    assert rows(client.get(URL, {"sort": "priority"})) == [overdue.pk, escalated.pk, calm.pk]


def test_sorted_oldest_first_the_first_opened_case_leads(client, default_playbooks, csm):
    first = open_case(csm, score=9)
    second = open_case(csm, score=0, arr=900_000)
    client.force_login(csm)

    assert rows(client.get(URL, {"sort": "oldest"})) == [first.pk, second.pk]


def test_filters_narrow_the_queue_and_counts_follow(client, default_playbooks, csm):
    detractor = open_case(csm, score=2, segment=Segment.ENTERPRISE)
    open_case(csm, score=8, segment=Segment.SMB)
    client.force_login(csm)

    reply = client.get(URL, {"category": "detractor"})
    assert rows(reply) == [detractor.pk]
    assert rows(client.get(URL, {"segment": "enterprise"})) == [detractor.pk]
    counts = client.get(URL).context["counts"]
    assert counts.open == 2
    assert counts.by_status[CaseStatus.NEW] == 2


def test_search_finds_cases_by_account_or_contact(client, default_playbooks, csm):
    wanted = open_case(csm, name="Globex Corporation")
    open_case(csm, name="Initech")
    client.force_login(csm)

    assert rows(client.get(URL, {"q": "globex"})) == [wanted.pk]
    assert rows(client.get(URL, {"q": wanted.contact.email})) == [wanted.pk]


def test_the_closed_tab_shows_closed_cases_only(client, default_playbooks, csm):
    closed = open_case(csm, score=9)
    open_case(csm, score=9)
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    client.force_login(csm)

    assert rows(client.get(URL, {"status": "closed"})) == [closed.pk]


def test_a_wrong_filter_value_is_ignored_not_an_error(client, default_playbooks, csm):
    case = open_case(csm)
    client.force_login(csm)

    reply = client.get(URL, {"category": "angry", "owner": "12345678"})

    assert reply.status_code == 200
    assert rows(reply) == [case.pk]


def test_each_row_shows_the_next_step_and_the_sla(client, default_playbooks, csm):
    open_case(csm)
    client.force_login(csm)

    page = client.get(URL).content.decode()

    assert "Call the customer to understand" in page
    assert "Due in" in page


def test_a_row_whose_next_step_is_late_says_so_and_is_flagged_overdue(
    client, default_playbooks, csm
):
    late, on_time = open_case(csm, comment="Late"), open_case(csm, comment="On time")
    next_step = late.steps.filter(status="todo").order_by("position").first()
    CaseStep.objects.filter(pk=next_step.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(csm)

    page = client.get(URL).content.decode()

    late_row, on_time_row = (
        page.split(f'href="{reverse("case-detail", args=[case.pk])}"')[1].split("</tr>")[0]
        for case in (late, on_time)
    )
    assert "late: was due 2\xa0days ago" in late_row
    assert "Overdue" in late_row
    assert "late: was due" not in on_time_row
    assert "Overdue" not in on_time_row
    assert "from now" in on_time_row


def test_an_empty_queue_says_what_happens_next(client, default_playbooks, csm):
    client.force_login(csm)

    page = client.get(URL).content.decode()

    assert "Nothing to follow up right now" in page


def test_an_htmx_request_gets_only_the_results(client, default_playbooks, csm):
    open_case(csm)
    client.force_login(csm)

    reply = client.get(URL, headers={"HX-Request": "true"})

    page = reply.content.decode()
    assert 'id="queue-results"' in page
    assert "<html" not in page
    # The header's counts follow the filters too, swapped out of band.
    assert 'id="queue-summary" class="text-body-secondary mb-0" hx-swap-oob="true"' in page
    assert "1 open case" in page


def test_comments_are_escaped(client, default_playbooks, csm):
    open_case(csm, comment="<script>alert(1)</script>")
    client.force_login(csm)

    page = client.get(URL).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("cases", [3, 30])
def test_the_query_count_does_not_grow_with_the_cases(
    client, default_playbooks, csm, cases, django_assert_max_num_queries
):
    for _ in range(cases):
        open_case(csm)
    CaseStep.objects.filter(kind=StepKind.QUALIFICATION_CALL).update(due_at=timezone.now())
    client.force_login(csm)

    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_a_deactivated_owner_of_open_cases_can_still_be_filtered_on(
    client, default_playbooks, csm, other_csm, manager
):
    mine = open_case(csm)
    open_case(other_csm)
    csm.is_active = False
    csm.save()
    client.force_login(manager)

    page = client.get(URL, {"owner": str(csm.pk)})

    assert [case.pk for case in page.context["page"].object_list] == [mine.pk]


def test_the_tabs_count_each_status_and_the_open_cases_overdue_or_escalated(
    client, default_playbooks, csm, other_csm
):
    open_case(csm, score=8)
    escalated = open_case(csm, score=3, arr=500_000, name="Umbrella Holdings")
    late = open_case(csm, score=8)
    done = open_case(csm, score=9)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Case.objects.filter(pk=late.pk).update(sla_due_at=an_hour_ago)
    # Closed past its first-contact deadline: counted as closed, never as overdue.
    Case.objects.filter(pk=done.pk).update(status=CaseStatus.CLOSED, sla_due_at=an_hour_ago)
    open_case(other_csm, score=2)
    client.force_login(csm)

    counts = client.get(URL).context["counts"]
    searched = client.get(URL, {"q": "umbrella"}).context["counts"]

    assert (counts.all, counts.open, counts.overdue, counts.escalated) == (4, 3, 1, 1)
    assert counts.by_status[CaseStatus.CLOSED] == 1
    assert sum(counts.by_status.values()) == 4
    assert escalated.escalations.exists()
    assert (searched.all, searched.open, searched.overdue, searched.escalated) == (1, 1, 0, 1)


def test_search_finds_a_person_by_name_and_an_account_by_its_crm_id(client, default_playbooks, csm):
    by_person = open_case(csm)
    by_person.contact.name = "Zebulon Quark"
    by_person.contact.save()
    by_crm_id = open_case(csm, external_id="CRM-4242")
    open_case(csm, external_id="CRM-42")
    client.force_login(csm)

    assert rows(client.get(URL, {"q": "quark"})) == [by_person.pk]
    # The CRM's id is matched whole: "CRM-42" is another account.
    assert rows(client.get(URL, {"q": "crm-4242"})) == [by_crm_id.pk]
    # Every word must match: the person's first name and their account's CRM id do not meet.
    assert rows(client.get(URL, {"q": "zebulon crm-4242"})) == []


@pytest.mark.parametrize("found_at_most", [1, 500])
def test_a_word_finding_many_accounts_finds_the_same_cases_as_one_finding_few(
    client, default_playbooks, csm, monkeypatch, found_at_most
):
    # Up to SEARCH_IDS_AT_MOST accounts or people found are looked for by their ids, more
    # through the query that finds them: the cases listed and counted are the same.
    monkeypatch.setattr("playbooks.selectors.queue.SEARCH_IDS_AT_MOST", found_at_most)
    first = open_case(csm, name="Acme North")
    second = open_case(csm, name="Acme South")
    by_person = open_case(csm, name="Initech")
    by_person.contact.name = "Wile Acme"
    by_person.contact.save()
    open_case(csm, name="Globex")
    client.force_login(csm)

    reply = client.get(URL, {"q": "acme"})

    assert sorted(rows(reply)) == sorted([first.pk, second.pk, by_person.pk])
    assert reply.context["counts"].open == 3


def test_a_search_looks_up_each_word_once_for_the_list_and_its_counts(
    client, default_playbooks, csm
):
    open_case(csm, name="Acme North")
    client.force_login(csm)
    client.get(URL)  # the session and the settings row, read once

    with CaptureQueriesContext(connection) as plain:
        client.get(URL)
    with CaptureQueriesContext(connection) as searched:
        reply = client.get(URL, {"q": "acme north"})

    # Two words: each looks for its accounts and its people, once per page.
    assert len(searched) - len(plain) == 2 * 2
    assert reply.context["counts"].open == 1


def test_the_owner_filter_offers_the_team_and_whoever_still_owns_open_cases(
    client, default_playbooks, manager, csm, other_csm, admin_user
):
    gone_with_cases = UserFactory(username="gone-with-cases", is_active=False)
    open_case(gone_with_cases)
    gone_without = UserFactory(username="gone-without", is_active=False)
    client.force_login(manager)

    offered = {value for value, _label in client.get(URL).context["form"].fields["owner"].choices}

    assert {str(csm.pk), str(other_csm.pk), str(gone_with_cases.pk)} <= offered
    assert str(gone_without.pk) not in offered
    assert str(manager.pk) not in offered  # the reader is "Me"
    assert str(admin_user.pk) not in offered  # an admin only, not on the team


def test_the_pages_count_what_the_queue_lists_under_every_filter(client, default_playbooks, csm):
    open_case(csm, score=8)
    open_case(csm, score=3, arr=500_000)
    late = open_case(csm, score=8)
    done = open_case(csm, score=2, arr=700_000)
    Case.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    Case.objects.filter(pk=done.pk).update(status=CaseStatus.CLOSED)
    client.force_login(csm)

    for status in ("open", "all", "new", "closed"):
        for flags in ({}, {"overdue": "1"}, {"escalated": "1"}, {"overdue": "1", "escalated": "1"}):
            reply = client.get(URL, {"status": status, **flags})
            listed = list(
                queue_for(user=csm, filters=reply.context["filters"], now=reply.context["now"])
            )
            assert reply.context["page"].paginator.count == len(listed), (status, flags)


def test_the_queue_narrows_to_one_account_and_its_counts_follow(
    client, default_playbooks, manager, csm
):
    first = open_case(csm, name="Initech")
    closed = open_case(csm)
    closed.account = first.account
    closed.save(update_fields=["account"])
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    elsewhere = open_case(csm, name="Umbrella")
    client.force_login(manager)

    reply = client.get(URL, {"status": "all", "account": first.account.pk})

    assert set(rows(reply)) == {first.pk, closed.pk}
    assert elsewhere.pk not in rows(reply)
    assert reply.context["counts"].all == 2
    html = reply.content.decode()
    account_url = reverse("account-detail", args=[first.account.pk])
    assert f'Account: <a href="{account_url}">Initech</a>' in html
    # Changing another filter keeps the account.
    assert f'<input type="hidden" name="account" value="{first.account.pk}">' in html


def test_an_account_the_csm_may_not_see_narrows_nothing_and_is_not_named(
    client, default_playbooks, csm, other_csm
):
    mine = open_case(csm)
    theirs = open_case(other_csm, name="Hooli")
    client.force_login(csm)

    reply = client.get(URL, {"account": theirs.account.pk})

    assert rows(reply) == [mine.pk]
    assert "Hooli" not in reply.content.decode()
