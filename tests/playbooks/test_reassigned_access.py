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
