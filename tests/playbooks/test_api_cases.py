"""`GET /api/v1/cases` and `GET /api/v1/cases/{id}`: cases read by BI tools and the team."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from playbooks.models import ActionAudience, Case, CaseStatus, EscalationRule
from playbooks.services.cases import (
    add_action_item,
    move_case,
    raise_escalation,
    reassign_case,
    resolve_escalation,
)
from playbooks.services.engine import process_response
from surveys.models import IntegrationKind
from surveys.services.integrations import create_integration, revoke_integration
from tests.factories import AccountFactory, ContactFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases"

# Session, user and roles, or the key (and its last-use stamp); then the count, the page
# and the answers that joined its cases.
LIST_QUERIES = 6


@pytest.fixture(autouse=True)
def playbooks(default_playbooks):
    return default_playbooks


def a_case(*, csm=None, score=3, arr="20000", comment="", **account_fields) -> Case:
    """A case opened by the engine for a new answer at a new account of `csm`.

    The default ARR stays under the escalation threshold: no escalation unless asked for.
    """
    account = AccountFactory(csm=csm, arr=Decimal(arr), **account_fields)
    answer = ResponseFactory(contact=ContactFactory(account=account), score=score, comment=comment)
    return Case.objects.get(pk=process_response(response_id=answer.pk).case_id)


def ids(reply) -> list[int]:
    return [row["id"] for row in reply.json()["results"]]


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# --- the list ---------------------------------------------------------------------------


def test_api_key_lists_every_case_newest_first(api_client, csm, other_csm):
    first = a_case(csm=csm)
    second = a_case(csm=other_csm)
    third = a_case(csm=None)

    reply = api_client.get(URL)

    assert reply.status_code == 200
    assert reply.json()["count"] == 3
    assert ids(reply) == [third.pk, second.pk, first.pk]


def test_a_row_shows_the_answer_the_people_and_the_deadlines(api_client, csm, playbooks):
    case = a_case(csm=csm, score=4, comment="Support is slow.", name="Acme", external_id="CRM-1")

    row = api_client.get(URL).json()["results"][0]

    contact = case.contact
    assert row["status"] == "new"
    assert row["category"] == "detractor"
    assert (row["score"], row["comment"]) == (4, "Support is slow.")
    assert row["account"] == {
        "id": case.account_id,
        "external_id": "CRM-1",
        "name": "Acme",
        "arr": "20000.00",
        "currency": case.account.currency,
        "segment": case.account.segment,
    }
    assert row["contact"] == {
        "id": contact.pk,
        "name": contact.name,
        "email": contact.email,
        "persona": "user",
    }
    assert row["owner"] == {"id": csm.pk, "name": csm.name}
    assert row["playbook"] == playbooks["detractor"].name
    assert row["sla_due_at"] is not None
    assert (row["closed_at"], row["outcome"]) == (None, "")
    assert (row["escalated"], row["won_back"]) == (False, False)


def test_a_case_names_the_answer_it_came_from_in_the_list_and_in_detail(api_client, csm):
    case = a_case(csm=csm)

    row = api_client.get(URL).json()["results"][0]
    detail = api_client.get(f"{URL}/{case.pk}").json()

    assert row["response_id"] == case.response_id
    assert detail["response_id"] == case.response_id


def test_a_case_owned_by_the_managers_has_no_owner(api_client):
    a_case(csm=None)

    assert api_client.get(URL).json()["results"][0]["owner"] is None


def test_a_csm_lists_only_the_cases_of_their_accounts(csm, other_csm):
    mine = a_case(csm=csm)
    a_case(csm=other_csm)

    reply = signed_in(csm).get(URL)

    assert ids(reply) == [mine.pk]


def test_a_csm_also_lists_a_case_reassigned_to_them(csm, other_csm, manager):
    theirs = a_case(csm=other_csm)
    reassign_case(case=theirs, actor=manager, owner=csm)

    assert ids(signed_in(csm).get(URL)) == [theirs.pk]


def test_a_manager_lists_every_case(manager, csm, other_csm):
    a_case(csm=csm)
    a_case(csm=other_csm)

    assert signed_in(manager).get(URL).json()["count"] == 2


def test_anonymous_gets_401_in_the_api_error_shape():
    reply = APIClient().get(URL)

    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "not_authenticated"


def test_a_revoked_key_gets_401():
    created = create_integration(name="old-bi")
    revoke_integration(integration=created.integration)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.key}")

    assert client.get(URL).status_code == 401


def test_a_survey_tool_webhook_key_may_not_read_cases():
    created = create_integration(name="typeform", kind=IntegrationKind.TYPEFORM)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.key}")

    reply = client.get(URL)

    assert reply.status_code == 403
    assert "REST API key" in reply.json()["error"]["message"]


def test_a_signed_in_user_without_a_role_gets_403():
    reply = signed_in(UserFactory()).get(URL)

    assert reply.status_code == 403
    assert "role" in reply.json()["error"]["message"]


# --- filters ----------------------------------------------------------------------------


@pytest.fixture
def cases_in_each_status(csm, manager):
    new = a_case(csm=csm)
    planned = a_case(csm=csm)
    add_action_item(case=planned, actor=csm, audience=ActionAudience.CUSTOMER, text="Call back")
    closed = a_case(csm=csm)
    move_case(
        case=closed,
        target=CaseStatus.CLOSED,
        actor=manager,
        fields={"closed_at": timezone.now(), "outcome": "resolved"},
    )
    return {"new": new, "planned": planned, "closed": closed}


def test_status_open_lists_every_case_not_closed(api_client, cases_in_each_status):
    reply = api_client.get(URL, {"status": "open"})

    assert set(ids(reply)) == {cases_in_each_status["new"].pk, cases_in_each_status["planned"].pk}


def test_status_filters_on_one_status(api_client, cases_in_each_status):
    closed = api_client.get(URL, {"status": "closed"}).json()["results"]
    planned = api_client.get(URL, {"status": "plan_in_progress"})

    assert [row["id"] for row in closed] == [cases_in_each_status["closed"].pk]
    assert closed[0]["outcome"] == "resolved"
    assert ids(planned) == [cases_in_each_status["planned"].pk]


def test_owner_filters_on_a_user_or_on_the_managers(api_client, csm, other_csm):
    mine = a_case(csm=csm)
    a_case(csm=other_csm)
    managers = a_case(csm=None)

    assert ids(api_client.get(URL, {"owner": csm.pk})) == [mine.pk]
    assert ids(api_client.get(URL, {"owner": "none"})) == [managers.pk]


def test_escalated_means_an_escalation_not_yet_resolved(api_client, csm, manager):
    quiet = a_case(csm=csm)
    hot = a_case(csm=csm, arr="500000")  # over the ARR threshold: a rule escalates it
    settled = a_case(csm=csm)
    escalation = raise_escalation(case=settled, actor=csm, reason="Threatens to leave")
    resolve_escalation(escalation=escalation, actor=manager, resolution="Call went well")

    assert ids(api_client.get(URL, {"escalated": "true"})) == [hot.pk]
    assert ids(api_client.get(URL, {"escalated": "false"})) == [settled.pk, quiet.pk]


def test_category_and_account_filter_the_list(api_client, csm):
    detractor = a_case(csm=csm, score=2, external_id="CRM-7")
    passive = a_case(csm=csm, score=8)

    assert ids(api_client.get(URL, {"category": "passive"})) == [passive.pk]
    assert ids(api_client.get(URL, {"account": "CRM-7"})) == [detractor.pk]


def test_empty_filters_are_ignored(api_client, csm):
    a_case(csm=csm)

    reply = api_client.get(URL, {"status": "", "owner": "", "escalated": "", "category": ""})

    assert reply.json()["count"] == 1


def test_a_csm_filtering_on_another_owner_still_sees_only_their_cases(csm, other_csm):
    a_case(csm=other_csm)

    assert ids(signed_in(csm).get(URL, {"owner": other_csm.pk})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"owner": "alice"}, "owner"),
        ({"owner": "²"}, "owner"),
        ({"escalated": "maybe"}, "escalated"),
        ({"escalated": "1"}, "escalated"),
        ({"owner": " 12"}, "owner"),
        ({"category": "fan"}, "category"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(api_client, params, field):
    reply = api_client.get(URL, params)

    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "invalid"
    assert field in reply.json()["error"]["fields"]


def test_a_bad_status_lists_the_statuses_to_use(api_client):
    reply = api_client.get(URL, {"status": "pending"})

    message = reply.json()["error"]["fields"]["status"][0]
    assert "open" in message
    assert "plan_in_progress" in message


# --- pagination and queries -------------------------------------------------------------


def test_the_list_is_paginated(api_client, csm):
    oldest, middle, newest = (a_case(csm=csm) for _ in range(3))

    page_1 = api_client.get(URL, {"page_size": 2}).json()
    page_2 = api_client.get(page_1["next"]).json()

    assert page_1["count"] == 3
    assert [row["id"] for row in page_1["results"]] == [newest.pk, middle.pk]
    assert page_1["previous"] is None
    assert [row["id"] for row in page_2["results"]] == [oldest.pk]
    assert page_2["next"] is None


def test_a_page_past_the_end_is_404_in_the_api_error_shape(api_client, csm):
    a_case(csm=csm)

    reply = api_client.get(URL, {"page": 7})

    assert reply.status_code == 404
    assert "Pages start at 1" in reply.json()["error"]["message"]


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_cases(
    api_client, csm, manager, count, django_assert_max_num_queries
):
    for _ in range(count):
        case = a_case(csm=csm, arr="500000")  # escalated by a rule
        add_action_item(case=case, actor=csm, audience=ActionAudience.INTERNAL, text="Review")

    with django_assert_max_num_queries(LIST_QUERIES):
        reply = api_client.get(URL)

    assert len(reply.json()["results"]) == count


@pytest.mark.parametrize("count", [3, 30])
def test_a_csm_list_costs_the_same_queries_for_3_or_30_cases(
    csm, count, django_assert_max_num_queries
):
    for _ in range(count):
        a_case(csm=csm)
    client = signed_in(csm)

    with django_assert_max_num_queries(LIST_QUERIES):
        reply = client.get(URL, {"status": "open", "escalated": "false"})

    assert len(reply.json()["results"]) == count


# --- one case ---------------------------------------------------------------------------


def test_detail_shows_the_steps_copied_from_the_playbook(api_client, csm, playbooks):
    case = a_case(csm=csm)

    data = api_client.get(f"{URL}/{case.pk}").json()

    definition = list(playbooks["detractor"].steps.order_by("position"))
    assert [step["title"] for step in data["steps"]] == [step.title for step in definition]
    assert [step["position"] for step in data["steps"]] == list(range(1, len(definition) + 1))
    call = next(step for step in data["steps"] if step["kind"] == "qualification_call")
    assert call["status"] == "todo"
    assert call["assignee"] == {"id": csm.pk, "name": csm.name}
    assert call["done_by"] is None
    lookup = next(step for step in data["steps"] if step["kind"] == "lookup_360")
    assert lookup["status"] == "done"
    assert lookup["result"]["contact"]["email"] == case.contact.email


def test_detail_shows_the_action_plan(api_client, csm):
    case = a_case(csm=csm)
    add_action_item(
        case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Fix the export", owner=csm
    )

    data = api_client.get(f"{URL}/{case.pk}").json()

    assert data["status"] == "plan_in_progress"
    [item] = data["action_items"]
    assert (item["audience"], item["text"], item["status"]) == (
        "customer",
        "Fix the export",
        "open",
    )
    assert item["owner"] == {"id": csm.pk, "name": csm.name}


def test_detail_shows_who_raised_acknowledged_and_resolved_each_escalation(
    api_client, csm, manager
):
    case = a_case(csm=csm, arr="500000")
    by_hand = raise_escalation(case=case, actor=csm, reason="Their CEO called us", level=2)
    resolve_escalation(escalation=by_hand, actor=manager, resolution="Met them")

    data = api_client.get(f"{URL}/{case.pk}").json()

    escalations = {e["rule"]: e for e in data["escalations"]}
    by_rule = escalations[EscalationRule.ARR_AT_STAKE]
    assert by_rule["raised_by"] == "system"
    assert (by_rule["acknowledged_by"], by_rule["resolved_at"]) == (None, None)
    manual = escalations[""]
    assert (manual["raised_by"], manual["level"]) == (csm.name, 2)
    assert manual["acknowledged_by"] == manual["resolved_by"] == manager.name
    assert manual["resolution"] == "Met them"
    assert data["escalated"] is True  # the rule's escalation is still unresolved


def test_detail_timeline_runs_oldest_first_with_the_system_as_null(api_client, csm):
    case = a_case(csm=csm)
    add_action_item(case=case, actor=csm, audience=ActionAudience.INTERNAL, text="Ask product")

    timeline = api_client.get(f"{URL}/{case.pk}").json()["timeline"]

    assert (timeline[0]["kind"], timeline[0]["actor"]) == ("opened", None)
    added = next(event for event in timeline if event["kind"] == "action_added")
    assert added["actor"] == csm.name
    assert "Ask product" in added["message"]
    whens = [event["when"] for event in timeline]
    assert whens == sorted(whens)


def test_a_csm_reads_their_own_case(csm):
    case = a_case(csm=csm)

    reply = signed_in(csm).get(f"{URL}/{case.pk}")

    assert reply.status_code == 200
    assert reply.json()["id"] == case.pk


def test_another_csms_case_is_404_not_403(csm, other_csm):
    theirs = a_case(csm=other_csm)

    reply = signed_in(csm).get(f"{URL}/{theirs.pk}")

    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "not_found"


def test_a_manager_reads_any_case(manager, csm):
    case = a_case(csm=csm)

    assert signed_in(manager).get(f"{URL}/{case.pk}").status_code == 200


def test_a_huge_owner_id_finds_nothing(api_client, csm):
    a_case(csm=csm)

    reply = api_client.get(URL, {"owner": "9" * 20})

    assert reply.status_code == 200
    assert reply.json()["count"] == 0


def test_a_huge_case_id_is_404(api_client):
    assert api_client.get(f"{URL}/{'9' * 25}").status_code == 404


def test_an_unknown_case_is_404(api_client):
    reply = api_client.get(f"{URL}/999999")

    assert reply.status_code == 404
    assert "999999" in reply.json()["error"]["message"]


def test_anonymous_gets_401_on_a_case(csm):
    case = a_case(csm=csm)

    assert APIClient().get(f"{URL}/{case.pk}").status_code == 401


def test_the_schema_documents_the_filters_and_the_pages(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = schema.json()["paths"]
    listed = {p["name"] for p in paths["/api/v1/cases"]["get"]["parameters"]}
    assert {"status", "owner", "escalated", "category", "account", "page"} <= listed
    assert "/api/v1/cases/{case_id}" in paths
