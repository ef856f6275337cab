"""A whole loop in the browser: an answer arrives through the API, a real worker opens its case,
the CSM works it to the end, the manager reads the timeline, another CSM cannot see it."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Persona
from core.roles import Role, set_role
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from surveys.defaults import install_default_themes
from surveys.services.integrations import create_integration
from tests.celery_worker import wait_for
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.e2e


def sign_out(page: Page, user) -> None:
    page.get_by_role("button", name=user.name).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def post_answer(base_url: str, key: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/v1/responses",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


@pytest.fixture
def people(csm, manager):
    second = UserFactory(display_name="Jordan Other")
    set_role(second, Role.CSM)
    return {"csm": csm, "manager": manager, "other_csm": second}


def test_a_detractor_is_followed_up_from_the_api_to_the_post_mortem(
    page, sign_in, live_server, people, celery_worker, screenshots,
    serious_accessibility_violations, broken_requests, root_cause,
):  # fmt: skip
    install_default_playbooks()
    install_default_themes()
    csm, manager = people["csm"], people["manager"]
    account = AccountFactory(csm=csm, name="Globex Logistics", arr=80_000)
    ContactFactory(
        account=account, name="Dana Kim", email="dana@globex.example", persona=Persona.CHAMPION
    )
    key = create_integration(name="crm").key

    answer = post_answer(
        live_server.url,
        key,
        {
            "external_id": "loop-1",
            "email": "dana@globex.example",
            "score": 3,
            "comment": "Invoices have been wrong for three months.",
        },
    )
    case = wait_for(
        lambda: Case.objects.filter(response_id=answer["id"]).first(),
        timeout=30,
        what="the case",
    )

    # The CSM lands on their day, where the case waits for them, then opens the queue.
    sign_in(csm)
    expect(page.get_by_role("heading", name="Cases needing you")).to_be_visible()
    expect(page.get_by_role("link", name="Globex Logistics").first).to_be_visible()
    screenshots("csm-home")
    assert serious_accessibility_violations() == []
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    row = page.get_by_role("link", name="Globex Logistics")
    expect(row).to_be_visible()
    screenshots("queue")
    assert serious_accessibility_violations() == []
    row.click()

    # The case page: the answer and the 360° view.
    expect(page.get_by_role("heading", name=re.compile("Scored 3"))).to_be_visible()
    expect(page.get_by_text("Invoices have been wrong for three months.")).to_be_visible()
    expect(page.get_by_role("heading", name="360° view", exact=True)).to_be_visible()
    screenshots("case")
    assert serious_accessibility_violations() == []

    # The account behind it, then back to the case.
    page.get_by_role("link", name="Globex Logistics").click()
    expect(page.get_by_role("heading", name="NPS by persona")).to_be_visible()
    screenshots("account")
    assert serious_accessibility_violations() == []
    page.go_back()

    # The qualification call.
    page.get_by_text("Log the call").click()
    page.get_by_label("Reached", exact=True).check()
    page.get_by_label("Billing").check()
    page.get_by_label("Notes").fill("Three wrong invoices; they want a credit and a fix.")
    page.get_by_role("button", name="Save the call").click()
    expect(page.get_by_text("Call logged.")).to_be_visible()

    # Two actions, then both done.
    for text in ("Credit the three invoices", "Fix the seat count in billing"):
        page.get_by_text("Add an action").click()
        page.locator("#id_add-action-text").fill(text)
        page.get_by_role("button", name="Add to the plan").click()
        expect(page.get_by_label(f"Status of {text}")).to_be_visible()
    expect(page.get_by_text("Action added to the plan.")).to_be_visible()
    for text in ("Credit the three invoices", "Fix the seat count in billing"):
        page.get_by_label(f"Status of {text}").select_option("done")
        page.get_by_role("listitem").filter(has_text=text).get_by_role(
            "button", name="Update"
        ).click()
        expect(page.get_by_text(f"'{text}' is now done.")).to_be_visible()

    # Optional steps left open are skipped when the case closes.
    page.get_by_label("Root cause").select_option(label="Billing errors")
    page.get_by_label("Post-mortem").fill(
        "Seat count synced wrongly from the CRM; fixed, credit issued."
    )
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Case closed. Loop closed.")).to_be_visible()
    sign_out(page, csm)

    # The manager reads the whole timeline.
    sign_in(manager)
    page.goto(f"/cases/{case.pk}/")
    for line in ("Call logged: reached.", "Action added", "Closed: Resolved."):
        expect(page.get_by_text(line).first).to_be_visible()

    # ...and finds the answer among all answers, filtered in place.
    page.get_by_role("link", name="Answers", exact=True).click()
    page.get_by_label("Category").select_option("detractor")
    expect(page).to_have_url(re.compile(r"category=detractor"))
    expect(page.get_by_role("link", name=f"Case #{case.pk}")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\s*1 answer\b"))).to_be_visible()
    screenshots("answers")
    assert serious_accessibility_violations() == []
    sign_out(page, manager)

    # Another CSM gets a 404.
    sign_in(people["other_csm"])
    reply = page.goto(f"/cases/{case.pk}/")
    assert reply.status == 404
    assert [r for r in broken_requests if f"/cases/{case.pk}/" not in r] == []
