"""Admins see who is locked out of signing in, and lift a lockout; nobody else may."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factories' password


def sign_in(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def lock_out(client, username, address="203.0.113.5"):
    for _ in range(5):
        sign_in(client, username, "not the password", address)


def test_the_page_lists_each_locked_username_and_address(client, admin_user, csm):
    lock_out(client, csm.username, address="203.0.113.5")
    for n in range(5):
        sign_in(client, f"guess{n}", "not the password", "198.51.100.7")
    client.force_login(admin_user)

    response = client.get(reverse("configure-lockouts"))

    assert response.status_code == 200
    rows = {
        (lockout.by, lockout.value, lockout.failures) for lockout in response.context["lockouts"]
    }
    assert rows == {
        ("username", csm.username, 5),
        ("address", "198.51.100.7", 5),
        ("address", "203.0.113.5", 5),
    }
    # One row of five failures: locked out for 15 minutes from the last one.
    by_username = next(item for item in response.context["lockouts"] if item.by == "username")
    assert (by_username.until - by_username.since).total_seconds() == 15 * 60
    content = response.content.decode()
    assert csm.username in content
    assert "198.51.100.7" in content


def test_fewer_failures_than_the_limit_are_no_lockout(client, admin_user, csm):
    for _ in range(4):
        sign_in(client, csm.username, "not the password", "203.0.113.5")
    client.force_login(admin_user)

    response = client.get(reverse("configure-lockouts"))

    assert response.context["lockouts"] == []
    assert "Nobody is locked out" in response.content.decode()


def test_lifting_a_username_lets_that_person_sign_in_at_once(client, admin_user, csm):
    lock_out(client, csm.username)
    assert sign_in(client, csm.username, PASSWORD, "198.51.100.7").status_code == 429
    client.force_login(admin_user)

    response = client.post(
        reverse("configure-lockout-lift"), {"by": "username", "value": csm.username}, follow=True
    )

    assert f"The lockout of “{csm.username}” is lifted" in response.content.decode()
    assert response.context["lockouts"] == []
    client.logout()
    assert sign_in(client, csm.username, PASSWORD, "203.0.113.5").status_code == 302


def test_lifting_an_address_lets_sign_ins_from_it_through(client, admin_user, csm):
    for n in range(5):
        sign_in(client, f"guess{n}", "not the password", "203.0.113.5")
    client.force_login(admin_user)

    client.post(reverse("configure-lockout-lift"), {"by": "address", "value": "203.0.113.5"})

    client.logout()
    assert sign_in(client, csm.username, PASSWORD, "203.0.113.5").status_code == 302


@pytest.mark.parametrize("role", ["csm", "manager"])
def test_csms_and_managers_may_neither_see_nor_lift_lockouts(client, request, role):
    person = request.getfixturevalue(role)
    lock_out(client, "someone")
    client.force_login(person)

    listed = client.get(reverse("configure-lockouts"))
    lifted = client.post(reverse("configure-lockout-lift"), {"by": "username", "value": "someone"})

    assert listed.status_code == 403
    assert lifted.status_code == 403
    client.logout()
    assert sign_in(client, "someone", "anything", "198.51.100.7").status_code == 429


def test_lifting_needs_a_post(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("configure-lockout-lift"))

    assert response.status_code == 405


def test_the_django_admin_lists_the_attempts_too(client, admin_user, csm):
    lock_out(client, csm.username)
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client.force_login(admin_user)

    response = client.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    assert csm.username in response.content.decode()
