"""Admins set the case window on the business settings page: answers given longer than that
before they arrive are history, recorded but not actioned."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.models import LoopSettings
from tests.core.loop_settings_form import settings_form

pytestmark = pytest.mark.django_db

GENERAL = reverse("configure-general")
ADMIN_PAGE = reverse("admin:nps_loop_loopsettings_change", args=[1])
RANGE = "Give a whole number of days from 1 to 3650 (ten years)."


@pytest.fixture(autouse=True)
def fresh_settings_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_settings_page_shows_the_window_of_30_days_and_what_history_means(admin_client):
    response = admin_client.get(GENERAL)

    assert response.context["form"]["case_window_days"].value() == 30
    page = response.content.decode()
    assert 'name="case_window_days"' in page
    assert "it opens no case, sends nothing and stops no survey" in page


def test_the_default_window_comes_from_nps_case_window_days(admin_client, settings):
    settings.NPS_CASE_WINDOW_DAYS = 90

    assert admin_client.get(GENERAL).context["form"]["case_window_days"].value() == 90


def test_a_saved_window_is_what_the_engine_reads_next(admin_client):
    LoopSettings.current()  # cached with the default

    response = admin_client.post(GENERAL, settings_form(case_window_days="365"))

    assert response.status_code == 302
    assert LoopSettings.current().case_window_days == 365


@pytest.mark.parametrize("days", ["0", "3651", "-3", "a month", ""])
def test_the_window_is_a_whole_number_of_days_from_1_to_3650(admin_client, days):
    response = admin_client.post(GENERAL, settings_form(case_window_days=days))

    assert response.status_code == 422
    assert response.context["form"].errors["case_window_days"] == [RANGE]
    assert LoopSettings.objects.get(pk=1).case_window_days == 30


def test_the_admin_shows_the_window_with_the_cases_settings(admin_client):
    LoopSettings.current()

    response = admin_client.get(ADMIN_PAGE)

    fieldsets = {fieldset.name: fieldset.fields for fieldset in response.context["adminform"]}
    assert "case_window_days" in fieldsets["Cases"]
