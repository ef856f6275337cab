"""Password-reset emails: at most three per address and hour, in the reader's language,
and the page never tells whether an account uses the address."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def ask_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def test_the_fourth_request_within_an_hour_sends_no_email_and_looks_the_same(client):
    UserFactory(email="ana@nps-loop.test")

    answers = [ask_reset(client, "ana@nps-loop.test") for _ in range(4)]

    assert len(mail.outbox) == 3
    assert {(answer.status_code, answer.url) for answer in answers} == {
        (302, reverse("password_reset_done"))
    }


def test_the_limit_counts_the_address_whatever_its_case(client):
    UserFactory(email="ana@nps-loop.test")

    for email in (
        "ana@nps-loop.test",
        "Ana@nps-loop.test",
        "ANA@NPS-LOOP.TEST",
        "ana@nps-loop.test",
    ):
        ask_reset(client, email)

    assert len(mail.outbox) == 3


def test_one_address_at_its_limit_leaves_the_others_alone(client):
    UserFactory(email="ana@nps-loop.test")
    UserFactory(email="bo@nps-loop.test")
    for _ in range(3):
        ask_reset(client, "ana@nps-loop.test")

    ask_reset(client, "bo@nps-loop.test")

    assert [message.to for message in mail.outbox][-1] == ["bo@nps-loop.test"]


def test_known_unknown_and_limited_addresses_get_the_same_page(client):
    UserFactory(email="ana@nps-loop.test")
    UserFactory(email="bo@nps-loop.test")
    for _ in range(3):
        ask_reset(client, "ana@nps-loop.test")

    limited = ask_reset(client, "ana@nps-loop.test")
    unknown = ask_reset(client, "nobody@nps-loop.test")
    known = ask_reset(client, "bo@nps-loop.test")
    # The same page but for the CSRF token, masked anew for every response.
    shown = [
        re.sub(r'"X-CSRFToken": "\w+"', "", client.get(answer.url).content.decode())
        for answer in (limited, unknown, known)
    ]

    assert limited.url == unknown.url == known.url
    assert shown[0] == shown[1] == shown[2]


def test_the_email_is_in_the_language_of_the_account(client):
    UserFactory(email="ana@nps-loop.test", language="fr")

    ask_reset(client, "ana@nps-loop.test")  # from an English page

    assert mail.outbox[0].subject == "Réinitialiser votre mot de passe NPS Loop"


def test_a_reset_email_still_goes_while_the_cache_is_down(client, settings):
    UserFactory(email="ana@nps-loop.test")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }

    ask_reset(client, "ana@nps-loop.test")

    assert len(mail.outbox) == 1
