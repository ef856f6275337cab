"""A case given to someone else: its previous owner keeps reading it only while they still
hold part of its work (a step or an action item); otherwise it leaves their reach, as any
other CSM's case."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Account
from playbooks.models import ActionAudience, Case, CaseStep, StepKind
from playbooks.services.cases import add_action_item, complete_step, reassign_case


@pytest.fixture
def handed_over(case: Case, other_csm) -> Case:
    """`case`, whose account has passed to `other_csm`: only the case ties `csm` to it."""
    Account.objects.filter(pk=case.account_id).update(csm=other_csm)
    return case


def page_of(case: Case, user) -> int:
    client = Client()
    client.force_login(user)
    return client.get(reverse("case-detail", args=[case.pk])).status_code


def test_a_previous_owner_with_nothing_left_on_the_case_can_no_longer_open_it(
    handed_over, csm, manager, other_csm
):
    assert page_of(handed_over, csm) == 200

    reassign_case(case=handed_over, actor=manager, owner=other_csm)

    assert page_of(handed_over, csm) == 404
    assert not Case.objects.visible_to(csm).filter(pk=handed_over.pk).exists()
    assert page_of(handed_over, other_csm) == 200


def test_a_previous_owner_who_owns_an_action_item_still_reads_the_case(
    handed_over, csm, manager, other_csm
):
    add_action_item(
        case=handed_over,
        actor=csm,
        audience=ActionAudience.CUSTOMER,
        text="Send the revised invoice",
        owner=csm,
    )

    reassign_case(case=handed_over, actor=manager, owner=other_csm)

    assert page_of(handed_over, csm) == 200


def test_a_previous_owner_who_did_a_step_still_reads_the_case(handed_over, csm, manager, other_csm):
    share = CaseStep.objects.get(case=handed_over, kind=StepKind.SHARE_WITH_CHAMPION)
    complete_step(step=share, actor=csm)

    reassign_case(case=handed_over, actor=manager, owner=other_csm)

    assert page_of(handed_over, csm) == 200


# --- reading is not working -------------------------------------------------------------------


def act(user, case: Case, action: str, data: dict) -> int:
    client = Client()
    client.force_login(user)
    url = reverse("case-action", args=[case.pk, action])
    return client.post(url, {f"{action}-{key}": value for key, value in data.items()}).status_code


def test_a_colleague_who_owns_an_item_updates_it_but_cannot_close_or_escalate(case, csm, other_csm):
    item = add_action_item(
        case=case,
        actor=csm,
        audience=ActionAudience.INTERNAL,
        text="Fix the export",
        owner=other_csm,
    )
    client = Client()
    client.force_login(other_csm)

    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    status = client.post(
        reverse("case-action", args=[case.pk, "action-status"]),
        {"item": item.pk, "action-status-status": "done"},
    )
    refused = act(other_csm, case, "escalate", {"reason": "Mine now", "level": 2})

    assert "You can read this case and do your own part of it" in page
    assert reverse("case-action", args=[case.pk, "close"]) not in page
    assert status.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    assert refused == 403
    assert not case.escalations.filter(reason="Mine now").exists()


def test_a_colleague_cannot_change_someone_else_s_item_or_step(case, csm, other_csm):
    item = add_action_item(
        case=case, actor=csm, audience=ActionAudience.INTERNAL, text="Ours", owner=csm
    )
    add_action_item(  # what lets other_csm read the case
        case=case, actor=csm, audience=ActionAudience.INTERNAL, text="Theirs", owner=other_csm
    )
    share = case.steps.get(kind=StepKind.SHARE_WITH_CHAMPION)
    client = Client()
    client.force_login(other_csm)

    on_item = client.post(
        reverse("case-action", args=[case.pk, "action-status"]),
        {"item": item.pk, "action-status-status": "done"},
    )
    on_step = client.post(
        reverse("case-action", args=[case.pk, "complete-step"]), {"step": share.pk}
    )

    assert on_item.status_code == on_step.status_code == 422
    item.refresh_from_db()
    share.refresh_from_db()
    assert (item.status, share.status) == ("open", "todo")
    assert "only they, the case&#x27;s owner or a manager" in on_step.content.decode()


def test_the_account_s_csm_and_a_manager_work_the_whole_case(case, csm, manager):
    assert act(csm, case, "escalate", {"reason": "Renewal at risk", "level": 2}) == 302
    assert act(manager, case, "escalate", {"reason": "Seen by the VP", "level": 3}) == 302
