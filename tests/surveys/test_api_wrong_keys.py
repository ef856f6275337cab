"""Guessing API keys is throttled: wrong keys from one address lead to 429 and Retry-After."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_rate_window")]

GUESSER = "203.0.113.5"


def nps(client, key, address):
    return client.get(reverse("api-nps"), HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=address)


def test_ten_wrong_keys_then_every_request_from_that_address_gets_429(client, api_key, settings):
    assert settings.NPS_API_WRONG_KEY_LIMIT == 10
    for n in range(10):
        assert nps(client, f"wrong-{n}", GUESSER).status_code == 401

    refused = nps(client, "wrong-again", GUESSER)
    right_key_there = nps(client, api_key, GUESSER)

    for response in (refused, right_key_there):
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 15 * 60
        assert response.json()["error"]["code"] == "throttled"
        assert "wrong API key" in response.json()["error"]["message"]


def test_the_right_key_from_another_address_still_works(client, api_key):
    for n in range(11):
        nps(client, f"wrong-{n}", GUESSER)

    assert nps(client, api_key, "198.51.100.7").status_code == 200


def test_right_keys_do_not_count_against_the_address(client, api_key):
    for _ in range(12):
        assert nps(client, api_key, GUESSER).status_code == 200


def test_the_limit_is_read_from_the_settings(client, settings):
    settings.NPS_API_WRONG_KEY_LIMIT = 2
    nps(client, "wrong-1", GUESSER)
    nps(client, "wrong-2", GUESSER)

    assert nps(client, "wrong-3", GUESSER).status_code == 429


def test_wrong_webhook_tokens_are_throttled_too(client):
    def deliver(token):
        return client.post(
            f"/api/v1/hooks/delighted?token={token}",
            "{}",
            content_type="application/json",
            REMOTE_ADDR=GUESSER,
        )

    for n in range(10):
        assert deliver(f"wrong-{n}").status_code == 401

    refused = deliver("wrong-again")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
