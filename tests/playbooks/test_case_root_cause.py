"""A case closes with a root cause from the admins' list; the case page, its timeline and the
API show it, in the reader's language."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import translation

from playbooks.forms import CloseCaseForm
from playbooks.models import ActionAudience, ActionStatus, CaseOutcome, RootCause, StepKind
from playbooks.services.cases import (
    add_action_item,
    close_case,
    log_call,
    reopen_case,
    set_action_item_status,
)
from playbooks.timeline import event_text

pytestmark = pytest.mark.django_db

POST_MORTEM = "Two urgent tickets waited a week; support now answers within a day."


@pytest.fixture
def worked_case(case, csm):
    log_call(step=case.steps.get(kind=StepKind.QUALIFICATION_CALL), actor=csm, reached=True)
    item = add_action_item(case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Call")
    set_action_item_status(item=item, actor=csm, status=ActionStatus.DONE)
    case.refresh_from_db()
    return case


def close(case, csm, root_cause):
    return close_case(
        case=case,
        actor=csm,
        outcome=CaseOutcome.RESOLVED,
        post_mortem=POST_MORTEM,
        root_cause=root_cause,
    )


def test_a_case_cannot_close_without_a_root_cause(worked_case, csm):
    with pytest.raises(ValidationError) as refused:
        close(worked_case, csm, None)

    assert refused.value.message_dict["root_cause"] == [
        "Choose the root cause: what made the customer unhappy."
    ]
    worked_case.refresh_from_db()
    assert worked_case.is_open


def test_a_case_closes_with_its_root_cause(worked_case, csm, root_cause):
    close(worked_case, csm, root_cause)

    worked_case.refresh_from_db()
    assert worked_case.root_cause == root_cause


def test_an_archived_root_cause_is_refused(worked_case, csm, root_cause):
    RootCause.objects.filter(pk=root_cause.pk).update(active=False)

    with pytest.raises(ValidationError, match="“Support › Response time” is archived"):
        close(worked_case, csm, root_cause)


def test_a_sub_cause_of_an_archived_cause_is_refused(worked_case, csm, root_cause):
    RootCause.objects.filter(pk=root_cause.parent_id).update(active=False)

    with pytest.raises(ValidationError, match="archived"):
        close(worked_case, csm, root_cause)


def test_a_cause_with_sub_causes_asks_for_one_of_them(worked_case, csm, root_cause):
    with pytest.raises(ValidationError, match="Choose one of the sub-causes of “Support”"):
        close(worked_case, csm, root_cause.parent)


def test_a_cause_without_sub_causes_is_a_root_cause_of_its_own(worked_case, csm, root_cause):
    other = RootCause.objects.get(name="Other", parent=None)

    close(worked_case, csm, other)

    worked_case.refresh_from_db()
    assert worked_case.root_cause == other


def test_the_timeline_names_the_root_cause_in_the_readers_language(worked_case, csm, root_cause):
    close(worked_case, csm, root_cause)
    event = worked_case.events.filter(kind="status_changed").last()

    assert event.message == "Closed: Resolved. Root cause: Support › Response time."
    with translation.override("fr"):
        assert event_text(event) == (
            "Clos\xa0: Résolu. Cause racine\xa0: Support › Délai de réponse."
        )


def test_reopening_clears_the_root_cause_for_the_next_closing(worked_case, csm, root_cause):
    close(worked_case, csm, root_cause)

    reopen_case(case=worked_case, actor=csm, reason="Tickets late again")

    worked_case.refresh_from_db()
    assert worked_case.root_cause is None


def test_a_root_cause_that_cases_name_cannot_be_deleted(worked_case, csm, root_cause):
    close(worked_case, csm, root_cause)

    with pytest.raises(ProtectedError):
        root_cause.delete()


# --- the close form --------------------------------------------------------------------------


def test_the_close_form_requires_a_root_cause():
    form = CloseCaseForm({"outcome": "resolved", "post_mortem": "Done."})

    assert form.errors["root_cause"] == ["Choose the root cause: what made the customer unhappy."]


def test_the_close_form_groups_sub_causes_under_their_cause(root_cause):
    choices = list(CloseCaseForm().fields["root_cause"].choices)
    groups = {label: [str(name) for _, name in members] for label, members in choices[1:-2]}

    assert groups["Support"] == ["Quality of answers", "Response time"]
    assert [str(label) for _, label in choices[-2:]] == ["Nothing to fix", "Other"]


def test_the_close_form_offers_neither_archived_causes_nor_causes_with_sub_causes(root_cause):
    RootCause.objects.filter(pk=root_cause.pk).update(active=False)
    offered = CloseCaseForm().fields["root_cause"].queryset

    assert root_cause not in offered
    assert root_cause.parent not in offered
    assert RootCause.objects.get(name="Quality of answers") in offered


def test_the_close_form_speaks_french_to_a_french_reader(root_cause):
    with translation.override("fr"):
        html = str(CloseCaseForm(prefix="close")["root_cause"])
        label = str(CloseCaseForm().fields["root_cause"].label)

    assert label == "Cause racine"
    assert '<optgroup label="Support">' in html
    assert "Délai de réponse" in html


def test_closing_on_the_case_page_without_a_root_cause_says_so_beside_the_field(
    client, worked_case, csm
):
    client.force_login(csm)

    reply = client.post(
        reverse("case-action", args=[worked_case.pk, "close"]),
        {"close-outcome": "resolved", "close-post_mortem": POST_MORTEM},
    )

    assert reply.status_code == 422
    close_form = reply.content.decode().split('id="close-title"')[1].split("</form>")[0]
    assert "Choose the root cause: what made the customer unhappy." in close_form
    worked_case.refresh_from_db()
    assert worked_case.is_open


def test_the_closed_case_page_shows_its_root_cause(client, worked_case, csm, root_cause):
    client.force_login(csm)
    client.post(
        reverse("case-action", args=[worked_case.pk, "close"]),
        {
            "close-outcome": "resolved",
            "close-post_mortem": POST_MORTEM,
            "close-root_cause": root_cause.pk,
        },
    )

    html = client.get(reverse("case-detail", args=[worked_case.pk])).content.decode()

    assert '<span class="badge root-cause-badge">Support › Response time</span>' in html


def test_a_case_closed_before_root_causes_shows_without_one(client, worked_case, csm, root_cause):
    close(worked_case, csm, root_cause)
    type(worked_case).objects.filter(pk=worked_case.pk).update(root_cause=None)
    client.force_login(csm)

    reply = client.get(reverse("case-detail", args=[worked_case.pk]))

    assert reply.status_code == 200
    assert "root-cause-badge" not in reply.content.decode()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_gives_the_root_cause_with_its_cause(api_client, worked_case, csm, root_cause):
    close(worked_case, csm, root_cause)

    body = api_client.get(reverse("api-case", args=[worked_case.pk])).json()

    assert body["root_cause"] == {
        "id": root_cause.pk,
        "name": "Response time",
        "name_fr": "Délai de réponse",
        "parent": {"id": root_cause.parent_id, "name": "Support", "name_fr": "Support"},
    }


def test_the_api_gives_null_for_an_open_case(api_client, case):
    body = api_client.get(reverse("api-cases")).json()

    assert [row["root_cause"] for row in body["results"]] == [None]


def test_the_api_lists_the_cases_of_a_cause_and_of_its_sub_causes(
    api_client, worked_case, csm, root_cause
):
    close(worked_case, csm, root_cause)

    by_cause = api_client.get(reverse("api-cases"), {"root_cause": root_cause.parent_id}).json()
    other = RootCause.objects.get(name="Product").pk
    by_other = api_client.get(reverse("api-cases"), {"root_cause": other}).json()

    assert [row["id"] for row in by_cause["results"]] == [worked_case.pk]
    assert by_other["results"] == []
