"""A number the playbook editor refuses comes back with the range it takes, in the admin's
language, rather than Django's 'Enter a whole number.' or 'Ensure this value is …'."""

import html

import pytest
from django.urls import reverse

from accounts.models import Segment
from playbooks.models import Playbook, StepKind
from tests.factories import PlaybookFactory

pytestmark = pytest.mark.django_db

TRIGGER = {
    "name": "Enterprise detractors",
    "active": "on",
    "for_detractors": "on",
    "segment": Segment.ENTERPRISE,
    "priority": "10",
    "sla_business_days": "1",
}


def refusal(response) -> str:
    assert response.status_code == 422
    return html.unescape(response.content.decode())


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return admin_user


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("sla_business_days", "1000", "Give a whole number of business days from 0 to 260"),
        ("sla_business_days", "1.5", "Give a whole number of business days from 0 to 260"),
        ("min_score", "-1", "Scores go from 0 to 10: enter a whole number from 0 to 10"),
        ("max_score", "11", "Scores go from 0 to 10: enter a whole number from 0 to 10"),
        ("priority", "40000", "Give a whole number from -32768 to 32767"),
        ("min_arr", "-5", "Give an amount of 0 or more in your accounts' currency"),
        ("min_arr", "12.345", "Give an amount of 0 or more in your accounts' currency"),
    ],
)
def test_a_playbook_number_out_of_range_says_the_range(client, admin, field, value, says):
    page = refusal(client.post(reverse("playbook-new"), {**TRIGGER, field: value}))

    assert says in page
    assert "Ensure this value" not in page
    assert not Playbook.objects.filter(name="Enterprise detractors").exists()


def test_a_playbook_number_is_refused_in_french_for_a_french_admin(client, admin):
    admin.language = "fr"
    admin.save(update_fields=["language"])

    page = refusal(client.post(reverse("playbook-new"), {**TRIGGER, "sla_business_days": "1000"}))

    assert "Indiquez un nombre entier de jours ouvrés de 0 à 260 (environ un an)." in page


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"due_in_days": "0.5"}, "Give a whole number of business days from 0 to 260"),
        ({"due_in_days": "999"}, "or leave empty for no due date"),
        ({"arr_threshold": "1000.50"}, "Give a whole amount of 0 or more"),
        ({"detractor_count": "1"}, "Give a whole number of detractors from 2 to 100."),
        ({"detractor_window_days": "0"}, "Give a whole number of days from 1 to 730"),
        ({"renewal_within_days": "-3"}, "0 switches this rule off."),
    ],
)
def test_a_step_number_out_of_range_says_the_range(client, admin, settings, says):
    playbook = PlaybookFactory()
    step = {
        "kind": StepKind.ESCALATION,
        "title": "Escalate",
        "assignee_kind": "account_csm",
    }

    page = refusal(
        client.post(reverse("playbook-step-new", args=[playbook.pk]), {**step, **settings})
    )

    assert says in page
    assert "Ensure this value" not in page
    assert "Enter a whole number" not in page
    assert not playbook.steps.exists()


def test_a_follow_up_delay_out_of_range_says_the_range_in_french(client, admin):
    admin.language = "fr"
    admin.save(update_fields=["language"])
    playbook = PlaybookFactory()

    page = refusal(
        client.post(
            reverse("playbook-step-new", args=[playbook.pk]),
            {
                "kind": StepKind.FOLLOW_UP_SURVEY,
                "title": "Ask again",
                "assignee_kind": "account_csm",
                "delay_days": "400",
            },
        )
    )

    assert "Indiquez un nombre entier de jours entre 1 et 365." in page
