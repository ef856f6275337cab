"""Working a case from its page: every action answers with visible feedback and a timeline line."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from playbooks.models import (
    ActionAudience,
    ActionItem,
    ActionStatus,
    CaseStatus,
    StepKind,
    StepStatus,
)
from playbooks.services.cases import (
    add_action_item,
    log_call,
    reassign_case,
    set_action_item_status,
)

pytestmark = pytest.mark.django_db


def act(client, case, action, **fields):
    data = {f"{action}-{name}" if name not in ("step", "item") else name: value
            for name, value in fields.items()}  # fmt: skip
    return client.post(reverse("case-action", args=[case.pk, action]), data)


def feedback(reply) -> list[str]:
    return [str(message) for message in get_messages(reply.wsgi_request)]


def test_logging_a_reached_call_completes_the_step_and_says_so(client, case, csm):
    client.force_login(csm)
    call = case.steps.get(kind=StepKind.QUALIFICATION_CALL)

    reply = act(client, case, "log-call", step=call.pk, reached="yes", notes="Billing errors")

    assert reply.status_code == 302
    assert feedback(reply) == ["Call logged."]
    call.refresh_from_db()
    assert call.status == StepStatus.DONE
    assert case.events.filter(kind="call_logged", actor=csm).exists()


def test_a_plan_of_two_done_actions_moves_the_case_to_monitoring(client, case, csm):
    client.force_login(csm)
    for text in ("Credit the invoice", "Fix the billing export"):
        act(client, case, "add-action", audience="customer", text=text)
    items = list(ActionItem.objects.filter(case=case))
    assert len(items) == 2

    for item in items:
        act(client, case, "action-status", item=item.pk, status="done")

    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING


def test_closing_with_required_steps_open_is_refused_with_the_reason(client, case, csm, root_cause):
    client.force_login(csm)

    reply = act(
        client, case, "close", outcome="resolved", post_mortem="Fixed", root_cause=root_cause.pk
    )

    assert "Required steps are still open" in feedback(reply)[0]
    case.refresh_from_db()
    assert case.is_open


@pytest.fixture
def worked_case(case, csm):
    """The call logged and the plan done: only the post-mortem stands between it and closing."""
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Fix")
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    return case


def test_a_close_refused_for_a_missing_post_mortem_keeps_the_outcome_chosen(
    client, worked_case, csm, root_cause
):
    client.force_login(csm)

    reply = act(
        client,
        worked_case,
        "close",
        outcome="not_resolved",
        post_mortem="  ",
        root_cause=root_cause.pk,
    )

    assert reply.status_code == 422
    html = reply.content.decode()
    assert '<option value="not_resolved" selected>' in html
    assert '<option value="resolved" selected>' not in html
    assert f'<option value="{root_cause.pk}" selected>' in html
    close_form = html.split('id="close-title"')[1].split("</form>")[0]
    assert "Write the post-mortem: what happened, and why." in close_form  # beside the field
    assert feedback(reply) == ["Write the post-mortem: what happened, and why."]
    worked_case.refresh_from_db()
    assert worked_case.is_open


def test_a_close_refused_for_open_steps_keeps_the_post_mortem_typed(client, case, csm, root_cause):
    client.force_login(csm)
    post_mortem = "Invoices were wrong <after> the migration & the export."

    reply = act(
        client, case, "close", outcome="churned", post_mortem=post_mortem, root_cause=root_cause.pk
    )

    assert reply.status_code == 422
    html = reply.content.decode()
    assert "Invoices were wrong &lt;after&gt; the migration &amp; the export.</textarea>" in html
    assert '<option value="churned" selected>' in html
    assert "Required steps are still open" in feedback(reply)[0]
    case.refresh_from_db()
    assert case.is_open and case.post_mortem == ""


def test_with_htmx_a_refused_close_answers_in_place_at_the_case_address(
    client, case, csm, root_cause
):
    client.force_login(csm)

    reply = client.post(
        reverse("case-action", args=[case.pk, "close"]),
        {
            "close-outcome": "resolved",
            "close-post_mortem": "Fixed",
            "close-root_cause": root_cause.pk,
        },
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )

    assert reply.status_code == 422
    assert reply["HX-Replace-Url"] == reverse("case-detail", args=[case.pk])
    assert "Fixed</textarea>" in reply.content.decode()


def test_an_invalid_form_shows_its_errors_in_place(client, case, csm):
    client.force_login(csm)

    reply = act(client, case, "add-action", audience="customer", text="")

    assert reply.status_code == 422
    assert "This field is required" in reply.content.decode()


def test_a_csm_cannot_reassign_a_case(client, case, csm):
    client.force_login(csm)

    assert act(client, case, "reassign", owner="").status_code == 403


def test_a_manager_reassigns_to_the_managers(client, case, manager):
    client.force_login(manager)

    reply = act(client, case, "reassign", owner="")

    assert feedback(reply) == ["Case given to the managers."]
    case.refresh_from_db()
    assert case.owner is None


def test_reassigning_offers_the_accounts_csm_first(client, case, csm, manager):
    reassign_case(case=case, actor=manager, owner=None)  # with the managers for a while
    client.force_login(manager)

    form = client.get(reverse("case-detail", args=[case.pk])).context["forms"]["reassign"]

    assert case.account.csm == csm
    assert form["owner"].value() == csm.pk


def test_another_csm_cannot_act_on_the_case(client, case, other_csm):
    client.force_login(other_csm)

    assert act(client, case, "escalate", reason="Hmm", level=1).status_code == 404
    assert not case.escalations.exists()


def test_a_step_of_another_case_is_refused(client, case, csm, default_playbooks):
    client.force_login(csm)

    reply = act(client, case, "log-call", step=999999, reached="yes")

    assert "not part of this case" in feedback(reply)[0]


def test_actions_need_the_csrf_token(case, csm):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(csm)

    reply = strict.post(
        reverse("case-action", args=[case.pk, "escalate"]), {"escalate-reason": "x"}
    )

    assert reply.status_code == 403
    assert not case.escalations.exists()
