"""An admin gives an unmatched answer its account in the browser; its case follows."""

import re

import pytest
from playwright.sync_api import expect

from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e


def test_an_admin_assigns_an_unmatched_answer_to_the_suggested_account(
    page, sign_in, admin_user, csm, screenshots, serious_accessibility_violations, broken_requests
):
    install_default_playbooks()
    account = AccountFactory(name="Kestrel Field Robotics", csm=csm)
    AccountFactory(name="Kestrel Bank")
    contact = ContactFactory(account=None, name="Marc Roux", email="marc@kestrelrobotics.example")
    answer = ResponseFactory(contact=contact, account=None, score=2, comment="Nobody calls back.")
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)

    sign_in(admin_user)
    page.goto("/responses/")
    page.get_by_role("link", name=re.compile("^Unmatched")).click()
    expect(page.get_by_text("Nobody calls back.").filter(visible=True)).to_be_visible()
    page.get_by_role("link", name="Assign to an account").click()

    expect(page.get_by_text("Suggested from the mail domain")).to_be_visible()
    screenshots("assign-answer")
    assert serious_accessibility_violations() == []
    page.get_by_role("button", name="Assign to Kestrel Field Robotics").click()

    expect(page.get_by_text("Marc Roux is now a contact of Kestrel Field Robotics")).to_be_visible()
    expect(page.get_by_role("heading", name="Every answer is matched to an account")).to_be_visible(
        timeout=10_000
    )
    case.refresh_from_db()
    assert (case.account, case.owner) == (account, csm)
    assert broken_requests == []
