"""`add_user` and `create_api_key` management commands."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core.models import User
from core.roles import Role, has_role, roles_of
from surveys.models import Integration

pytestmark = pytest.mark.django_db


def test_add_user_creates_a_user_who_can_sign_in_with_the_role():
    call_command(
        "add_user", "maria", role="manager", email="m@x.example", password="Sunny-Meadow-42"
    )

    user = authenticate(username="maria", password="Sunny-Meadow-42")
    assert user is not None
    assert has_role(user, Role.MANAGER)
    assert not has_role(user, Role.ADMIN)


def test_add_user_again_changes_the_role_instead_of_duplicating():
    call_command("add_user", "maria", role="csm", password="Sunny-Meadow-42")
    call_command("add_user", "maria", role="admin")

    user = User.objects.get(username="maria")
    assert roles_of(user) == {Role.ADMIN}
    assert user.is_staff
    assert User.objects.count() == 1


def test_add_user_refuses_a_weak_password_with_the_reason():
    with pytest.raises(CommandError, match="Password refused"):
        call_command("add_user", "bob", role="csm", password="123")


def test_add_user_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        call_command("add_user", "bob", role="king")


def test_create_api_key_prints_a_working_key_alone_on_the_last_line():
    out = StringIO()
    call_command("create_api_key", "crm-sync", stdout=out, stderr=StringIO())

    key = out.getvalue().strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/nps").status_code == 200


def test_api_keys_are_stored_hashed_never_in_clear():
    out = StringIO()
    call_command("create_api_key", "crm-sync", stdout=out, stderr=StringIO())
    key = out.getvalue().strip().splitlines()[-1]

    integration = Integration.objects.get(name="crm-sync")
    stored = " ".join(
        str(v) for v in Integration.objects.filter(pk=integration.pk).values().get().values()
    )
    assert key not in stored
    assert key[12:] not in stored


def test_create_api_key_refuses_a_name_already_taken():
    call_command("create_api_key", "crm-sync", stdout=StringIO(), stderr=StringIO())

    with pytest.raises(CommandError, match="name"):
        call_command("create_api_key", "crm-sync", stdout=StringIO(), stderr=StringIO())
