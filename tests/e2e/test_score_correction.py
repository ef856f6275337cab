"""A corrected score in the browser: the superseded case points to the one that replaces it."""

import pytest
from playwright.sync_api import expect

from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from surveys.answers import AnswerIn
from surveys.services import record_response
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.e2e


def test_the_superseded_case_leads_to_the_detractor_case_that_replaces_it(
    page, sign_in, csm, broken_requests, screenshots
):
    install_default_playbooks()
    contact = ContactFactory(account=AccountFactory(csm=csm, name="Hooli"))
    answer = {"source": "api", "external_id": "fix-9", "email": contact.email}
    first = record_response(answer=AnswerIn(**answer, score=9)).response
    process_response(response_id=first.pk)
    record_response(answer=AnswerIn(**answer, score=3, comment="Exports fail every Monday."))
    process_response(response_id=first.pk)
    old = Case.objects.get(response=first, superseded_at__isnull=False)
    new = Case.objects.current().get(response=first)
    assert new.replaces_id == old.pk
    sign_in(csm)

    page.goto(f"/cases/{old.pk}/")
    expect(page.get_by_role("status").filter(has_text="Superseded on")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen")).to_have_count(0)
    # The answer as it stands now, and what it was when this case opened.
    expect(page.get_by_role("heading", name="Scored 3 — Detractor")).to_be_visible()
    expect(page.get_by_text("(a promoter when this case opened)")).to_be_visible()
    screenshots("case-superseded")
    follow = page.get_by_role("link", name=f"Follow case #{new.pk} instead.")
    expect(follow).to_be_visible()
    follow.click()

    expect(page).to_have_url(f"{page.url.split('/cases/')[0]}/cases/{new.pk}/")
    expect(page.get_by_text("it replaces")).to_be_visible()
    expect(page.get_by_text("from 9 to 3")).to_have_count(0)  # the old case's timeline
    screenshots("case-replacing")
    assert broken_requests == []
