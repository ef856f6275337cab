"""The OpenAPI schema and its browsable docs."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_lists_the_answer_and_nps_endpoints(api_client):
    reply = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert reply.status_code == 200
    paths = reply.json()["paths"]
    assert "/api/v1/responses" in paths
    assert "/api/v1/nps" in paths


def test_docs_page_serves_swagger_ui_from_our_own_static_files(client, admin_user):
    client.force_login(admin_user)

    page = client.get("/api/v1/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_schema_is_not_public():
    assert APIClient().get("/api/v1/schema/").status_code == 401


def test_schema_documents_the_recurring_issues_and_the_root_cause_of_a_case(api_client):
    reply = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = reply.json()
    operation = schema["paths"]["/api/v1/recurring-issues"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"from", "to", "sort"}
    assert set(operation["responses"]) >= {"200", "400", "401", "403"}
    case = schema["components"]["schemas"]["Case"]["properties"]["root_cause"]
    assert case.get("nullable") or "null" in str(case)


def test_an_account_without_a_segment_is_as_the_schema_says(api_client):
    reply = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    segment = reply.json()["components"]["schemas"]["AccountOut"]["properties"]["segment"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in segment["oneOf"]
