"""`POST /api/v1/responses/bulk`: many answers in one request, each on its own."""

import pytest

from accounts.services.erasure import remember_erased_address
from surveys.models import Response
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/responses/bulk"


def answer(external_id: str, **overrides):
    body = {
        "external_id": external_id,
        "email": "ana@acme.example",
        "score": 9,
        "answered_at": "2026-05-04T10:15:00Z",
    }
    body.update(overrides)
    return body


def test_each_answer_gets_its_status_and_the_counts_add_up(api_client):
    ContactFactory(email="ana@acme.example")
    api_client.post("/api/v1/responses", answer("r-2", score=3), format="json")

    reply = api_client.post(
        URL,
        {"responses": [answer("r-1"), answer("r-2", score=8), answer("r-3", score=11)]},
        format="json",
    )

    assert reply.status_code == 200
    data = reply.json()
    assert [(r["index"], r["status"]) for r in data["results"]] == [(0, 201), (1, 200), (2, 400)]
    assert data["results"][0]["response"]["category"] == "promoter"
    assert data["results"][1]["response"]["score"] == 8
    assert data["results"][2]["error"]["fields"] == {
        "score": ["Ensure this value is less than or equal to 10."]
    }
    assert (data["created"], data["updated"], data["unchanged"], data["failed"]) == (1, 1, 0, 1)


def test_a_bad_answer_does_not_stop_the_good_ones_after_it(api_client):
    reply = api_client.post(
        URL,
        {"responses": [answer("r-1", email="not-an-address"), answer("r-2"), {"score": "9"}]},
        format="json",
    )

    statuses = [r["status"] for r in reply.json()["results"]]
    assert statuses == [400, 201, 400]
    assert list(Response.objects.values_list("external_id", flat=True)) == ["r-2"]


def test_an_erased_person_is_refused_with_409_and_the_others_are_stored(api_client):
    remember_erased_address(email="gone@acme.example")

    reply = api_client.post(
        URL, {"responses": [answer("r-1", email="gone@acme.example"), answer("r-2")]}, format="json"
    )

    first, second = reply.json()["results"]
    assert (first["status"], first["error"]["code"]) == (409, "erased")
    assert second["status"] == 201
    assert Response.objects.count() == 1


def test_the_same_answer_twice_in_a_batch_is_a_repeat_then_a_correction(api_client):
    reply = api_client.post(
        URL,
        {"responses": [answer("r-1", score=2), answer("r-1", score=2), answer("r-1", score=7)]},
        format="json",
    )

    data = reply.json()
    assert [r["status"] for r in data["results"]] == [201, 200, 200]
    assert (data["created"], data["updated"], data["unchanged"]) == (1, 1, 1)
    assert Response.objects.get().score == 7


def test_more_than_1000_answers_are_refused_whole_naming_the_limit(api_client):
    reply = api_client.post(
        URL, {"responses": [answer(f"r-{n}") for n in range(1001)]}, format="json"
    )

    assert reply.status_code == 400
    assert "at most 1000" in reply.json()["error"]["fields"]["responses"][0]
    assert not Response.objects.exists()


def test_an_item_that_is_not_an_object_refuses_the_batch(api_client):
    reply = api_client.post(URL, {"responses": [answer("r-1"), "r-2"]}, format="json")

    assert reply.status_code == 400
    assert reply.json()["error"]["fields"]["responses"][0].startswith("1: ")
    assert not Response.objects.exists()


def test_a_manager_may_not_send_answers_in_bulk(client, manager):
    client.force_login(manager)

    reply = client.post(URL, {"responses": [answer("r-1")]}, content_type="application/json")

    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "permission_denied"


def test_a_body_over_the_size_limit_is_refused_saying_so(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    long_comment = "x" * 5000

    reply = api_client.post(
        URL,
        {"responses": [answer(f"r-{n}", comment=long_comment) for n in range(300)]},
        format="json",
    )

    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "too_large"
    assert "larger than 1 MB" in reply.json()["error"]["message"]
    assert not Response.objects.exists()


def test_a_batch_of_1000_answers_with_long_comments_is_read(api_client):
    long_comment = "x" * 4000

    reply = api_client.post(
        URL,
        {"responses": [answer(f"r-{n}", comment=long_comment, score=11) for n in range(1000)]},
        format="json",
    )

    assert reply.status_code == 200
    assert reply.json()["failed"] == 1000
