"""An admin prepares a campaign for one segment in the browser, previews who it leaves out,
launches it, and follows a real worker sending it."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Persona, Segment
from surveys.models import Campaign, CampaignStatus, Invitation, InvitationStatus
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def customers():
    """Three people at two enterprise accounts, one of them opted out; one at an SMB."""
    globex = AccountFactory(name="Globex", segment=Segment.ENTERPRISE, tier="Gold")
    initech = AccountFactory(name="Initech", segment=Segment.ENTERPRISE, tier="Silver")
    hooli = AccountFactory(name="Hooli", segment=Segment.SMB)
    return {
        "ada": ContactFactory(account=globex, name="Ada Lovelace", persona=Persona.CHAMPION),
        "bob": ContactFactory(account=initech, name="Bob Stone", opted_out=True),
        "cleo": ContactFactory(account=initech, name="Cleo Marsh", language="fr"),
        "eve": ContactFactory(account=hooli, name="Eve Small"),
    }


def test_an_admin_launches_a_campaign_for_one_segment_and_sees_it_sent(
    page: Page, sign_in, admin_user, customers, celery_worker, screenshots,
    serious_accessibility_violations, broken_requests,
):  # fmt: skip
    worker = celery_worker
    sign_in(admin_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", name="No campaign yet")).to_be_visible()
    page.get_by_role("link", name="New campaign").click()
    # The preview follows the form once htmx has bound it, when the page has loaded; a click
    # only waits for the new page to start.
    page.wait_for_load_state()

    # Everyone is the audience until a filter narrows it; the preview follows each change.
    expect(page.locator('[data-figure="audience"]')).to_have_text("4")
    page.get_by_label("Name").fill("Enterprise spring survey")
    page.get_by_label("Segment").select_option(Segment.ENTERPRISE)
    preview = page.locator("#audience-preview")
    expect(preview.locator('[data-figure="audience"]')).to_have_text("3")
    expect(preview.locator('[data-figure="reachable"]')).to_have_text("2")
    expect(preview).to_contain_text("Bob Stone")
    expect(preview).to_contain_text("Opted out of surveys")
    # Accounts are suggested as their name is typed.
    page.get_by_label("Account", exact=True).fill("glob")
    expect(page.locator("#account-suggestions option")).to_have_count(1)
    expect(preview).to_contain_text("Fix the audience filters")  # "glob" is no account
    page.get_by_label("Account", exact=True).fill("")
    expect(preview.locator('[data-figure="audience"]')).to_have_text("3")
    # The date and days of the other schedules show once they are chosen.
    expect(page.get_by_label("Working days", exact=True)).to_be_hidden()
    page.get_by_label("Spread over several working days").check()
    expect(page.get_by_label("Working days", exact=True)).to_be_visible()
    screenshots("campaign-form")
    assert serious_accessibility_violations() == []
    page.get_by_label("Send as soon as it is launched").check()
    page.get_by_role("button", name="Save the draft").click()

    expect(page).to_have_url(re.compile(r"/campaigns/\d+/$"))
    expect(page.get_by_text("Draft saved. Check it, then launch it.")).to_be_visible()
    expect(page.get_by_text("2 of the 3 contacts of the audience would get")).to_be_visible()
    screenshots("campaign-draft")
    assert serious_accessibility_violations() == []
    page.get_by_role("link", name="Launch…").click()
    confirm = page.get_by_role("button", name="Launch: survey 2 contacts")
    expect(page.get_by_text("3 contacts match the audience; 1 is left out")).to_be_visible()
    screenshots("campaign-launch")
    assert serious_accessibility_violations() == []
    confirm.click()
    expect(page.get_by_text("“Enterprise spring survey” is launched")).to_be_visible()

    # The page follows the worker on its own until the campaign is completed.
    expect(page.locator(".campaign-status", has_text="Completed")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-figure="sent"]')).to_have_text("2")
    rows = page.get_by_role("table", name="Invitations of the campaign, in sending order")
    expect(rows.get_by_role("row")).to_have_count(4)  # the header and three people
    expect(rows.get_by_role("row", name=re.compile("Bob Stone"))).to_contain_text(
        "Opted out of surveys"
    )
    expect(rows.get_by_role("row", name=re.compile("Ada Lovelace"))).to_contain_text("Sent")

    campaign = Campaign.objects.get()
    assert campaign.status == CampaignStatus.COMPLETED
    assert sorted(message["To"] for message in worker.emails()) == sorted(
        [customers["ada"].email, customers["cleo"].email]
    )

    # Ada answers: her answer shows in the figures and the answers of the day.
    invitation = Invitation.objects.get(contact=customers["ada"])
    answer = ResponseFactory(contact=customers["ada"], campaign=campaign, score=9, comment="Great")
    Invitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.ANSWERED, response=answer, answered_at=timezone.now()
    )
    page.reload()
    expect(page.locator('[data-figure="answered"]')).to_have_text("1")
    expect(page.locator('[data-figure="response-rate"]')).to_have_text("50.0 %")
    # The chart of the answers per day is drawn; its table stays in the page, folded.
    expect(page.locator('[data-daily-chart="campaign-days"] canvas')).to_be_visible()
    expect(
        page.get_by_role("table", name="Answers of each day, by category", include_hidden=True)
    ).to_be_attached()
    page.get_by_label("Show", exact=True).select_option("excluded-opted_out")
    expect(page).to_have_url(re.compile(r"show=excluded-opted_out"))
    expect(rows.get_by_role("row")).to_have_count(2)
    screenshots("campaign-sent")
    assert serious_accessibility_violations() == []

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("link", name="Enterprise spring survey")).to_be_visible()
    screenshots("campaign-list")
    assert serious_accessibility_violations() == []
    assert broken_requests == []
