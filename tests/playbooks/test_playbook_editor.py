"""The playbook editor: admins create, change, duplicate and switch playbooks, edit their
steps, preview which playbook an answer gets; running cases never change."""

import pytest
from django.urls import reverse

from accounts.models import Segment
from playbooks.models import Case, Playbook, PlaybookStep, StepKind
from playbooks.services.engine import process_response
from tests.factories import (
    AccountFactory,
    ContactFactory,
    PlaybookFactory,
    PlaybookStepFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("playbook-list")


def edit_url(playbook) -> str:
    return reverse("playbook-edit", args=[playbook.pk])


def action_url(playbook, action: str) -> str:
    return reverse("playbook-action", args=[playbook.pk, action])


def step_action_url(step, action: str) -> str:
    return reverse("playbook-step-action", args=[step.playbook_id, step.pk, action])


TRIGGER = {
    "name": "Enterprise detractors",
    "description": "Big accounts first.",
    "active": "on",
    "for_detractors": "on",
    "segment": Segment.ENTERPRISE,
    "priority": "10",
    "sla_business_days": "1",
}


@pytest.fixture
def playbook(db):
    """The team's only active playbook (the shipped ones are switched off), for detractors."""
    Playbook.objects.update(active=False)
    playbook = PlaybookFactory(name="Detractors", priority=0)
    for position, title in enumerate(("Look", "Call", "Plan"), start=1):
        PlaybookStepFactory(playbook=playbook, title=title, position=position)
    return playbook


def titles(playbook) -> list[str]:
    return list(playbook.steps.order_by("position").values_list("title", flat=True))


@pytest.mark.parametrize("url", [LIST, reverse("playbook-new")])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, url):
    assert client.get(url)["Location"].startswith(reverse("login"))


def test_only_admins_edit_playbooks(client, csm, manager, playbook):
    for user in (csm, manager, UserFactory()):
        client.force_login(user)
        assert client.get(LIST).status_code == 403
        assert client.get(edit_url(playbook)).status_code == 403
        assert client.post(action_url(playbook, "deactivate")).status_code == 403
    assert Playbook.objects.get(pk=playbook.pk).active


def test_an_admin_creates_a_playbook_and_lands_on_its_steps(client, admin_user):
    client.force_login(admin_user)

    done = client.post(reverse("playbook-new"), TRIGGER, follow=True)

    playbook = Playbook.objects.get(name="Enterprise detractors")
    assert done.redirect_chain[-1][0] == edit_url(playbook)
    assert "Playbook created" in done.content.decode()
    assert (playbook.segment, playbook.priority, playbook.categories) == (
        Segment.ENTERPRISE,
        10,
        ["detractor"],
    )


def test_a_trigger_that_matches_nothing_is_refused_with_a_reason(client, admin_user):
    client.force_login(admin_user)

    refused = client.post(
        reverse("playbook-new"),
        {**TRIGGER, "for_detractors": "", "min_score": "8", "max_score": "3"},
    )

    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Tick at least one category" in html
    assert "The highest score is below the lowest score" in html
    assert not Playbook.objects.filter(name="Enterprise detractors").exists()


def test_the_list_warns_when_no_active_playbook_covers_a_category(client, admin_user, playbook):
    client.force_login(admin_user)

    html = client.get(LIST).content.decode()

    assert "No active playbook covers the passives" in html
    assert "No active playbook covers the promoters" in html
    assert "covers the detractors" not in html


def test_switching_off_and_on(client, admin_user, playbook):
    client.force_login(admin_user)

    client.post(action_url(playbook, "deactivate"))
    assert not Playbook.objects.get(pk=playbook.pk).active
    client.post(action_url(playbook, "activate"))
    assert Playbook.objects.get(pk=playbook.pk).active


def test_duplicating_copies_trigger_and_steps_switched_off(client, admin_user, playbook):
    client.force_login(admin_user)

    done = client.post(action_url(playbook, "duplicate"), follow=True)

    copy = Playbook.objects.get(name="Detractors (copy)")
    assert done.redirect_chain[-1][0] == edit_url(copy)
    assert not copy.active
    assert titles(copy) == ["Look", "Call", "Plan"]
    client.post(action_url(playbook, "duplicate"))
    assert Playbook.objects.filter(name="Detractors (copy 2)").exists()


def test_a_playbook_with_cases_cannot_be_deleted(client, admin_user, playbook):
    response = ResponseFactory(contact=ContactFactory(account=AccountFactory()), score=2)
    process_response(response_id=response.pk)
    assert Case.objects.filter(playbook=playbook).exists()
    client.force_login(admin_user)

    done = client.post(action_url(playbook, "delete"), follow=True)

    assert "has opened cases, so it stays" in done.content.decode()
    assert Playbook.objects.filter(pk=playbook.pk).exists()


def test_an_unused_playbook_is_deleted(client, admin_user):
    unused = PlaybookFactory(name="Draft", active=False)
    client.force_login(admin_user)

    client.post(action_url(unused, "delete"))

    assert not Playbook.objects.filter(pk=unused.pk).exists()


def test_steps_are_added_at_the_end_with_the_settings_of_their_kind(client, admin_user, playbook):
    client.force_login(admin_user)

    client.post(
        reverse("playbook-step-new", args=[playbook.pk]),
        {
            "kind": StepKind.ESCALATION,
            "title": "Escalate big money",
            "required": "on",
            "assignee_kind": "account_csm",
            "arr_threshold": "250000",
            "key_personas": ["exec_sponsor"],
            "detractor_count": "4",
            "detractor_window_days": "60",
            "renewal_within_days": "0",
            "scope": "account",  # a setting of another kind: ignored
        },
    )

    step = playbook.steps.get(title="Escalate big money")
    assert step.position == 4
    assert step.options == {
        "arr_threshold": 250000,
        "key_personas": ["exec_sponsor"],
        "detractor_count": 4,
        "detractor_window_days": 60,
        "renewal_within_days": 0,
        "all_categories": False,
    }


def test_a_step_for_a_named_person_needs_the_person(client, admin_user, playbook):
    client.force_login(admin_user)

    refused = client.post(
        reverse("playbook-step-new", args=[playbook.pk]),
        {"kind": StepKind.TASK, "title": "Call", "assignee_kind": "user"},
    )

    assert refused.status_code == 422
    assert "Choose the person" in refused.content.decode()


def test_steps_move_up_and_down_and_are_removed(client, admin_user, playbook):
    client.force_login(admin_user)
    call = playbook.steps.get(title="Call")

    client.post(step_action_url(call, "up"))
    assert titles(playbook) == ["Call", "Look", "Plan"]
    client.post(step_action_url(call, "up"))  # already first: stays
    assert titles(playbook) == ["Call", "Look", "Plan"]
    client.post(step_action_url(call, "down"))
    assert titles(playbook) == ["Look", "Call", "Plan"]
    client.post(step_action_url(playbook.steps.get(title="Look"), "remove"))
    assert titles(playbook) == ["Call", "Plan"]
    assert list(playbook.steps.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_editing_a_playbook_leaves_running_cases_alone(client, admin_user, playbook):
    response = ResponseFactory(contact=ContactFactory(account=AccountFactory()), score=2)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    client.force_login(admin_user)
    page = client.get(edit_url(playbook)).content.decode()
    assert "keeps the steps it started with" in page

    client.post(step_action_url(playbook.steps.get(title="Look"), "remove"))
    step = playbook.steps.get(title="Call")
    client.post(
        reverse("playbook-step-edit", args=[playbook.pk, step.pk]),
        {"kind": StepKind.TASK, "title": "Call them today", "assignee_kind": "account_csm"},
    )

    assert list(case.steps.order_by("position").values_list("title", flat=True)) == [
        "Look",
        "Call",
        "Plan",
    ]
    assert titles(playbook) == ["Call them today", "Plan"]


def test_the_preview_shows_the_playbook_and_steps_an_answer_would_get(client, admin_user, playbook):
    big = PlaybookFactory(name="Enterprise", segment=Segment.ENTERPRISE, priority=5)
    PlaybookStepFactory(playbook=big, title="Call the sponsor")
    client.force_login(admin_user)

    enterprise = client.get(LIST, {"score": "2", "segment": "enterprise"}).context["preview"]
    smb = client.get(LIST, {"score": "2", "segment": "smb"}).context["preview"]
    promoter = client.get(LIST, {"score": "10"}, headers={"HX-Request": "true"})

    assert (enterprise.playbook, [s.title for s in enterprise.steps]) == (big, ["Call the sponsor"])
    assert smb.playbook == playbook
    assert "No active playbook matches this answer" in promoter.content.decode()
    assert promoter.content.decode().lstrip().startswith('<div id="playbook-preview"')


def test_the_step_form_shows_a_steps_saved_settings(client, admin_user, playbook):
    step = PlaybookStepFactory(
        playbook=playbook, kind=StepKind.FOLLOW_UP_SURVEY, options={"delay_days": 21}
    )
    client.force_login(admin_user)

    form = client.get(reverse("playbook-step-edit", args=[playbook.pk, step.pk])).context["form"]

    assert form["kind"].value() == StepKind.FOLLOW_UP_SURVEY
    assert form["delay_days"].value() == 21
    assert PlaybookStep.objects.get(pk=step.pk).options == {"delay_days": 21}
