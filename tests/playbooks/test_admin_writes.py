"""Playbook changes made in the Django admin and the editor keep the editor's rules."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from playbooks.models import Case, Playbook, PlaybookStep, StepKind
from playbooks.services.playbooks import PlaybookEditRefused, remove_step, update_step
from surveys.models import Response
from tests.factories import PlaybookFactory, PlaybookStepFactory, UserFactory
from tests.playbooks.test_admin import PLAYBOOKS, playbook_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_activate_action_refuses_a_playbook_without_a_category(admin_client):
    playbook = PlaybookFactory(active=False, for_detractors=False, name="Empty trigger")

    response = admin_client.post(
        PLAYBOOKS, {"action": "activate", "_selected_action": [playbook.pk], "index": 0}
    )

    assert not Playbook.objects.get(pk=playbook.pk).active
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown[0] == (
        "“Empty trigger” stays off: Tick at least one category in its trigger first: "
        "it would never match an answer."
    )


def test_steps_saved_in_the_admin_are_numbered_from_one_without_gaps(admin_client):
    playbook = PlaybookFactory()
    steps = [{"position": 7, "title": "Call"}, {"position": 3, "title": "Email"}]

    admin_client.post(
        reverse("admin:playbooks_playbook_change", args=[playbook.pk]),
        playbook_form(playbook, steps),
    )

    saved = list(playbook.steps.order_by("position").values_list("position", "title"))
    assert saved == [(1, "Email"), (2, "Call")]


def test_removing_a_step_in_the_admin_closes_the_gap(admin_client):
    playbook = PlaybookFactory()
    first = PlaybookStepFactory(playbook=playbook, position=1, title="First")
    last = PlaybookStepFactory(playbook=playbook, position=2, title="Last")
    steps = [
        {"id": first.pk, "position": 1, "title": "First", "DELETE": "on"},
        {"id": last.pk, "position": 2, "title": "Last"},
    ]

    admin_client.post(
        reverse("admin:playbooks_playbook_change", args=[playbook.pk]),
        playbook_form(playbook, steps),
    )

    assert list(playbook.steps.values_list("position", "title")) == [(1, "Last")]


def test_a_playbook_without_cases_is_deleted_from_the_admin(admin_client):
    playbook = PlaybookFactory()

    admin_client.post(
        reverse("admin:playbooks_playbook_delete", args=[playbook.pk]), {"post": "yes"}
    )

    assert not Playbook.objects.filter(pk=playbook.pk).exists()


def test_editing_a_step_removed_meanwhile_is_refused_and_not_brought_back():
    playbook = PlaybookFactory()
    step = PlaybookStepFactory(playbook=playbook, position=1, title="Call")
    PlaybookStepFactory(playbook=playbook, position=2, title="Email")
    stale = PlaybookStep.objects.get(pk=step.pk)
    remove_step(step=step)

    with pytest.raises(PlaybookEditRefused):
        update_step(step=stale, fields={"title": "Call twice"})

    assert list(playbook.steps.values_list("position", "title")) == [(1, "Email")]


def test_editing_a_step_in_the_editor_keeps_its_place(client, admin_user):
    client.force_login(admin_user)
    playbook = PlaybookFactory()
    PlaybookStepFactory(playbook=playbook, position=1, title="Call")
    step = PlaybookStepFactory(playbook=playbook, position=2, title="Survey", kind=StepKind.TASK)

    response = client.post(
        reverse("playbook-step-edit", args=[playbook.pk, step.pk]),
        {
            "kind": StepKind.FOLLOW_UP_SURVEY,
            "title": "Survey again",
            "required": "",
            "assignee_kind": "account_csm",
            "delay_days": "30",
        },
    )

    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.position, step.title, step.options) == (2, "Survey again", {"delay_days": 30})


def test_a_superuser_deleting_a_case_in_the_admin_lets_its_customer_be_surveyed_again(client, case):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    suppression = case.suppression
    assert suppression is not None and suppression.lifted_at is None  # a detractor's case

    client.post(reverse("admin:playbooks_case_delete", args=[case.pk]), {"post": "yes"})

    assert not Case.objects.filter(pk=case.pk).exists()
    suppression.refresh_from_db()
    assert suppression.lifted_at is not None
    assert Response.objects.filter(pk=case.response_id).exists()  # the answer stays
