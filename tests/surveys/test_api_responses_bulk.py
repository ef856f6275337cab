"""`POST /api/v1/responses/bulk`: many answers in one request, each on its own."""

import pytest

from accounts.models import Contact
from accounts.services.erasure import remember_erased_address
from core import background
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from surveys.models import Response
from tests.factories import AccountFactory, ContactFactory

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


# --- set-based recording: the same outcomes as one by one -------------------------------


def mixed_batch():
    """New answers from known and new people, refused ones between them."""
    return {
        "responses": [
            answer("m-1", email="ana@acme.example", score=2),
            answer("m-2", email="new.person@acme.example", score=10, contact_name="Lea"),
            answer("m-3", score="9"),
            answer("m-4", email="not-an-address"),
            answer("m-5", email="Other@Acme.example", score=7, language="fr-CA"),
            answer("m-6", email="other@acme.example", score=8),
        ]
    }


def test_refused_answers_among_good_ones_lose_nothing_and_store_nothing_of_theirs(api_client):
    acme = AccountFactory()
    acme.domains.create(domain="acme.example")
    ContactFactory(email="ana@acme.example", account=acme)

    reply = api_client.post(URL, mixed_batch(), format="json")

    data = reply.json()
    assert [r["status"] for r in data["results"]] == [201, 201, 400, 400, 201, 201]
    assert (data["created"], data["updated"], data["unchanged"], data["failed"]) == (4, 0, 0, 2)
    assert data["results"][2]["error"]["fields"] == {"score": ["A valid integer is required."]}
    stored = Response.objects.order_by("external_id")
    assert [(r.external_id, r.score, r.account_id) for r in stored] == [
        ("m-1", 2, acme.pk),
        ("m-2", 10, acme.pk),
        ("m-5", 7, acme.pk),
        ("m-6", 8, acme.pk),
    ]
    # One contact per person, named and with the language its first answer gave.
    new = Contact.objects.get(email="new.person@acme.example")
    other = Contact.objects.get(email__iexact="other@acme.example")
    assert (new.name, new.account, other.language, other.account) == ("Lea", acme, "fr", acme)
    results = {r["index"]: r["response"] for r in data["results"] if r["status"] == 201}
    assert results[1] == {**results[1], "matched": True, "category": "promoter", "email": new.email}
    assert Response.objects.get(external_id="m-5").language == "fr"


def test_the_same_batch_posted_twice_creates_nothing_the_second_time(api_client):
    first = api_client.post(URL, mixed_batch(), format="json").json()

    again = api_client.post(URL, mixed_batch(), format="json").json()

    assert [r["status"] for r in again["results"]] == [200, 200, 400, 400, 200, 200]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert [r.get("response") for r in again["results"]] == [
        r.get("response") and {**r["response"], "stale": False} for r in first["results"]
    ]
    assert Response.objects.count() == 4
    assert Contact.objects.count() == 3


def test_an_older_delivery_in_a_batch_is_stale_and_changes_nothing(api_client):
    api_client.post(
        URL, {"responses": [answer("r-1", updated_at="2026-05-05T00:00:00Z")]}, format="json"
    )

    reply = api_client.post(
        URL,
        {"responses": [answer("r-1", score=1, updated_at="2026-05-04T00:00:00Z")]},
        format="json",
    )

    (result,) = reply.json()["results"]
    assert (result["status"], result["response"]["stale"], result["response"]["score"]) == (
        200,
        True,
        9,
    )


def test_an_unmatched_person_answering_in_a_batch_joins_the_account_with_earlier_answers(
    api_client,
):
    acme = AccountFactory(external_id="ACC-7")
    earlier = api_client.post(
        "/api/v1/responses", answer("r-0", email="zoe@elsewhere.example"), format="json"
    )
    assert earlier.json()["matched"] is False

    reply = api_client.post(
        URL,
        {"responses": [answer("r-1", email="zoe@elsewhere.example", account_external_id="ACC-7")]},
        format="json",
    )

    assert reply.json()["results"][0]["response"]["account_external_id"] == "ACC-7"
    assert set(Response.objects.values_list("account", flat=True)) == {acme.pk}


def test_new_answers_go_to_the_engine_in_batches_once_stored(
    api_client, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.NPS_ENGINE_BATCH_SIZE = 10
    sent = []
    monkeypatch.setattr(
        background, "enqueue_many", lambda name, kwargs_list: sent.append((name, kwargs_list))
    )

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(URL, {"responses": [answer(f"r-{n}") for n in range(25)]}, format="json")

    stored = list(Response.objects.order_by("pk").values_list("pk", flat=True))
    assert [name for name, _ in sent] == ["playbooks.process_responses"]
    batches = [kwargs["response_ids"] for kwargs in sent[0][1]]
    assert [len(ids) for ids in batches] == [10, 10, 5]
    assert sum(batches, []) == stored


def recent(external_id: str, **overrides):
    """An answer given now, within the case window."""
    body = answer(external_id, **overrides)
    del body["answered_at"]
    return body


def test_a_corrected_score_in_a_batch_supersedes_the_case_of_the_old_one(api_client):
    install_default_playbooks()
    AccountFactory().domains.create(domain="acme.example")
    api_client.post(URL, {"responses": [recent("r-1", score=10)]}, format="json")
    first = Response.objects.get()
    process_response(response_id=first.pk)
    case = Case.objects.get(response=first)

    reply = api_client.post(
        URL,
        {"responses": [recent("r-2", score=9), recent("r-1", score=1)]},
        format="json",
    )

    assert [r["status"] for r in reply.json()["results"]] == [201, 200]
    assert reply.json()["updated"] == 1
    case.refresh_from_db()
    assert case.superseded_at is not None
    process_response(response_id=first.pk)
    new_case = Case.objects.current().get(response=first)
    assert new_case.playbook != case.playbook


def test_a_batch_of_answers_costs_a_few_queries_whatever_its_size(
    api_client, django_assert_max_num_queries
):
    AccountFactory().domains.create(domain="acme.example")
    ContactFactory(email="known@acme.example")
    api_client.post(URL, {"responses": [answer("warm")]}, format="json")  # the key's stamp
    batch = [answer(f"r-{n}", email=f"p{n % 40}@acme.example") for n in range(200)]

    # The key; erased addresses, stored answers, contacts, named accounts, domains; the
    # new contacts and them read back; the answers; the savepoint around the writes.
    with django_assert_max_num_queries(12):
        reply = api_client.post(URL, {"responses": batch}, format="json")

    assert reply.json()["created"] == 200


@pytest.mark.parametrize(
    "wrong",
    [
        {"score": 11},
        {"score": "9"},
        {"email": "not-an-address"},
        {"external_id": "   "},
        {"language": "français"},
        {"answered_at": "yesterday"},
    ],
)
def test_a_refused_answer_in_a_batch_gets_the_error_it_would_get_alone(api_client, wrong):
    body = {**answer("r-1"), **wrong}
    alone = api_client.post("/api/v1/responses", body, format="json")

    reply = api_client.post(URL, {"responses": [answer("r-0"), body]}, format="json")

    item = reply.json()["results"][1]
    assert (alone.status_code, item["status"]) == (400, 400)
    assert item["error"] == alone.json()["error"]
