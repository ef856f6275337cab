"""An admin builds a playbook of three steps in the browser and previews it."""

import re

import pytest
from playwright.sync_api import expect

from playbooks.models import Playbook

pytestmark = pytest.mark.e2e


def test_an_admin_builds_a_three_step_playbook_and_previews_it(
    page, sign_in, admin_user, screenshots, serious_accessibility_violations, broken_requests
):
    Playbook.objects.update(active=False)  # a team starting from its own playbooks
    sign_in(admin_user)
    expect(page).to_have_url(re.compile(r"/playbooks/$"))
    expect(page.get_by_text("No active playbook covers the detractors")).to_be_visible()

    page.get_by_role("link", name="New playbook").click()
    page.get_by_label("Name").fill("Enterprise detractors")
    page.get_by_label("Active").check()
    page.get_by_label("Detractors (0–6)").check()
    page.get_by_label("Only this segment").select_option("enterprise")
    page.get_by_role("button", name="Create the playbook").click()
    expect(page.get_by_text("Playbook created")).to_be_visible()

    steps = (
        ("qualification_call", "Call the sponsor within a day"),
        ("escalation", "Escalate what is at stake"),
        ("post_mortem", "Write what we learned"),
    )
    for kind, title in steps:
        page.get_by_role("link", name="Add a step").click()
        page.get_by_label("Kind").select_option(kind)
        page.get_by_label("Title").fill(title)
        if kind == "escalation":
            settings = page.get_by_role("group", name=re.compile("Escalation rules"))
            expect(settings).to_be_visible()  # only this kind's settings show
            settings.get_by_label("Escalate from this ARR").fill("250000")
        page.get_by_role("button", name="Add the step").click()
        expect(page.get_by_role("link", name=title)).to_be_visible()
    screenshots("playbook-editor")
    assert serious_accessibility_violations() == []

    page.get_by_role("button", name=re.compile("Move “Write what we learned” up")).click()
    expect(page.locator(".step-row").nth(1)).to_contain_text("Write what we learned")

    page.get_by_role("link", name="Playbooks", exact=True).first.click()
    page.wait_for_load_state()  # the preview is htmx's to send, once the page has loaded
    page.get_by_label("Score").fill("2")
    page.get_by_label("Segment").select_option("enterprise")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#playbook-preview")
    expect(preview).to_contain_text("This answer gets “Enterprise detractors”")
    expect(preview).to_contain_text("Call the sponsor within a day")
    screenshots("playbook-list")
    assert serious_accessibility_violations() == []
    playbook = Playbook.objects.get(name="Enterprise detractors")
    assert playbook.steps.get(kind="escalation").options["arr_threshold"] == 250000
    assert broken_requests == []
