"""Working a case from its page: every action answers with visible feedback and a timeline line."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from playbooks.models import ActionItem, CaseStatus, StepKind, StepStatus

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


def test_closing_with_required_steps_open_is_refused_with_the_reason(client, case, csm):
    client.force_login(csm)

    reply = act(client, case, "close", outcome="resolved", post_mortem="Fixed")

    assert "Required steps are still open" in feedback(reply)[0]
    case.refresh_from_db()
    assert case.is_open


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
