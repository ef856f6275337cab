"""The settings and the people in the Django admin: written only through the services."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.models import LoopSettings
from tests.core.loop_settings_form import settings_form

pytestmark = pytest.mark.django_db

SETTINGS_PAGE = reverse("admin:nps_loop_loopsettings_change", args=[1])


@pytest.fixture
def admin_client(client, admin_user):
    LoopSettings.current()
    client.force_login(admin_user)
    return client


def test_settings_saved_in_the_admin_clear_the_shared_cache_once_committed(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(SETTINGS_PAGE, settings_form(sla_reminder_hours="8"))
    cache.set(LoopSettings.CACHE_KEY, "a copy read before the commit")

    for callback in callbacks:
        callback()

    assert cache.get(LoopSettings.CACHE_KEY) is None
    assert LoopSettings.current().sla_reminder_hours == 8


def test_people_are_not_added_changed_or_deleted_in_the_admin(client, admin_user, csm):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    change = reverse("admin:nps_loop_user_change", args=[csm.pk])

    client.post(change, {"username": csm.username, "email": "new@example.com", "is_staff": "on"})

    csm.refresh_from_db()
    assert (csm.email, csm.is_staff) != ("new@example.com", True)
    assert client.get(reverse("admin:nps_loop_user_add")).status_code == 403
    delete = reverse("admin:nps_loop_user_delete", args=[csm.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(change).status_code == 200  # still shown
