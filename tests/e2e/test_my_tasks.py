"""A person's "My tasks" on a phone: the table scrolls sideways in its box, the page does not."""

import pytest
from playwright.sync_api import expect

from playbooks.defaults import install_default_playbooks
from playbooks.models import ActionAudience, Case
from playbooks.services.cases import add_action_item
from playbooks.services.engine import process_response
from tests.e2e.conftest import PHONE
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e


def test_on_a_phone_my_tasks_scroll_inside_their_table_not_the_page(
    page, sign_in, csm, serious_accessibility_violations
):
    install_default_playbooks()
    contact = ContactFactory(account=AccountFactory(csm=csm, arr=20_000), name="Dana Kim")
    answer = ResponseFactory(contact=contact, score=3)
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    add_action_item(
        case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Credit", owner=csm
    )
    sign_in(csm)
    page.set_viewport_size(PHONE)

    page.goto("/tasks/")

    expect(page.get_by_label("Status of Credit")).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious_accessibility_violations() == []
