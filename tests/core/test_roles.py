"""Roles are Django groups created by a migration; each user holds one."""

import pytest
from django.contrib.auth.models import Group

from core.roles import Role, has_role, roles_of, set_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_three_role_groups_exist_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= {"csm", "manager", "admin"}


def test_setting_a_role_replaces_the_previous_one():
    user = UserFactory()
    set_role(user, Role.CSM)
    set_role(user, Role.MANAGER)

    assert roles_of(user) == {Role.MANAGER}
    assert has_role(user, Role.MANAGER, Role.ADMIN)
    assert not has_role(user, Role.CSM)


def test_a_user_without_a_group_has_no_role():
    assert not has_role(UserFactory(), Role.CSM, Role.MANAGER, Role.ADMIN)


def test_a_superuser_holds_every_role():
    user = UserFactory(is_superuser=True)

    assert all(has_role(user, role) for role in Role)


def test_display_name_falls_back_to_full_name_then_username():
    assert str(UserFactory(display_name="Camille D.")) == "Camille D."
    assert str(UserFactory(display_name="", first_name="Jo", last_name="Park")) == "Jo Park"
    assert str(UserFactory(display_name="", username="kim")) == "kim"
