"""The whole follow-through, each person in a browser of their own: a detractor's answer
arrives through the API and a real worker opens Alice's case; Alice plans an action for the
customer that her colleague Bob owns, and an internal one; Bob hears of it under the bell,
opens the case and does it from "My tasks", and Alice is told; she sends the customer the
plan summary and closes the case; the follow-up survey still goes out, the customer answers
9 from its link, and the closed case says won back, for Alice and on the manager's
dashboard."""

import datetime as dt
import json
import re
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from core.roles import Role, set_role
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.schedule import follow_ups_due
from playbooks.tasks import request_follow_up
from surveys.defaults import install_default_themes
from surveys.services.integrations import create_integration
from tests.celery_worker import wait_for
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.e2e

CUSTOMER_ITEM = "Credit the three wrong invoices"
INTERNAL_ITEM = "Fix the seat sync between CRM and billing"


def post_answer(base_url: str, key: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/v1/responses",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def add_action(page: Page, *, text: str, audience: str, owner: str = "", due: str = "") -> None:
    page.get_by_text("Add an action").click()
    page.locator("#id_add-action-audience").select_option(label=audience)
    page.locator("#id_add-action-text").fill(text)
    if owner:
        page.locator("#id_add-action-owner").select_option(label=owner)
    if due:
        page.locator("#id_add-action-due_date").fill(due)
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_label(f"Status of {text}")).to_be_visible()


def set_status(page: Page, text: str, status: str) -> None:
    page.get_by_label(f"Status of {text}").select_option(status)
    page.get_by_role("listitem").filter(has_text=text).get_by_role("button", name="Update").click()
    expect(page.get_by_text(f"'{text}' is now {status}.")).to_be_visible()


def survey_link(email, score: int) -> str:
    """The path of the one-click link for `score` in a survey invitation (as the worker
    wrote it: its plain-text part)."""
    text = next(
        part.get_payload(decode=True).decode()
        for part in email.walk()
        if part.get_content_type() == "text/plain"
    )
    found = re.search(rf"^\s*{score}: (\S+)$", text, re.MULTILINE)
    assert found, text
    url = urlsplit(found.group(1))
    return f"{url.path}?{url.query}"


@pytest.fixture
def team(csm, manager):
    alice, bob = csm, UserFactory(display_name="Bob Martin")
    alice.display_name = "Alice Durand"
    alice.save(update_fields=["display_name"])
    set_role(bob, Role.CSM)
    return {"alice": alice, "bob": bob, "manager": manager}


def test_a_plan_is_followed_through_by_the_team_and_the_customer_is_won_back(
    page, new_tab, sign_in, live_server, team, celery_worker, screenshots,
    serious_accessibility_violations, broken_requests, root_cause,
):  # fmt: skip
    install_default_playbooks()
    install_default_themes()
    alice, bob, manager = team["alice"], team["bob"], team["manager"]
    # Under the ARR threshold and not a key persona: no escalation to the managers.
    account = AccountFactory(csm=alice, name="Globex Logistics", arr=20_000)
    dana = ContactFactory(account=account, name="Dana Kim", email="dana@globex.example")

    # 1. A detractor answers; the worker opens Alice's case.
    answer = post_answer(
        live_server.url,
        create_integration(name="crm").key,
        {
            "external_id": "walk-1",
            "email": dana.email,
            "score": 3,
            "comment": "Invoices have been wrong for three months.",
        },
    )
    case = wait_for(
        lambda: Case.objects.filter(response_id=answer["id"]).first(),
        timeout=30,
        what="the case",
    )
    assert case.owner == alice

    # 2. Alice calls, then plans one action for the customer that Bob owns, one internal.
    sign_in(alice)  # she lands on her day, the case first among those needing her
    page.get_by_role("link", name="Globex Logistics").first.click()
    expect(page.get_by_role("heading", name=re.compile("Scored 3"))).to_be_visible()
    page.get_by_text("Log the call").click()
    page.get_by_label("Reached", exact=True).check()
    page.get_by_label("Billing").check()
    page.get_by_role("button", name="Save the call").click()
    expect(page.get_by_text("Call logged.")).to_be_visible()
    due = timezone.localdate() + dt.timedelta(days=7)
    add_action(
        page,
        text=CUSTOMER_ITEM,
        audience="For the customer",
        owner="Bob Martin",
        due=f"{due:%Y-%m-%d}",
    )
    add_action(page, text=INTERNAL_ITEM, audience="Internal")
    assert serious_accessibility_violations() == []

    # 3. Bob hears of it under the bell, opens the case, and does it from his tasks.
    bob_tab = new_tab()
    sign_in(bob, bob_tab)
    expect(bob_tab.locator("#notification-count")).to_have_text("1")
    bob_tab.locator("#notification-bell").click()
    notice = bob_tab.get_by_role(
        "link", name=re.compile(rf"Alice Durand gave you an action on case #{case.pk}")
    )
    expect(notice).to_contain_text(CUSTOMER_ITEM)
    notice.click()
    expect(bob_tab).to_have_url(re.compile(rf"/cases/{case.pk}/#action-\d+$"))
    expect(bob_tab.locator("[id^=action-]").filter(has_text=CUSTOMER_ITEM)).to_be_in_viewport()
    expect(bob_tab.locator("#notification-count")).to_have_count(0)
    assert serious_accessibility_violations(bob_tab) == []

    bob_tab.get_by_role("link", name="My tasks").click()
    row = bob_tab.get_by_role("row").filter(has_text=CUSTOMER_ITEM)
    expect(row).to_contain_text(f"Case #{case.pk}")
    expect(row).to_contain_text(date_format(due, "SHORT_DATE_FORMAT"))
    expect(bob_tab.get_by_text(INTERNAL_ITEM)).to_have_count(0)
    assert serious_accessibility_violations(bob_tab) == []
    row.get_by_label(f"Status of {CUSTOMER_ITEM}").select_option("done")
    row.get_by_role("button", name="Update").click()
    expect(bob_tab.get_by_text(f"'{CUSTOMER_ITEM}' is now done.")).to_be_visible()
    expect(bob_tab.get_by_role("region", name="Recently done")).to_contain_text(CUSTOMER_ITEM)

    # Alice is told under the bell, and sees it done on her case, and by whom.
    page.reload()
    expect(page.locator("#notification-count")).to_have_text("1")
    page.locator("#notification-bell").click()
    page.get_by_role(
        "link", name=re.compile(rf"Bob Martin did an action on case #{case.pk}: {CUSTOMER_ITEM}")
    ).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/#action-\d+$"))
    timeline = page.get_by_role("region", name="Timeline")
    done = timeline.get_by_role("listitem").filter(
        has_text=f"Action '{CUSTOMER_ITEM}': Open → Done."
    )
    expect(done).to_contain_text("Bob Martin")
    expect(page.get_by_label(f"Status of {CUSTOMER_ITEM}")).to_have_value("done")

    # 4. Alice sends the customer the plan summary: only the customer's action is in it.
    page.get_by_role("link", name="Write to the customer").click()
    page.get_by_role("link", name="Plan summary").click()
    body = page.get_by_label("Message")
    expect(body).to_have_value(re.compile(re.escape(CUSTOMER_ITEM)))
    expect(body).not_to_have_value(re.compile(INTERNAL_ITEM))
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview: exactly what will be sent")
    expect(preview).to_contain_text(CUSTOMER_ITEM)
    expect(preview).not_to_contain_text(INTERNAL_ITEM)
    expect(preview).to_contain_text(alice.email)
    assert serious_accessibility_violations() == []
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("queued: it goes out in a moment")).to_be_visible()
    expect(timeline).to_contain_text("Email to the customer (plan summary)")
    sent = wait_for(
        lambda: [e for e in celery_worker.emails() if e["To"] == dana.email],
        timeout=20,
        what="the plan summary to go out",
    )
    [summary] = sent
    # Bob was told by email too, as his profile chooses by default.
    assert any(
        CUSTOMER_ITEM in e.as_string() for e in celery_worker.emails() if e["To"] == bob.email
    )
    text = summary.get_payload(decode=True).decode()
    assert summary["Reply-To"] == alice.email
    assert CUSTOMER_ITEM in text and INTERNAL_ITEM not in text

    # 5. The internal action done, the plan is complete; Alice closes the case.
    set_status(page, INTERNAL_ITEM, "done")
    expect(timeline).to_contain_text("Action plan complete: the case is monitored.")
    page.get_by_label("Root cause").select_option(label="Billing errors")
    page.get_by_label("Post-mortem").fill("Seats synced wrongly from the CRM; credit issued.")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Case closed. Loop closed.")).to_be_visible()

    # Two weeks later the follow-up survey is due all the same, and goes out on that day
    # though Dana answered recently (the sweeps run with a later `now`, as the scheduler
    # would).
    in_15_days = timezone.now() + dt.timedelta(days=15)
    assert follow_ups_due(now=in_15_days) == [case.pk]
    request_follow_up(case_id=case.pk)
    [survey] = wait_for(
        lambda: [
            e
            for e in celery_worker.emails()
            if e["To"] == dana.email and "One question, one click" in e["Subject"]
        ],
        timeout=20,
        what="the follow-up survey to go out",
    )
    page.reload()
    expect(page.get_by_text("Follow-up survey sent, no answer yet.")).to_be_visible()

    # 6. Dana answers 9 from the link in the email.
    dana_tab = new_tab()
    dana_tab.goto(survey_link(survey, 9))
    expect(dana_tab.get_by_role("status")).to_contain_text("We recorded your score: 9")
    wait_for(
        lambda: Case.objects.filter(pk=case.pk, won_back_at__isnull=False).exists(),
        timeout=20,
        what="the follow-up answer to be linked to the case",
    )

    # Alice is told, and the closed case says won back.
    page.goto("/")
    expect(page.locator("#notification-count")).to_have_text("1")
    page.locator("#notification-bell").click()
    page.get_by_role("link", name=re.compile(rf"Case #{case.pk}: follow-up answer 3 → 9")).click()
    expect(page.get_by_text("Before 3 → after 9: won back").first).to_be_visible()
    expect(page.get_by_role("heading", name="Closed")).to_be_visible()
    screenshots("walk-won-back")
    assert serious_accessibility_violations() == []

    # The manager's dashboard counts it.
    manager_tab = new_tab()
    sign_in(manager, manager_tab)
    manager_tab.goto("/dashboard/")
    expect(manager_tab.get_by_text("100.0 % won back", exact=False)).to_be_visible()
    assert serious_accessibility_violations(manager_tab) == []
    assert broken_requests == []
