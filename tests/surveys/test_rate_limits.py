"""Rate limits of the public survey pages: per client address, tighter for unknown tokens."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from surveys.models import Response
from surveys.rate_limits import Limit, client_address, hit
from tests.factories import InvitationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_rate_window")]

UNKNOWN = "/s/" + "z" * 32 + "/"


@pytest.fixture
def limits(settings):
    settings.NPS_PUBLIC_RATE_PER_MINUTE = 5
    settings.NPS_PUBLIC_UNKNOWN_TOKEN_RATE_PER_MINUTE = 2


def from_address(address):
    return Client(REMOTE_ADDR=address)


def test_past_the_limit_a_client_gets_a_friendly_429_with_retry_after(limits):
    page = reverse("survey-answer", args=[InvitationFactory().token])
    client = from_address("203.0.113.7")

    codes = [client.get(page).status_code for _ in range(6)]

    assert codes == [200] * 5 + [429]
    refused = client.get(page)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Please wait a moment" in refused.content.decode()


def test_a_refused_one_click_link_records_nothing(limits):
    invitation = InvitationFactory()
    client = from_address("203.0.113.7")
    for _ in range(5):
        client.head(reverse("survey-answer", args=[invitation.token]))

    reply = client.get(reverse("survey-answer", args=[invitation.token]) + "?score=3")

    assert reply.status_code == 429
    assert not Response.objects.exists()


def test_other_clients_are_not_limited_by_one_that_is(limits):
    page = reverse("survey-answer", args=[InvitationFactory().token])
    for _ in range(6):
        from_address("203.0.113.7").get(page)

    assert from_address("198.51.100.1").get(page).status_code == 200


def test_unknown_tokens_are_limited_tighter_then_every_token_is_refused(limits):
    known = reverse("survey-answer", args=[InvitationFactory().token])
    guesser = from_address("203.0.113.9")

    codes = [guesser.get(UNKNOWN).status_code for _ in range(3)]

    assert codes == [404, 404, 429]
    # A right guess now looks exactly like a wrong one.
    assert guesser.get(known).status_code == 429


def test_every_public_page_counts(limits):
    invitation = InvitationFactory()
    client = from_address("203.0.113.7")
    for name in ("survey-answer", "survey-thanks", "survey-unsubscribe", "survey-answer"):
        client.get(reverse(name, args=[invitation.token]))
    client.post(reverse("survey-unsubscribe", args=[invitation.token]))

    assert client.get(reverse("survey-answer", args=[invitation.token])).status_code == 429


def test_a_limit_counts_per_scope_and_per_client():
    limit = Limit("test", requests=2)

    assert [hit(limit, client="a") for _ in range(2)] == [None, None]
    assert hit(limit, client="a") is not None
    assert hit(limit, client="b") is None
    assert hit(Limit("other", requests=2), client="a") is None


def test_the_client_is_remote_addr_unless_proxies_are_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5"
    )

    assert client_address(request) == "10.0.0.2"
    settings.NPS_PUBLIC_TRUSTED_PROXIES = 1
    assert client_address(request) == "203.0.113.5"
    settings.NPS_PUBLIC_TRUSTED_PROXIES = 2
    assert client_address(request) == "1.2.3.4"
