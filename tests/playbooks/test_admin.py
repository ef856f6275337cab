"""The engine's data in the Django admin: playbooks to configure, cases and failures to inspect."""

import datetime as dt
import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from playbooks.models import (
    AssigneeKind,
    Case,
    CaseStatus,
    Escalation,
    Playbook,
    PlaybookStep,
    StepKind,
)
from playbooks.services.cases import raise_escalation, resolve_escalation
from playbooks.services.engine import process_response
from playbooks.services.failures import record_processing_failure
from playbooks.services.schedule import unprocessed_response_ids
from tests.factories import (
    AccountFactory,
    ContactFactory,
    PlaybookFactory,
    PlaybookStepFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PLAYBOOKS = reverse("admin:playbooks_playbook_changelist")
CASES = reverse("admin:playbooks_case_changelist")
ESCALATIONS = reverse("admin:playbooks_escalation_changelist")
FAILURES = reverse("admin:playbooks_processingfailure_changelist")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def open_case(score: int = 3, **account_fields) -> Case:
    """A real case, opened by the engine for a fresh answer."""
    contact = ContactFactory(account=AccountFactory(**account_fields))
    outcome = process_response(response_id=ResponseFactory(contact=contact, score=score).pk)
    return Case.objects.get(pk=outcome.case_id)


def failed_answer(error: str = "boom"):
    response = ResponseFactory()
    record_processing_failure(response_id=response.pk, error=RuntimeError(error))
    return response


def checkbox(on: bool) -> str | None:
    """A ticked checkbox posts "on"; an unticked one posts nothing (None here)."""
    return "on" if on else None


def playbook_form(playbook: Playbook, steps: list[dict], **changes) -> dict:
    """What the playbook page posts: its fields, then its steps inline (None: not posted)."""
    data = {
        "name": playbook.name,
        "description": playbook.description,
        "active": checkbox(playbook.active),
        "for_detractors": checkbox(playbook.for_detractors),
        "for_passives": checkbox(playbook.for_passives),
        "for_promoters": checkbox(playbook.for_promoters),
        "min_score": "" if playbook.min_score is None else playbook.min_score,
        "max_score": "" if playbook.max_score is None else playbook.max_score,
        "segment": playbook.segment,
        "tier": playbook.tier,
        "min_arr": "" if playbook.min_arr is None else playbook.min_arr,
        "priority": playbook.priority,
        "sla_business_days": playbook.sla_business_days,
        "steps-TOTAL_FORMS": len(steps),
        "steps-INITIAL_FORMS": sum(1 for step in steps if step.get("id")),
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 1000,
        **changes,
    }
    for index, step in enumerate(steps):
        fields = {
            "id": "",
            "playbook": playbook.pk,
            "position": index + 1,
            "kind": StepKind.TASK,
            "required": "on",
            "title": f"Step {index + 1}",
            "instructions": "",
            "due_in_days": "",
            "assignee_kind": AssigneeKind.ACCOUNT_CSM,
            "assignee_user": "",
            "options": "",
            **step,
        }
        data.update({f"steps-{index}-{name}": value for name, value in fields.items()})
    return {key: value for key, value in data.items() if value is not None}


# --- who may come in --------------------------------------------------------------------------


def test_an_admin_opens_every_page_of_the_engine(admin_client, default_playbooks):
    case = open_case(score=2, arr=200_000)
    failure = failed_answer().processing_failure
    pages = [
        PLAYBOOKS,
        reverse("admin:playbooks_playbook_add"),
        reverse("admin:playbooks_playbook_change", args=[default_playbooks["detractor"].pk]),
        CASES,
        reverse("admin:playbooks_case_change", args=[case.pk]),
        ESCALATIONS,
        reverse("admin:playbooks_escalation_change", args=[case.escalations.get().pk]),
        FAILURES,
        reverse("admin:playbooks_processingfailure_change", args=[failure.pk]),
    ]

    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_a_csm_cannot_reach_the_engine_admin(client, csm):
    client.force_login(csm)

    response = client.get(CASES, follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert "not authorized to access this page" in response.content.decode()


@pytest.mark.parametrize("page", [PLAYBOOKS, CASES, ESCALATIONS, FAILURES])
def test_a_manager_with_admin_access_but_not_the_admin_role_is_refused(client, manager, page):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    assert client.get(page).status_code == 403


# --- playbooks ------------------------------------------------------------------------------


def test_playbook_list_shows_how_many_steps_and_cases_each_has(admin_client, default_playbooks):
    open_case(score=3)
    open_case(score=5)
    detractor = default_playbooks["detractor"]

    response = admin_client.get(PLAYBOOKS)

    row = next(p for p in response.context["cl"].result_list if p.pk == detractor.pk)
    assert (row.step_total, row.case_total) == (detractor.steps.count(), 2)
    assert '<td class="field-case_count">2</td>' in response.content.decode()


def test_playbook_page_says_running_cases_keep_their_steps(admin_client):
    playbook = PlaybookFactory()

    response = admin_client.get(reverse("admin:playbooks_playbook_change", args=[playbook.pk]))

    assert "never changes the cases already running" in response.content.decode()


def test_saving_the_playbook_page_saves_its_steps(admin_client):
    playbook = PlaybookFactory(name="Churn risk")
    kept = PlaybookStepFactory(playbook=playbook, position=1, title="Call them")
    removed = PlaybookStepFactory(playbook=playbook, position=2, title="Old step")
    steps = [
        {"id": kept.pk, "title": "Call them within a day", "due_in_days": 1},
        {"id": removed.pk, "title": removed.title, "DELETE": "on"},
        {
            "kind": StepKind.FOLLOW_UP_SURVEY,
            "title": "Survey again",
            "required": None,
            "options": '{"delay_days": 30}',
        },
    ]

    response = admin_client.post(
        reverse("admin:playbooks_playbook_change", args=[playbook.pk]),
        playbook_form(playbook, steps),
    )

    assert response.status_code == 302
    saved = list(playbook.steps.order_by("position").values_list("title", "due_in_days", "options"))
    assert saved == [("Call them within a day", 1, {}), ("Survey again", None, {"delay_days": 30})]
    assert not PlaybookStep.objects.filter(pk=removed.pk).exists()


def test_editing_a_playbook_step_leaves_the_running_case_as_it_was(admin_client, default_playbooks):
    case = open_case(score=3)
    playbook = default_playbooks["detractor"]
    first = playbook.steps.order_by("position").first()
    steps = [
        {
            "id": step.pk,
            "position": step.position,
            "kind": step.kind,
            "title": "Renamed" if step == first else step.title,
            "required": checkbox(step.required),
            "assignee_kind": step.assignee_kind,
            "instructions": step.instructions,
            "options": json.dumps(step.options),
            "due_in_days": step.due_in_days if step.due_in_days is not None else "",
        }
        for step in playbook.steps.order_by("position")
    ]

    admin_client.post(
        reverse("admin:playbooks_playbook_change", args=[playbook.pk]),
        playbook_form(playbook, steps),
    )

    assert playbook.steps.order_by("position").first().title == "Renamed"
    assert case.steps.order_by("position").first().title == first.title


def test_a_step_for_a_named_user_needs_that_user(admin_client):
    playbook = PlaybookFactory()

    response = admin_client.post(
        reverse("admin:playbooks_playbook_change", args=[playbook.pk]),
        playbook_form(playbook, [{"assignee_kind": AssigneeKind.USER}]),
    )

    assert response.status_code == 200
    assert "Choose the named user" in response.content.decode()
    assert not playbook.steps.exists()


def test_step_settings_must_be_a_json_object(admin_client):
    playbook = PlaybookFactory()

    response = admin_client.post(
        reverse("admin:playbooks_playbook_change", args=[playbook.pk]),
        playbook_form(playbook, [{"options": "[14]"}]),
    )

    assert "Write the settings as a JSON object" in response.content.decode()
    assert not playbook.steps.exists()


def test_an_active_playbook_needs_a_category(admin_client):
    playbook = PlaybookFactory()

    response = admin_client.post(
        reverse("admin:playbooks_playbook_change", args=[playbook.pk]),
        playbook_form(playbook, [], for_detractors=None),
    )

    assert "Tick at least one category" in response.content.decode()
    assert Playbook.objects.get(pk=playbook.pk).for_detractors


def test_deactivate_action_switches_the_playbooks_off(admin_client):
    playbooks = PlaybookFactory.create_batch(2, active=True)

    response = admin_client.post(
        PLAYBOOKS,
        {"action": "deactivate", "_selected_action": [p.pk for p in playbooks], "index": 0},
    )

    assert not Playbook.objects.filter(pk__in=[p.pk for p in playbooks], active=True).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 playbooks deactivated: new answers no longer use them; their running cases go on."
    ]


def test_activate_action_switches_the_playbook_on(admin_client):
    playbook = PlaybookFactory(active=False)

    admin_client.post(
        PLAYBOOKS, {"action": "activate", "_selected_action": [playbook.pk], "index": 0}
    )

    assert Playbook.objects.get(pk=playbook.pk).active


# --- cases ----------------------------------------------------------------------------------


def test_cases_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:playbooks_case_add")).status_code == 403


def test_case_page_is_read_only(admin_client, default_playbooks):
    case = open_case(score=3)
    url = reverse("admin:playbooks_case_change", args=[case.pk])

    page = admin_client.get(url).content.decode()
    refused = admin_client.post(url, {"status": CaseStatus.CLOSED})

    assert 'name="status"' not in page
    assert refused.status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_case_page_shows_the_steps_and_the_timeline(admin_client, default_playbooks, manager):
    case = open_case(score=3)
    raise_escalation(case=case, actor=manager, reason="The CFO is furious")

    content = admin_client.get(reverse("admin:playbooks_case_change", args=[case.pk])).content
    content = content.decode()

    assert case.steps.order_by("position").first().title in content
    assert "Escalated (level 1): The CFO is furious" in content


def test_only_a_superuser_may_delete_a_case(client, admin_user, default_playbooks):
    case = open_case(score=3)
    url = reverse("admin:playbooks_case_delete", args=[case.pk])
    superuser = UserFactory(is_staff=True, is_superuser=True)

    client.force_login(admin_user)
    assert client.get(url).status_code == 403
    client.force_login(superuser)
    client.post(url, {"post": "yes"})

    assert not Case.objects.filter(pk=case.pk).exists()


def test_case_list_finds_cases_by_contact_email(admin_client, default_playbooks):
    case = open_case(score=3)
    open_case(score=4)

    response = admin_client.get(CASES, {"q": case.contact.email})

    assert list(response.context["cl"].result_list) == [case]


def test_case_list_shows_which_cases_wait_on_an_escalation(
    admin_client, default_playbooks, manager
):
    escalated = open_case(score=3, arr=10_000)
    open_case(score=3, arr=10_000)
    raise_escalation(case=escalated, actor=manager, reason="Renewal at risk")

    response = admin_client.get(CASES)

    flags = {case.pk: case.has_open_escalation for case in response.context["cl"].result_list}
    assert sorted(flags.values()) == [False, True]
    assert flags[escalated.pk]


def test_case_list_filters_by_owner(admin_client, default_playbooks, csm):
    owned = open_case(score=3, csm=csm)
    open_case(score=3)

    response = admin_client.get(CASES, {"owner__id__exact": csm.pk})

    assert list(response.context["cl"].result_list) == [owned]


# --- escalations ----------------------------------------------------------------------------


def test_escalation_list_puts_open_escalations_first(admin_client, default_playbooks, manager):
    still_open = raise_escalation(
        case=open_case(score=3, arr=10_000), actor=manager, reason="Older, still open"
    )
    resolved = raise_escalation(
        case=open_case(score=3, arr=10_000), actor=manager, reason="Newer, resolved"
    )
    Escalation.objects.filter(pk=still_open.pk).update(
        raised_at=timezone.now() - dt.timedelta(days=3)
    )
    resolve_escalation(escalation=resolved, actor=manager, resolution="Sorted")

    response = admin_client.get(ESCALATIONS)

    assert list(response.context["cl"].result_list) == [still_open, resolved]


def test_escalation_list_filters_the_unresolved_ones(admin_client, default_playbooks, manager):
    still_open = raise_escalation(case=open_case(score=3, arr=10_000), actor=manager, reason="A")
    resolved = raise_escalation(case=open_case(score=3, arr=10_000), actor=manager, reason="B")
    resolve_escalation(escalation=resolved, actor=manager, resolution="Sorted")

    response = admin_client.get(ESCALATIONS, {"resolved": "no"})

    assert list(response.context["cl"].result_list) == [still_open]


def test_escalations_are_acknowledged_in_the_product_not_in_the_admin(
    admin_client, default_playbooks, manager
):
    escalation = raise_escalation(case=open_case(score=3), actor=manager, reason="Help")

    response = admin_client.post(
        reverse("admin:playbooks_escalation_change", args=[escalation.pk]),
        {"acknowledged_at_0": "2025-01-01", "acknowledged_at_1": "10:00"},
    )

    assert response.status_code == 403
    assert Escalation.objects.get(pk=escalation.pk).acknowledged_at is None


# --- the dead-letter log --------------------------------------------------------------------


def test_retry_action_hands_the_answers_back_to_the_sweep(admin_client):
    answers = [failed_answer("database timeout"), failed_answer("database timeout")]
    later = timezone.now() + dt.timedelta(minutes=2)
    assert unprocessed_response_ids(older_than=later) == []

    response = admin_client.post(
        FAILURES,
        {
            "action": "retry",
            "_selected_action": [a.processing_failure.pk for a in answers],
            "index": 0,
        },
    )

    assert sorted(unprocessed_response_ids(older_than=later)) == sorted(a.pk for a in answers)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 answers will be processed again within a minute, by the next sweep."
    ]


def test_retry_action_says_when_a_retry_was_already_requested(admin_client):
    failure = failed_answer().processing_failure
    selection = {"action": "retry", "_selected_action": [failure.pk], "index": 0}
    admin_client.post(FAILURES, selection, follow=True)

    response = admin_client.post(FAILURES, selection)

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "A retry was already requested for the selected answers."
    ]


def test_failure_list_shows_the_answer_and_the_last_error(admin_client):
    answer = failed_answer("KeyError: 'score'")

    content = admin_client.get(FAILURES).content.decode()

    assert answer.contact.email in content
    assert "RuntimeError: KeyError: &#x27;score&#x27;" in content


# --- query counts ---------------------------------------------------------------------------


def _playbooks(count: int) -> None:
    for playbook in PlaybookFactory.create_batch(count):
        PlaybookStepFactory.create_batch(2, playbook=playbook)


def _cases(count: int) -> None:
    for _ in range(count):
        open_case(score=2, arr=200_000, csm=UserFactory())  # each one also escalated


def _failures(count: int) -> None:
    for _ in range(count):
        failed_answer()


# Session, user, roles, permissions, counts, filters, rows: the same for 3 rows or 30.
@pytest.mark.parametrize(
    ("page", "make_rows", "queries"),
    [
        (PLAYBOOKS, _playbooks, 8),
        (CASES, _cases, 12),
        (ESCALATIONS, _cases, 9),
        (FAILURES, _failures, 10),
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(
    admin_client, default_playbooks, django_assert_max_num_queries, page, make_rows, queries
):
    make_rows(3)
    with django_assert_max_num_queries(queries):
        assert admin_client.get(page).status_code == 200

    make_rows(27)
    with django_assert_max_num_queries(queries):
        response = admin_client.get(page)

    assert response.context["cl"].result_count >= 30
