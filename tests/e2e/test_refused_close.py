"""Closing a case in the browser: a refused close keeps what the CSM chose and typed, the
escalations of a closed case leave the managers' list, and the closed case stays readable."""

import re

import pytest
from playwright.sync_api import expect

from playbooks.defaults import install_default_playbooks
from playbooks.models import (
    ActionAudience,
    ActionStatus,
    Case,
    CaseOutcome,
    Escalation,
    RootCause,
    StepKind,
    StepStatus,
)
from playbooks.services.cases import (
    add_action_item,
    close_case,
    log_call,
    raise_escalation,
    set_action_item_status,
)
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e

POST_MORTEM = "Invoices wrong since the migration; billing fixed the export, credit issued."


def detractor_case(csm, account: str) -> Case:
    customer = AccountFactory(csm=csm, name=account, arr=20_000, renewal_date=None)
    answer = ResponseFactory(contact=ContactFactory(account=customer), score=2)
    return Case.objects.get(pk=process_response(response_id=answer.pk).case_id)


def work(case: Case, csm) -> None:
    """The call logged and the plan done: only the post-mortem is left."""
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Credit")
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)


def test_a_refused_close_keeps_what_was_typed_and_closing_settles_the_escalations(
    page, sign_in, csm, broken_requests, screenshots, root_cause
):
    install_default_playbooks()
    pricing = RootCause.objects.get(name="Pricing")
    unworked = detractor_case(csm, "Globex")
    worked = detractor_case(csm, "Initech")
    work(worked, csm)
    raise_escalation(case=worked, actor=csm, reason="They threaten to leave")
    sign_in(csm)

    # Required steps still open: refused, with the outcome and the post-mortem as typed.
    page.goto(f"/cases/{unworked.pk}/")
    page.get_by_label("Outcome").select_option("churned")
    page.get_by_label("Root cause").select_option(label="Pricing")
    page.get_by_label("Post-mortem").fill(POST_MORTEM)
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Required steps are still open")).to_be_visible()
    expect(page.get_by_label("Outcome")).to_have_value("churned")
    expect(page.get_by_label("Post-mortem")).to_have_value(POST_MORTEM)
    expect(page.get_by_label("Root cause")).to_have_value(str(pricing.pk))
    expect(page).to_have_url(re.compile(rf"/cases/{unworked.pk}/$"))

    # No post-mortem: refused beside the field, the outcome kept; then written, closed.
    page.goto(f"/cases/{worked.pk}/")
    page.get_by_label("Outcome").select_option("not_resolved")
    page.get_by_label("Root cause").select_option(label="Response time")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Write the post-mortem: what happened, and why.").first).to_be_visible()
    expect(page.get_by_label("Outcome")).to_have_value("not_resolved")
    expect(page).to_have_url(re.compile(rf"/cases/{worked.pk}/$"))
    screenshots("case-close-refused")
    page.get_by_label("Post-mortem").fill(POST_MORTEM)
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Case closed. Loop closed.")).to_be_visible()
    expect(page.get_by_text("Escalation resolved. Case closed.")).to_be_visible()

    worked.refresh_from_db()
    assert (worked.outcome, worked.post_mortem) == ("not_resolved", POST_MORTEM)
    assert worked.root_cause == root_cause
    assert not Escalation.objects.filter(case=worked, resolved_at__isnull=True).exists()
    unworked.refresh_from_db()
    assert unworked.is_open
    refused = [r for r in broken_requests if not r.startswith("422 ")]
    assert refused == []
    assert len(broken_requests) == 2


def test_the_steps_a_closed_case_skipped_stay_readable(
    page, sign_in, csm, serious_accessibility_violations, root_cause
):
    install_default_playbooks()
    case = detractor_case(csm, "Globex")
    work(case, csm)
    close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem=POST_MORTEM,
        root_cause=root_cause,
    )
    skipped = case.steps.get(status=StepStatus.SKIPPED)
    sign_in(csm)

    page.goto(f"/cases/{case.pk}/")

    expect(page.locator(f"#step-{skipped.pk}")).to_contain_text("Skipped")
    assert serious_accessibility_violations() == []
