"""The managers' escalations page: what waits for a manager, acknowledged and resolved there."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Segment
from playbooks.models import Case, CaseEvent, Escalation, EscalationRule
from playbooks.services.cases import (
    acknowledge_escalation,
    raise_escalation,
    resolve_escalation,
)
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("escalation-list")
HTMX = {"HX-Request": "true"}


def action_url(escalation: Escalation, action: str) -> str:
    return reverse("escalation-action", args=[escalation.pk, action])


@pytest.fixture
def escalate(default_playbooks, csm):
    """Escalate (as `csm`) the case of a new detractor at a new account of theirs."""

    def escalate(
        reason: str = "They threaten to leave",
        *,
        level: int = 1,
        account: str = "Globex",
        segment: str = Segment.MID_MARKET,
        days_ago: int = 0,
    ) -> Escalation:
        # Below every rule's threshold: the only escalation is the one raised here.
        customer = AccountFactory(
            csm=csm, name=account, segment=segment, arr=Decimal("20000"), renewal_date=None
        )
        response = ResponseFactory(contact=ContactFactory(account=customer), score=3)
        case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
        escalation = raise_escalation(case=case, actor=csm, reason=reason, level=level)
        if days_ago:
            raised_at = timezone.now() - dt.timedelta(days=days_ago)
            Escalation.objects.filter(pk=escalation.pk).update(raised_at=raised_at)
        return escalation

    return escalate


def listed(client, query: str = "") -> list[str]:
    """The reasons of the escalations listed, in their order."""
    page = client.get(URL + query)
    assert page.status_code == 200
    return [escalation.reason for escalation in page.context["page"].object_list]


def counts(page) -> dict[str, int]:
    return {value: count for value, _label, count in page.context["tabs"]}


# --- who may see what -------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(client, escalate):
    escalation = escalate()

    for reply in (client.get(URL), client.post(action_url(escalation, "acknowledge"))):
        assert reply.status_code == 302
        assert reply["Location"].startswith(reverse("login"))
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_a_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())

    assert client.get(URL).status_code == 403


def test_a_csm_may_neither_see_nor_acknowledge_escalations(client, csm, escalate):
    escalation = escalate()
    client.force_login(csm)

    assert client.get(URL).status_code == 403
    assert client.post(action_url(escalation, "acknowledge")).status_code == 403
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_managers_and_admins_see_what_each_escalation_is_about(client, request, role, escalate):
    escalation = escalate("Invoices wrong three months running", level=2, account="Globex")
    client.force_login(request.getfixturevalue(role))

    html = client.get(URL).content.decode()

    case = escalation.case
    assert "Invoices wrong three months running" in html
    assert "Globex" in html
    assert "€20,000" in html  # the account's ARR
    assert f"Raised by {escalation.raised_by.name}" in html
    assert case.contact.name in html
    assert case.owner.name in html
    assert reverse("case-detail", args=[case.pk]) in html
    assert "Level 2" in html


def test_an_escalation_a_rule_raised_names_the_rule(client, manager, escalate):
    case = escalate().case
    Escalation.objects.create(
        case=case,
        rule=EscalationRule.RENEWAL_SOON,
        level=3,
        reason="Renewal in 20 days.",
        raised_at=timezone.now(),
    )
    client.force_login(manager)

    assert "Rule: Renewal soon" in client.get(URL).content.decode()


def test_the_navbar_leads_managers_to_the_escalations(client, manager, csm):
    client.force_login(manager)
    assert f'href="{URL}"' in client.get(reverse("case-queue")).content.decode()

    client.force_login(csm)
    assert f'href="{URL}"' not in client.get(reverse("case-queue")).content.decode()


# --- tabs, order, filters ---------------------------------------------------------------------


@pytest.fixture
def one_of_each(escalate, manager):
    waiting = escalate("Waiting one")
    taken = escalate("Acknowledged one")
    acknowledge_escalation(escalation=taken, actor=manager)
    done = escalate("Resolved one")
    resolve_escalation(escalation=done, actor=manager, resolution="Sorted")
    return waiting, taken, done


def test_each_tab_lists_its_escalations_and_counts_them(client, manager, one_of_each):
    client.force_login(manager)

    page = client.get(URL)

    assert counts(page) == {"waiting": 1, "acknowledged": 1, "resolved": 1, "all": 3}
    assert listed(client) == ["Waiting one"]
    assert listed(client, "?tab=acknowledged") == ["Acknowledged one"]
    assert listed(client, "?tab=resolved") == ["Resolved one"]
    assert listed(client, "?tab=all") == ["Waiting one", "Acknowledged one", "Resolved one"]


def test_the_highest_level_comes_first_then_the_oldest(client, manager, escalate):
    escalate("Recent, level 1", level=1, days_ago=1)
    escalate("Old, level 1", level=1, days_ago=5)
    escalate("Recent, level 3", level=3, days_ago=1)
    client.force_login(manager)

    assert listed(client) == ["Recent, level 3", "Old, level 1", "Recent, level 1"]


def test_the_latest_resolved_come_first(client, manager, escalate):
    first, second = escalate("Resolved first"), escalate("Resolved second")
    resolve_escalation(escalation=first, actor=manager, resolution="Sorted")
    resolve_escalation(escalation=second, actor=manager, resolution="Sorted")
    client.force_login(manager)

    assert listed(client, "?tab=resolved") == ["Resolved second", "Resolved first"]


def test_segment_and_account_search_narrow_the_list_and_its_counts(client, manager, escalate):
    escalate("At Globex", account="Globex Corp", segment=Segment.ENTERPRISE)
    escalate("At Initech", account="Initech", segment=Segment.ENTERPRISE)
    escalate("At a small one", account="Globex Garage", segment=Segment.SMB)
    client.force_login(manager)

    assert listed(client, "?segment=enterprise") == ["At Globex", "At Initech"]
    assert listed(client, "?q=globex") == ["At Globex", "At a small one"]
    page = client.get(URL + "?q=globex&segment=smb")
    assert counts(page)["waiting"] == 1
    assert listed(client, "?q=nobody") == []
    assert "No escalation matches these filters" in client.get(URL + "?q=nobody").content.decode()


def test_a_wrong_filter_value_is_ignored_not_an_error(client, manager, escalate):
    escalate("Still listed")
    client.force_login(manager)

    assert listed(client, "?tab=everything&segment=galactic") == ["Still listed"]


def test_an_empty_tab_says_what_it_will_hold(client, manager):
    client.force_login(manager)

    assert "No escalation waits for a manager" in client.get(URL).content.decode()


def test_an_htmx_request_gets_only_the_results(client, manager, escalate):
    escalate("Partial")
    client.force_login(manager)

    html = client.get(URL + "?tab=waiting&q=glob", headers=HTMX).content.decode()

    assert html.lstrip().startswith('<div id="escalation-results"')
    assert "Partial" in html


def test_the_reason_is_escaped(client, manager, escalate):
    escalate("<script>alert(1)</script>")
    client.force_login(manager)

    html = client.get(URL).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("escalations", [3, 30])
def test_the_query_count_does_not_grow_with_the_escalations(
    client, manager, escalate, escalations, django_assert_max_num_queries
):
    for n in range(escalations):
        escalation = escalate(f"Reason {n}", level=n % 3 + 1)
        if n % 3 == 1:
            acknowledge_escalation(escalation=escalation, actor=manager)
    client.force_login(manager)

    for tab in ("waiting", "all"):
        with django_assert_max_num_queries(7):
            assert client.get(f"{URL}?tab={tab}").status_code == 200


# --- acknowledging and resolving --------------------------------------------------------------


def test_a_manager_acknowledges_from_the_list_and_comes_back_to_it(client, manager, escalate):
    escalation = escalate()
    client.force_login(manager)

    reply = client.post(action_url(escalation, "acknowledge") + "?segment=mid_market")

    assert reply.status_code == 302
    assert reply["Location"] == URL + "?segment=mid_market"
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == manager
    event = CaseEvent.objects.get(case=escalation.case, kind="escalation_acknowledged")
    assert event.actor == manager
    page = client.get(reply["Location"]).content.decode()
    assert f"Escalation of case #{escalation.case_id} acknowledged." in page


def test_with_htmx_the_row_changes_in_place_with_the_counts(client, manager, escalate):
    escalation = escalate()
    client.force_login(manager)

    reply = client.post(action_url(escalation, "acknowledge"), headers=HTMX)

    html = reply.content.decode()
    assert reply.status_code == 200
    assert html.lstrip().startswith(f'<tr id="escalation-{escalation.pk}"')
    assert "Acknowledged" in html and manager.name in html
    assert 'id="escalation-tabs"' in html and 'hx-swap-oob="true"' in html
    assert counts(reply) == {"waiting": 0, "acknowledged": 1, "resolved": 0, "all": 1}
    assert f"Escalation of case #{escalation.case_id} acknowledged." in html


def test_acknowledging_twice_is_refused_with_who_did_it(client, manager, admin_user, escalate):
    escalation = escalate()
    acknowledge_escalation(escalation=escalation, actor=admin_user)
    client.force_login(manager)

    plain = client.post(action_url(escalation, "acknowledge"), follow=True)
    htmx = client.post(action_url(escalation, "acknowledge"), headers=HTMX)

    expected = f"The escalation was already acknowledged. By {admin_user.name}"
    assert expected in plain.content.decode()
    assert htmx.status_code == 422
    assert expected in htmx.content.decode()
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == admin_user
    assert CaseEvent.objects.filter(kind="escalation_acknowledged").count() == 1


def test_resolving_keeps_what_was_done_on_the_escalation_and_the_timeline(
    client, manager, escalate
):
    escalation = escalate()
    client.force_login(manager)

    reply = client.post(
        action_url(escalation, "resolve"), {"resolution": " Called their CFO. "}, headers=HTMX
    )

    assert reply.status_code == 200
    assert "Called their CFO." in reply.content.decode()
    escalation.refresh_from_db()
    assert escalation.resolution == "Called their CFO."
    assert escalation.resolved_by == manager
    assert escalation.acknowledged_by == manager  # resolving takes it on too
    event = CaseEvent.objects.get(case=escalation.case, kind="escalation_resolved")
    assert event.message == "Escalation resolved. Called their CFO."


def test_resolving_a_resolved_escalation_is_refused(client, manager, escalate):
    escalation = escalate()
    resolve_escalation(escalation=escalation, actor=manager, resolution="First")
    client.force_login(manager)

    reply = client.post(action_url(escalation, "resolve"), {"resolution": "Second"}, follow=True)

    assert "The escalation was already resolved." in reply.content.decode()
    escalation.refresh_from_db()
    assert escalation.resolution == "First"


def test_a_resolution_too_long_is_refused_and_nothing_changes(client, manager, escalate):
    escalation = escalate()
    client.force_login(manager)

    reply = client.post(action_url(escalation, "resolve"), {"resolution": "x" * 2001})

    assert reply.status_code == 422
    assert "at most 2000 characters" in reply.content.decode()
    escalation.refresh_from_db()
    assert escalation.resolved_at is None


def test_an_unknown_action_or_escalation_is_a_404(client, manager, escalate):
    escalation = escalate()
    client.force_login(manager)

    assert client.post(action_url(escalation, "delete")).status_code == 404
    assert client.post(reverse("escalation-action", args=[999999, "resolve"])).status_code == 404
    assert client.get(action_url(escalation, "acknowledge")).status_code == 405


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
@pytest.mark.parametrize("resolution", ["", "  \n "], ids=["empty", "blank"])
def test_resolving_without_saying_what_was_done_is_refused_and_nothing_changes(
    client, manager, escalate, headers, resolution
):
    escalation = escalate()
    client.force_login(manager)

    reply = client.post(
        action_url(escalation, "resolve"), {"resolution": resolution}, headers=headers
    )

    assert reply.status_code == 422
    assert "Say what was done to resolve the escalation." in reply.content.decode()
    escalation.refresh_from_db()
    assert escalation.is_open and escalation.acknowledged_at is None
    assert not CaseEvent.objects.filter(kind="escalation_resolved").exists()


def test_the_resolve_form_asks_what_was_done(client, manager, escalate):
    escalate()
    client.force_login(manager)

    html = client.get(URL).content.decode()

    assert "What was done (optional)" not in html
    assert 'name="resolution"' in html and "required" in html.split('name="resolution"')[1][:80]
