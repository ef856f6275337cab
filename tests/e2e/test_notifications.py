"""A colleague mentioned in a note sees the bell count, opens the notification and lands on
the note; the list and the profile pass the accessibility check."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.roles import Role, set_role
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from playbooks.services.notes import add_note
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def camille(db):
    user = UserFactory(username="camille", display_name="Camille Martin")
    set_role(user, Role.CSM)
    return user


@pytest.fixture
def mention(camille, manager):
    install_default_playbooks()
    # Under the ARR threshold: no escalation, whose notice a running worker would add.
    account = AccountFactory(name="Globex", csm=camille, arr=Decimal("20000"))
    answer = ResponseFactory(contact=ContactFactory(account=account), score=3)
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    return add_note(author=manager, body="@camille their CFO wants a call today", case=case)


def test_a_mention_shows_on_the_bell_and_opens_on_the_note(
    page,
    sign_in,
    camille,
    mention,
    screenshots,
    serious_accessibility_violations,
    broken_requests,
):
    sign_in(camille)
    bell = page.locator("#notification-bell")
    expect(bell.locator("#notification-count")).to_have_text("1")

    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    item = page.get_by_role("link", name=re.compile(r"mentioned you in a note on case #"))
    expect(item).to_be_visible()
    screenshots("notifications")
    assert serious_accessibility_violations() == []

    item.click()
    expect(page).to_have_url(re.compile(rf"/cases/{mention.case_id}/#note-{mention.pk}$"))
    expect(page.locator(f"#note-{mention.pk}")).to_contain_text("their CFO wants a call today")
    expect(page.locator("#notification-count")).to_have_count(0)

    page.goto("/profile/")
    page.get_by_label("Action item due").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_label("Action item due")).not_to_be_checked()
    assert serious_accessibility_violations() == []
    assert broken_requests == []
