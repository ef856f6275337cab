"""Every error under /api/ is JSON in the one documented shape, whatever raised it."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from surveys.services.integrations import create_integration

pytestmark = pytest.mark.django_db


def assert_api_error(reply, status: int, code: str) -> dict:
    assert reply.status_code == status
    assert reply["Content-Type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_an_id_that_is_not_a_number_is_a_json_404(api_client):
    error = assert_api_error(api_client.get("/api/v1/cases/abc"), 404, "not_found")

    assert "/api/v1/schema/" in error["message"]


def test_an_unknown_endpoint_is_a_json_404_even_without_a_key():
    assert_api_error(APIClient().get("/api/v1/no-such-thing"), 404, "not_found")


def test_the_404_message_speaks_the_callers_language():
    reply = APIClient().get("/api/v1/no-such-thing", headers={"Accept-Language": "fr"})

    assert_api_error(reply, 404, "not_found")
    assert reply.json()["error"]["message"].startswith("Il n'y a rien à /api/v1/no-such-thing")


def test_a_method_the_endpoint_does_not_have_is_a_json_405(api_client):
    reply = api_client.delete("/api/v1/cases")

    assert_api_error(reply, 405, "method_not_allowed")
    assert reply["Allow"] == "GET, HEAD, OPTIONS"


def test_the_schema_without_a_key_is_a_json_401_not_yaml():
    reply = APIClient().get("/api/v1/schema/")

    assert_api_error(reply, 401, "not_authenticated")
    assert reply["WWW-Authenticate"] == "Bearer"


def test_a_missing_key_is_a_json_401():
    assert_api_error(APIClient().get("/api/v1/cases"), 401, "not_authenticated")


def test_a_browser_session_posting_without_csrf_token_gets_a_json_403(csm):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(csm)

    reply = browser.post("/api/v1/responses", {}, format="json")

    assert_api_error(reply, 403, "permission_denied")


def test_too_many_requests_is_a_json_429_saying_when_to_come_back(
    api_client, settings, one_rate_window
):
    settings.NPS_API_RATE_PER_MINUTE = 2
    for _ in range(2):
        assert api_client.get("/api/v1/suppressions").status_code == 200

    reply = api_client.get("/api/v1/suppressions")

    assert_api_error(reply, 429, "throttled")
    assert 1 <= int(reply["Retry-After"]) <= 60


def test_the_rate_limit_counts_each_key_apart(api_client, settings, one_rate_window):
    settings.NPS_API_RATE_PER_MINUTE = 1
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {create_integration(name='other').key}")

    assert api_client.get("/api/v1/suppressions").status_code == 200
    assert other.get("/api/v1/suppressions").status_code == 200
    assert api_client.get("/api/v1/suppressions").status_code == 429


@override_settings(ROOT_URLCONF="tests.core.error_urls")
def test_a_bug_in_an_endpoint_is_a_json_500(api_key):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")

    error = assert_api_error(client.get("/api/v1/broken"), 500, "server_error")

    assert "bug" not in error["message"]  # nothing of the exception leaks out


def test_pages_outside_the_api_keep_their_html_404(api_client):
    reply = api_client.get("/no-such-page/")

    assert reply.status_code == 404
    assert reply["Content-Type"].startswith("text/html")


def test_a_body_that_is_not_json_is_a_json_400_or_415(api_client):
    broken = api_client.post("/api/v1/responses", "{not json", content_type="application/json")
    as_text = api_client.post("/api/v1/responses", "score=4", content_type="text/plain")

    assert_api_error(broken, 400, "parse_error")
    assert_api_error(as_text, 415, "unsupported_media_type")


@pytest.mark.parametrize("body", ["null", "[]", "12"])
def test_a_body_that_is_no_object_is_a_json_400_naming_no_field(api_client, body):
    reply = api_client.post("/api/v1/responses", body, content_type="application/json")

    error = assert_api_error(reply, 400, "invalid")
    assert set(error["fields"]) == {"non_field_errors"}
    assert all(isinstance(message, str) for message in error["fields"]["non_field_errors"])


def test_asking_for_html_is_a_json_406(api_client):
    assert_api_error(
        api_client.get("/api/v1/cases", HTTP_ACCEPT="text/html"), 406, "not_acceptable"
    )


@override_settings(DEBUG=True)
def test_even_in_debug_a_missing_endpoint_is_json_not_the_technical_page(api_client):
    assert_api_error(api_client.get("/api/v1/cases/abc"), 404, "not_found")


@override_settings(DEBUG=True, ROOT_URLCONF="tests.core.error_urls")
def test_even_in_debug_a_bug_in_an_endpoint_is_json(api_key):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")

    assert_api_error(client.get("/api/v1/broken"), 500, "server_error")
