"""`POST /api/v1/responses`: answers from other systems."""

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from surveys.models import Integration, Response
from surveys.services.integrations import (
    KEYS_VERSION,
    create_integration,
    rename_integration,
    revoke_integration,
)
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/responses"


def answer(**overrides):
    body = {
        "external_id": "crm-991",
        "email": "ana@acme.example",
        "score": 4,
        "comment": "Reporting is too slow.",
        "answered_at": "2026-05-04T10:15:00Z",
    }
    body.update(overrides)
    return body


def test_new_answer_is_created_with_its_category_and_match(api_client):
    contact = ContactFactory(email="ana@acme.example")

    reply = api_client.post(URL, answer(), format="json")

    assert reply.status_code == 201
    data = reply.json()
    assert data["category"] == "detractor"
    assert data["matched"] is True
    assert data["account_external_id"] == contact.account.external_id
    assert data["answered_at"] == "2026-05-04T10:15:00Z"
    assert Response.objects.get(pk=data["id"]).source == "api"


def test_duplicate_answers_200_with_the_same_body_and_creates_nothing(api_client):
    first = api_client.post(URL, answer(), format="json")
    second = api_client.post(URL, answer(), format="json")

    assert second.status_code == 200
    assert second.json() == first.json()
    assert Response.objects.count() == 1


def test_unmatched_answer_is_accepted_and_says_so(api_client):
    reply = api_client.post(URL, answer(email="who@nowhere.example"), format="json")

    assert reply.status_code == 201
    assert reply.json()["matched"] is False
    assert reply.json()["account_external_id"] is None


def test_account_external_id_places_a_new_contact(api_client):
    account = AccountFactory(external_id="SF-001")

    reply = api_client.post(
        URL,
        answer(email="x@y.example", account_external_id="SF-001", contact_name="X Y"),
        format="json",
    )

    assert reply.json()["account_external_id"] == "SF-001"
    assert account.contacts.get().name == "X Y"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 11}, "score"),
        ({"score": "ten"}, "score"),
        ({"email": "nope"}, "email"),
        ({"external_id": ""}, "external_id"),
        ({"answered_at": "yesterday"}, "answered_at"),
        ({"language": "klingon-dialect"}, "language"),
        ({"score": "4"}, "score"),
        ({"external_id": 991}, "external_id"),
        ({"external_id": "   "}, "external_id"),
        ({"comment": "nul \u0000 inside"}, "comment"),
    ],
)
def test_bad_field_answers_400_naming_the_field(api_client, body, field):
    reply = api_client.post(URL, answer(**body), format="json")

    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert Response.objects.count() == 0


def test_extra_fields_are_kept_without_the_nul_characters_postgresql_cannot_store(api_client):
    reply = api_client.post(URL, answer(crm={"note\u0000": "a\u0000b"}), format="json")

    assert reply.status_code == 201
    assert Response.objects.get().payload["crm"] == {"note": "ab"}


def test_an_answer_dated_in_the_future_is_dated_when_it_arrived(api_client):
    before = timezone.now()

    reply = api_client.post(URL, answer(answered_at="2999-01-01T00:00:00Z"), format="json")

    assert reply.status_code == 201
    assert before <= Response.objects.get().answered_at <= timezone.now()


def test_missing_required_fields_are_all_listed(api_client):
    reply = api_client.post(URL, {}, format="json")

    assert reply.status_code == 400
    assert set(reply.json()["error"]["fields"]) == {"external_id", "email", "score"}


def test_malformed_json_is_a_400_with_a_message(api_client):
    reply = api_client.post(URL, "{not json", content_type="application/json")

    assert reply.status_code == 400
    assert "JSON" in reply.json()["error"]["message"]


def test_without_a_key_the_answer_is_refused_401():
    reply = APIClient().post(URL, answer(), format="json")

    assert reply.status_code == 401
    assert reply.json()["error"]["message"]
    assert Response.objects.count() == 0


def test_a_wrong_key_is_refused_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer npsl_not-a-real-key")

    assert client.post(URL, answer(), format="json").status_code == 401


def test_a_revoked_key_is_refused_401():
    new = create_integration(name="old-crm")
    revoke_integration(integration=new.integration)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.key}")

    assert client.post(URL, answer(), format="json").status_code == 401


def test_a_webhook_key_cannot_use_the_generic_api():
    new = create_integration(name="typeform", kind="typeform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.key}")

    assert client.post(URL, answer(), format="json").status_code == 403


def test_a_signed_in_csm_cannot_post_answers(client, csm):
    client.force_login(csm)

    assert client.post(URL, answer(), content_type="application/json").status_code == 403


def test_the_key_records_when_it_was_last_used(api_client):
    api_client.post(URL, answer(), format="json")

    from surveys.models import Integration

    assert Integration.objects.get(name="test-client").last_used_at is not None


# --- keys recognised once, and forgotten on any change ------------------------------------


def keyed_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_revoked_key_is_refused_at_once_though_recognised_before():
    new = create_integration(name="crm")
    client = keyed_client(new.key)
    for n in range(2):
        assert client.post(URL, answer(external_id=f"k-{n}"), format="json").status_code == 201

    revoke_integration(integration=new.integration)

    assert client.post(URL, answer(external_id="k-9"), format="json").status_code == 401


def test_a_key_another_server_revoked_is_refused_here_too():
    new = create_integration(name="crm")
    client = keyed_client(new.key)
    for n in range(2):
        assert client.post(URL, answer(external_id=f"k-{n}"), format="json").status_code == 201

    # Another web process revokes it: the database and the shared keys version change,
    # not what this process keeps.
    Integration.objects.filter(pk=new.integration.pk).update(revoked_at=timezone.now())
    cache.set(KEYS_VERSION, "renewed-by-another-process", timeout=None)

    assert client.post(URL, answer(external_id="k-9"), format="json").status_code == 401


def test_renaming_an_integration_renews_the_keys_version(api_key):
    integration = Integration.objects.get()
    keyed_client(api_key).post(URL, answer(), format="json")
    before = cache.get(KEYS_VERSION)

    rename_integration(integration=integration, name="renamed")

    assert cache.get(KEYS_VERSION) not in (None, before)


def test_answers_are_taken_with_the_key_read_afresh_while_the_cache_is_down(settings, api_key):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.ReusedClientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    client = keyed_client(api_key)

    replies = [client.post(URL, answer(external_id=f"d-{n}"), format="json") for n in range(3)]

    assert [reply.status_code for reply in replies] == [201, 201, 201]
