"""A CSM writes the plan summary to the customer from the case page, in the browser."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from playbooks.defaults import install_default_playbooks
from playbooks.models import ActionAudience, Case, CustomerMessage
from playbooks.services.cases import add_action_item
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e


def test_a_csm_previews_and_sends_the_plan_summary_from_the_case(
    page, sign_in, csm, screenshots, serious_accessibility_violations, broken_requests
):
    install_default_playbooks()
    contact = ContactFactory(account=AccountFactory(name="Initech", csm=csm), name="Sam Lowe")
    answer = ResponseFactory(contact=contact, score=4, comment="Exports keep failing.")
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    add_action_item(
        case=case,
        actor=csm,
        audience=ActionAudience.CUSTOMER,
        text="Fix the nightly export",
        due_date=dt.date(2027, 1, 15),
    )
    add_action_item(case=case, actor=csm, audience=ActionAudience.INTERNAL, text="Audit the ETL")

    sign_in(csm)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("link", name="Write to the customer").click()
    expect(page.get_by_role("heading", name="Write to the customer")).to_be_visible()
    page.get_by_role("link", name="Plan summary").click()
    background = "e => getComputedStyle(e).backgroundColor"
    picked = page.get_by_role("link", name="Plan summary").evaluate(background)
    assert picked == page.get_by_role("button", name="Send").evaluate(background), "the accent"

    body = page.get_by_label("Message")
    expect(body).to_have_value(re.compile(r"- Fix the nightly export \(by Jan\. 15, 2027\)"))
    expect(body).not_to_have_value(re.compile("Audit the ETL"))
    body.fill(body.input_value().replace("As agreed", "As we said on the phone"))
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role("region", name="Preview: exactly what will be sent")
    expect(preview).to_contain_text("As we said on the phone")
    expect(preview).to_contain_text(csm.email)
    screenshots("write-to-customer")
    assert serious_accessibility_violations() == []

    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/"))
    expect(page.get_by_text("queued: it goes out in a moment")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Email to the customer (plan summary)")
    expect(timeline).to_contain_text("As we said on the phone")
    assert serious_accessibility_violations() == []
    message = CustomerMessage.objects.get()
    assert (message.to_address, message.reply_to) == (contact.email, csm.email)
    assert broken_requests == []
