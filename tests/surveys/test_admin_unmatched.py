"""Finding unmatched answers in the admin and assigning them to an account."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from surveys.models import Integration, Response
from surveys.services.integrations import create_integration
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:surveys_response_changelist")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def unmatched_contact():
    return ContactFactory(account=None, email="lea@unknown-customer.example")


def test_unmatched_filter_lists_only_unmatched_answers(admin_client, unmatched_contact):
    ResponseFactory(contact=unmatched_contact)
    ResponseFactory(contact=ContactFactory(email="tom@known-customer.example"))

    response = admin_client.get(CHANGELIST, {"matched": "no"})

    assert response.status_code == 200
    assert [r.contact.email for r in response.context["cl"].result_list] == [
        "lea@unknown-customer.example"
    ]


def test_assign_action_first_asks_which_account(admin_client, unmatched_contact):
    answer = ResponseFactory(contact=unmatched_contact)

    response = admin_client.post(
        CHANGELIST, {"action": "assign_to_account", "_selected_action": [answer.pk], "index": 0}
    )

    assert response.status_code == 200
    assert "admin/surveys/response/assign_account.html" in [t.name for t in response.templates]
    assert "lea@unknown-customer.example" in response.content.decode()
    answer.refresh_from_db()
    assert answer.account is None


def test_assign_action_matches_the_answer_and_the_contacts_other_unmatched_answers(
    admin_client, unmatched_contact
):
    account = AccountFactory(name="Umbrella Corp")
    selected = ResponseFactory(contact=unmatched_contact)
    other = ResponseFactory(contact=unmatched_contact)

    response = admin_client.post(
        CHANGELIST,
        {
            "action": "assign_to_account",
            "_selected_action": [selected.pk],
            "apply": "yes",
            "account": account.pk,
        },
    )

    assert response.status_code == 302
    selected.refresh_from_db()
    other.refresh_from_db()
    unmatched_contact.refresh_from_db()
    assert (selected.account, other.account, unmatched_contact.account) == (
        account,
        account,
        account,
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 answers are now matched to Umbrella Corp."
    ]


def test_assign_action_without_an_account_asks_again(admin_client, unmatched_contact):
    answer = ResponseFactory(contact=unmatched_contact)

    response = admin_client.post(
        CHANGELIST,
        {"action": "assign_to_account", "_selected_action": [answer.pk], "apply": "yes"},
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Response.objects.get(pk=answer.pk).account is None


def test_assign_action_leaves_already_matched_answers_alone(admin_client):
    original = AccountFactory()
    answer = ResponseFactory(contact=ContactFactory(account=original))

    response = admin_client.post(
        CHANGELIST,
        {
            "action": "assign_to_account",
            "_selected_action": [answer.pk],
            "apply": "yes",
            "account": AccountFactory().pk,
        },
    )

    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.account == original


def test_account_autocomplete_of_the_assign_page_finds_accounts_by_name(admin_client):
    AccountFactory(name="Umbrella Corp")
    AccountFactory(name="Initech")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "surveys",
            "model_name": "response",
            "field_name": "account",
            "term": "umbr",
        },
    )

    assert [r["text"] for r in response.json()["results"]] == ["Umbrella Corp"]


def test_answers_cannot_be_added_through_the_admin(admin_client):
    assert admin_client.get(reverse("admin:surveys_response_add")).status_code == 403


def test_answer_list_runs_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries, unmatched_contact
):
    ResponseFactory.create_batch(3)
    ResponseFactory.create_batch(3, contact=unmatched_contact)

    with django_assert_max_num_queries(12):
        admin_client.get(CHANGELIST)
    ResponseFactory.create_batch(10)
    with django_assert_max_num_queries(12):
        admin_client.get(CHANGELIST)


def test_a_csm_cannot_reach_the_admin(client, csm):
    client.force_login(csm)

    response = client.get(CHANGELIST, follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert "not authorized to access this page" in response.content.decode()


def test_revoke_action_refuses_the_key_from_then_on(admin_client):
    integration = create_integration(name="crm-sync").integration

    admin_client.post(
        reverse("admin:surveys_integration_changelist"),
        {"action": "revoke", "_selected_action": [integration.pk], "index": 0},
    )

    assert not Integration.objects.get(pk=integration.pk).is_active
