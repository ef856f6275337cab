"""Every kind of page works under the Content-Security-Policy: the browser blocks nothing,
the scripts that were inline (copy buttons, the import's checkbox, the playbook editor's
questions) and the charts still run."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Segment
from imports.models import ImportJob, ImportKind, ImportStatus
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case, Playbook
from playbooks.services.engine import process_response
from surveys.defaults import install_default_themes
from surveys.services.themes import tag_themes
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EmailCampaignFactory,
    InvitationFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def blocked(page: Page, csp_violations: list[str]) -> list[str]:
    """What the browser refused or failed to run: each CSP violation (reported by the
    page fixture), script error and console error of every page the test opens."""
    page.on("pageerror", lambda error: csp_violations.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            csp_violations.append(f"console {message.type}: {message.text} ({page.url})")
            if message.type == "error"
            else None
        ),
    )
    return csp_violations


@pytest.fixture
def loop():
    """A detractor's answer with its case, a campaign under way, a checked import."""
    install_default_playbooks()
    install_default_themes()
    account = AccountFactory(name="Globex", segment=Segment.ENTERPRISE, arr=900_000)
    for score, comment in ((2, "Billing is wrong every month"), (9, ""), (10, "Love it")):
        answer = ResponseFactory(
            contact=ContactFactory(account=account), score=score, comment=comment
        )
        tag_themes(response=answer)
        process_response(response_id=answer.pk)
    campaign = EmailCampaignFactory(name="Spring survey")
    invitation = InvitationFactory(campaign=campaign, contact=ContactFactory(account=account))
    job = ImportJob.objects.create(
        kind=ImportKind.ACCOUNTS,
        file_name="crm.csv",
        stored_name="imports/crm.csv",
        size=120,
        status=ImportStatus.CHECKED,
        rows_total=3,
        rows_done=3,
        check_result={"rows": 3, "created": 2, "invalid_rows": 1, "error_count": 0},
    )
    return {
        "account": account,
        "case": Case.objects.get(response__score=2),
        "campaign": campaign,
        "invitation": invitation,
        "job": job,
    }


def test_the_staff_pages_run_under_the_policy_with_nothing_blocked(
    page: Page, sign_in: Callable, admin_user, manager, loop, blocked, broken_requests
):
    sign_in(manager)
    expect(page.locator("[data-nps-chart] canvas")).to_be_visible()  # the dashboard's chart
    expect(page.locator("svg.theme-trend").first).to_be_visible()
    # htmx swaps the charts for a slice, then puts the page back from its history.
    page.get_by_label("Segment", exact=True).select_option("enterprise")
    expect(page).to_have_url(re.compile(r"segment=enterprise"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator("[data-nps-chart] canvas")).to_be_visible()
    # The pages that only show are swept, under the same policy, by test_every_page.py;
    # here, those whose scripts do something.
    page.goto(f"/cases/{loop['case'].pk}/write/")
    page.goto(f"/campaigns/{loop['campaign'].pk}/")
    expect(page.locator(".progress svg.progress-fill")).to_be_visible()
    assert blocked == []

    page.context.clear_cookies()
    sign_in(admin_user)
    page.goto("/configure/api-keys/new/")
    page.get_by_label("Name").fill("typeform-eu")
    page.locator("input[name=kind][value=typeform]").check()
    page.get_by_role("button", name=re.compile("^Create")).click()
    copy = page.get_by_role("button", name="Copy the key")
    expect(copy).to_be_visible()  # shown by copy-buttons.js
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy.click()
    expect(page.get_by_role("status")).to_have_text("Copied to the clipboard.")

    page.goto(f"/configure/imports/{loop['job'].pk}/")
    import_button = page.get_by_role("button", name="Import", exact=True)
    expect(import_button).to_be_disabled()  # import-job.js waits for the checkbox
    page.get_by_label("Skip the invalid rows").check()
    expect(import_button).to_be_enabled()

    playbook = Playbook.objects.exclude(pk__in=Case.objects.values("playbook")).first()
    page.goto(f"/playbooks/{playbook.pk}/")
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Delete", exact=True).click()  # confirm-forms.js asks
    assert questions == ["Delete this playbook and its steps?"]
    expect(page).to_have_url(re.compile(rf"/playbooks/{playbook.pk}/$"))
    assert Playbook.objects.filter(pk=playbook.pk).exists()

    page.goto("/admin/")
    page.goto(f"/admin/accounts/account/{loop['account'].pk}/change/")
    expect(page.locator("#account_form")).to_be_visible()
    page.goto(f"/admin/playbooks/playbook/{playbook.pk}/change/")
    expect(page.locator("input.step-position").first).to_be_visible()
    page.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("NPS Loop API")

    assert blocked == []
    assert broken_requests == []


def test_the_public_survey_page_runs_under_the_policy_with_nothing_blocked(
    page: Page, loop, blocked, broken_requests
):
    token = loop["invitation"].token
    page.goto(f"/s/{token}/?score=3")
    expect(page).to_have_url(re.compile(rf"/s/{token}/$"))
    page.get_by_label(re.compile("reason for your score")).fill("Too slow")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")

    assert blocked == []
    assert broken_requests == []


def test_every_list_and_add_form_of_the_admin_runs_under_the_policy(
    page: Page, sign_in: Callable, admin_user, loop, blocked, broken_requests
):
    sign_in(admin_user)
    page.goto("/admin/")
    # The lists and add forms the index offers this admin.
    links = page.locator("#content-main a").evaluate_all("links => links.map(a => a.href)")
    assert len(links) > 10
    for link in links:
        page.goto(link)

    assert blocked == []
    assert broken_requests == []
