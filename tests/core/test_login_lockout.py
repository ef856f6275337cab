"""Sign-in cannot be brute-forced: five failures lock a username, or an address, out."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factories' password
LOCKED = "Too many failed sign-in attempts"


def sign_in(client, username, password, address="203.0.113.5"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, username, times, address="203.0.113.5"):
    for _ in range(times):
        sign_in(client, username, "not the password", address)


def test_four_failures_still_let_the_right_password_in(client, csm):
    for _ in range(4):
        assert sign_in(client, csm.username, "not the password").status_code == 200

    response = sign_in(client, csm.username, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(csm.pk)


def test_after_five_failures_the_right_password_is_refused_with_429_and_the_reason(client, csm):
    fail(client, csm.username, 4)
    fifth = sign_in(client, csm.username, "not the password")

    sixth = sign_in(client, csm.username, PASSWORD)

    for response in (fifth, sixth):
        assert response.status_code == 429
        content = response.content.decode()
        assert LOCKED in content
        assert "blocked for 15 minutes, even with the right password" in content
        assert 'name="password"' in content  # the sign-in page, not a bare text
    assert "_auth_user_id" not in client.session


def test_the_lockout_speaks_french_to_a_french_browser(client, csm):
    fail(client, csm.username, 5)

    response = client.post(
        reverse("login"),
        {"username": csm.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.5",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 429
    assert "Trop de tentatives de connexion échouées" in response.content.decode()


def test_a_locked_username_is_refused_from_every_address(client, csm):
    fail(client, csm.username, 5, address="203.0.113.5")

    response = sign_in(client, csm.username, PASSWORD, address="198.51.100.7")

    assert response.status_code == 429


def test_five_failures_from_one_address_lock_it_out_for_every_username(client, csm):
    for n in range(5):
        sign_in(client, f"guess{n}", "not the password", address="203.0.113.5")

    from_there = sign_in(client, csm.username, PASSWORD, address="203.0.113.5")
    elsewhere = sign_in(client, csm.username, PASSWORD, address="198.51.100.7")

    assert from_there.status_code == 429
    assert elsewhere.status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(client, csm):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, csm.username, 5)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert sign_in(client, csm.username, PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(client, csm.username, PASSWORD).status_code == 302


def test_a_success_forgets_the_earlier_failures(client, csm):
    fail(client, csm.username, 4)
    assert sign_in(client, csm.username, PASSWORD).status_code == 302
    client.logout()

    fail(client, csm.username, 4)

    assert sign_in(client, csm.username, PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_out_too(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    fail(client, admin.username, 5)
    client.force_login(UserFactory())  # the admin's own form shows to signed-in people only

    response = client.post(
        reverse("admin:login"),
        {"username": admin.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
