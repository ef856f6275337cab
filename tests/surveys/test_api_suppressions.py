"""`GET /api/v1/suppressions/check` and `GET /api/v1/suppressions`: who must get no survey."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.roles import Role, set_role
from surveys.models import IntegrationKind, SuppressionReason
from surveys.services.integrations import create_integration
from surveys.services.suppressions import lift_suppression, suppress_surveys
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

CHECK_URL = "/api/v1/suppressions/check"
LIST_URL = "/api/v1/suppressions"

# The key and its last-use stamp, then the count and the page.
LIST_QUERIES = 4


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def contact(db):
    return ContactFactory(email="dana@customer.example", account=AccountFactory(name="Acme"))


# --- check ------------------------------------------------------------------------------


def test_an_unknown_address_may_be_surveyed(api_client):
    reply = api_client.get(CHECK_URL, {"email": "nobody@elsewhere.example"})

    assert reply.status_code == 200
    assert reply.json() == {
        "email": "nobody@elsewhere.example",
        "allowed": True,
        "reasons": [],
        "reason": None,
        "reason_codes": [],
        "suppressions": [],
    }


def test_a_suppressed_contact_may_not_be_surveyed(api_client, contact):
    ends = timezone.now() + dt.timedelta(days=30)
    suppression = suppress_surveys(contact=contact, note="Case #12", ends_at=ends)

    data = api_client.get(CHECK_URL, {"email": "dana@customer.example"}).json()

    assert data["allowed"] is False
    assert len(data["reasons"]) == 1
    assert "Surveys to the contact are suppressed" in data["reasons"][0]
    [found] = data["suppressions"]
    assert found["id"] == suppression.pk
    assert (found["scope"], found["reason"], found["note"]) == ("contact", "manual", "Case #12")
    assert found["contact_email"] == "dana@customer.example"
    assert found["ends_at"] is not None


def test_an_account_wide_suppression_covers_every_contact_there(api_client, contact):
    colleague = ContactFactory(account=contact.account)
    suppress_surveys(account=contact.account, reason=SuppressionReason.OPEN_CASE)

    data = api_client.get(CHECK_URL, {"email": colleague.email}).json()

    assert data["allowed"] is False
    [found] = data["suppressions"]
    assert found["scope"] == "account"
    assert found["reason"] == "open_case"
    assert (found["account_external_id"], found["account_name"]) == (
        contact.account.external_id,
        "Acme",
    )
    assert found["ends_at"] is None


def test_an_opted_out_contact_may_not_be_surveyed(api_client, contact):
    contact.opted_out = True
    contact.save()

    data = api_client.get(CHECK_URL, {"email": contact.email}).json()

    assert data["allowed"] is False
    assert data["reasons"] == ["The contact opted out of surveys."]
    assert data["suppressions"] == []


def test_a_lifted_suppression_no_longer_counts(api_client, contact):
    lift_suppression(suppression=suppress_surveys(contact=contact))

    assert api_client.get(CHECK_URL, {"email": contact.email}).json()["allowed"] is True


def test_the_address_is_matched_in_upper_or_lower_case(api_client, contact):
    suppress_surveys(contact=contact)

    data = api_client.get(CHECK_URL, {"email": "Dana@Customer.Example"}).json()

    assert data["email"] == "dana@customer.example"
    assert data["allowed"] is False


@pytest.mark.parametrize("params", [{}, {"email": ""}, {"email": "dana-at-customer"}])
def test_a_missing_or_malformed_address_is_400(api_client, params):
    reply = api_client.get(CHECK_URL, params)

    assert reply.status_code == 400
    assert "email" in reply.json()["error"]["fields"]


def test_a_malformed_address_says_what_to_send(api_client):
    reply = api_client.get(CHECK_URL, {"email": "dana-at-customer"})

    assert "person@example.com" in reply.json()["error"]["fields"]["email"][0]


# --- list -------------------------------------------------------------------------------


def test_the_list_holds_suppressions_in_force_newest_first(api_client, contact):
    now = timezone.now()
    older = suppress_surveys(contact=contact, starts_at=now - dt.timedelta(days=2))
    newer = suppress_surveys(account=contact.account, starts_at=now - dt.timedelta(days=1))
    lift_suppression(suppression=suppress_surveys(contact=ContactFactory()))
    suppress_surveys(
        contact=ContactFactory(),
        starts_at=now - dt.timedelta(days=9),
        ends_at=now - dt.timedelta(days=1),
    )
    suppress_surveys(contact=ContactFactory(), starts_at=now + dt.timedelta(days=1))

    data = api_client.get(LIST_URL).json()

    assert data["count"] == 2
    assert [row["id"] for row in data["results"]] == [newer.pk, older.pk]
    account_row, contact_row = data["results"]
    assert (account_row["scope"], account_row["account_name"]) == ("account", "Acme")
    assert account_row["contact_email"] is None
    assert (contact_row["scope"], contact_row["contact_email"]) == (
        "contact",
        "dana@customer.example",
    )
    assert contact_row["account_external_id"] is None


def test_the_list_is_paginated(api_client):
    for _ in range(3):
        suppress_surveys(contact=ContactFactory())

    page_1 = api_client.get(LIST_URL, {"page_size": 2}).json()
    page_2 = api_client.get(page_1["next"]).json()

    assert page_1["count"] == 3
    assert len(page_1["results"]) == 2
    assert len(page_2["results"]) == 1
    assert page_2["next"] is None


def test_a_page_that_is_not_a_number_is_400_naming_the_parameter(api_client):
    reply = api_client.get(LIST_URL, {"page": "last-but-one"})

    assert reply.status_code == 400
    assert reply.json()["error"]["fields"] == {"page": ["Give a whole number from 1."]}


@pytest.mark.parametrize("size", ["0", "201", "ten", "1.5"])
def test_a_page_size_out_of_1_to_200_is_400_rather_than_quietly_changed(api_client, size):
    reply = api_client.get(LIST_URL, {"page_size": size})

    assert reply.status_code == 400
    assert reply.json()["error"]["fields"] == {"page_size": ["Give a whole number from 1 to 200."]}


def test_a_filter_given_twice_is_400_rather_than_the_last_one_winning(api_client):
    reply = api_client.get("/api/v1/nps?segment=smb&segment=enterprise")

    assert reply.status_code == 400
    assert reply.json()["error"]["fields"] == {"segment": ["Give 'segment' once."]}


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_costs_the_same_queries_for_2_or_20_suppressions(
    api_client, count, django_assert_max_num_queries
):
    for n in range(count):
        if n % 2:
            suppress_surveys(contact=ContactFactory())
        else:
            suppress_surveys(account=AccountFactory())

    with django_assert_max_num_queries(LIST_QUERIES):
        reply = api_client.get(LIST_URL)

    assert len(reply.json()["results"]) == count


# --- who may read -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CSM, Role.MANAGER, Role.ADMIN])
@pytest.mark.parametrize("url", [LIST_URL, f"{CHECK_URL}?email=dana@customer.example"])
def test_anyone_with_a_role_may_read_suppressions(role, url):
    user = UserFactory()
    set_role(user, role)

    assert signed_in(user).get(url).status_code == 200


def test_a_survey_tool_key_may_check_before_sending():
    created = create_integration(name="delighted", kind=IntegrationKind.DELIGHTED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.key}")

    assert client.get(CHECK_URL, {"email": "dana@customer.example"}).status_code == 200


@pytest.mark.parametrize("url", [LIST_URL, f"{CHECK_URL}?email=dana@customer.example"])
def test_a_user_without_a_role_gets_403(url):
    reply = signed_in(UserFactory()).get(url)

    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("url", [LIST_URL, f"{CHECK_URL}?email=dana@customer.example"])
def test_anonymous_gets_401_in_the_api_error_shape(url):
    reply = APIClient().get(url)

    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "not_authenticated"


def test_the_schema_documents_both_endpoints(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = schema.json()["paths"]
    check = paths["/api/v1/suppressions/check"]["get"]["parameters"]
    assert [(p["name"], p["required"]) for p in check] == [("email", True)]
    assert "page" in {p["name"] for p in paths["/api/v1/suppressions"]["get"]["parameters"]}
