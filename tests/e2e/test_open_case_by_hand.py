"""A CSM opens a case by hand for a promoter's answer, in the browser."""

import re

import pytest
from playwright.sync_api import expect

from playbooks.defaults import install_default_playbooks
from playbooks.models import Case, Playbook
from surveys.models import Response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e


def test_a_csm_opens_a_case_by_hand_for_a_promoters_answer(
    page, sign_in, csm, screenshots, serious_accessibility_violations, broken_requests
):
    install_default_playbooks()
    contact = ContactFactory(account=AccountFactory(name="Hooli", csm=csm), name="Ana Lima")
    answer = ResponseFactory(contact=contact, score=10, comment="Ask us for a case study!")
    Response.objects.filter(pk=answer.pk).update(processed_at=answer.created_at)

    sign_in(csm)
    page.goto("/responses/")
    page.get_by_role("link", name=f"Open a case for answer {answer.pk}").click()

    expect(page.get_by_role("heading", name="Open a case")).to_be_visible()
    promoters = Playbook.objects.get(for_promoters=True, active=True)
    expect(page.get_by_label("Playbook")).to_have_value(str(promoters.pk))
    screenshots("open-case")
    assert serious_accessibility_violations() == []
    page.get_by_role("button", name="Open the case").click()

    case = Case.objects.get(response=answer)
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.get_by_text(f"Case #{case.pk} opened with playbook")).to_be_visible()
    expect(page.get_by_text("opened this case by hand").first).to_be_visible()
    assert (case.owner, case.playbook) == (csm, promoters)
    assert broken_requests == []
