"""One account, one case and won back, in the browser: the case lists the answers that
joined it and says the customer was won back; the dashboard gives the won-back rate."""

import pytest
from playwright.sync_api import expect

from core.models import LoopSettings
from playbooks.defaults import install_default_playbooks
from playbooks.models import ActionAudience, ActionStatus, Case, Playbook, StepKind
from playbooks.services.cases import add_action_item, log_call, set_action_item_status
from playbooks.services.engine import process_response
from playbooks.services.schedule import request_follow_up
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def won_back_case(csm) -> Case:
    install_default_playbooks()
    Playbook.objects.filter(name="Detractor follow-up").update(group_by_account=True)
    loop = LoopSettings.current()
    loop.survey_throttle_days = 0
    loop.save()
    account = AccountFactory(name="Globex", csm=csm)
    first = ResponseFactory(contact=ContactFactory(account=account), score=3)
    case = Case.objects.get(pk=process_response(response_id=first.pk).case_id)
    joined = ResponseFactory(
        contact=ContactFactory(account=account, name="Bea Martin"), score=5, comment="Slow"
    )
    process_response(response_id=joined.pk)
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Fix")
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    request_follow_up(case_id=case.pk)
    process_response(response_id=ResponseFactory(contact=case.contact, score=9).pk)
    return case


def test_the_case_shows_its_joined_answers_and_that_the_customer_was_won_back(
    page, sign_in, csm, manager, won_back_case, serious_accessibility_violations, broken_requests
):
    sign_in(csm)
    page.goto(f"/cases/{won_back_case.pk}/")
    expect(page.get_by_role("heading", name="Joined answers")).to_be_visible()
    expect(page.get_by_text("Bea Martin scored 5", exact=False)).to_be_visible()
    expect(page.get_by_text("Before 3 → after 9: won back").first).to_be_visible()
    assert serious_accessibility_violations() == []

    page.context.clear_cookies()
    sign_in(manager)
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="Won back", exact=True)).to_be_visible()
    expect(page.get_by_text("100.0 % won back", exact=False)).to_be_visible()
    assert serious_accessibility_violations() == []
    assert broken_requests == []
