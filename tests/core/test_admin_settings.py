"""The business settings in the admin: one row, always there, and checked before it is saved."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import LoopSettings
from tests.core.loop_settings_form import settings_form

pytestmark = pytest.mark.django_db

SETTINGS_LIST = reverse("admin:nps_loop_loopsettings_changelist")
SETTINGS_PAGE = reverse("admin:nps_loop_loopsettings_change", args=[1])


@pytest.fixture(autouse=True)
def fresh_settings_cache():
    """The settings row is cached per process: each test starts from the database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(client, admin_user):
    LoopSettings.current()  # the row, with its defaults
    client.force_login(admin_user)
    return client


def errors_of(response) -> dict:
    return response.context["adminform"].form.errors


def test_the_settings_list_opens_the_one_settings_page_creating_it_if_needed(admin_client):
    LoopSettings.objects.all().delete()

    response = admin_client.get(SETTINGS_LIST)

    assert response.status_code == 302
    assert response.url == SETTINGS_PAGE
    assert LoopSettings.objects.get().working_days == [0, 1, 2, 3, 4]


def test_the_settings_page_shows_the_help_for_each_setting(admin_client):
    response = admin_client.get(SETTINGS_PAGE)

    assert response.status_code == 200
    assert "Days off that are not counted as working days" in response.content.decode()


def test_a_second_settings_row_cannot_be_added(admin_client):
    assert admin_client.get(reverse("admin:nps_loop_loopsettings_add")).status_code == 403


def test_the_settings_cannot_be_deleted(admin_client):
    response = admin_client.post(
        reverse("admin:nps_loop_loopsettings_delete", args=[1]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert LoopSettings.objects.exists()


def test_saved_settings_are_what_the_engine_reads_next(admin_client, manager):
    response = admin_client.post(
        SETTINGS_PAGE,
        settings_form(
            working_days=["6", "0", "1", "2", "3"],
            holidays="2025-12-25\n\n 2025-01-01 \n2025-12-25",
            fallback_owner=str(manager.pk),
            slack_webhook_url="https://hooks.slack.com/services/T000/B000/XXXX",
        ),
    )

    assert response.status_code == 302
    current = LoopSettings.current()
    assert current.working_days == [0, 1, 2, 3, 6]
    assert current.holidays == ["2025-01-01", "2025-12-25"]
    assert current.fallback_owner == manager
    assert current.slack_webhook_url == "https://hooks.slack.com/services/T000/B000/XXXX"


def test_at_least_one_working_day_is_needed(admin_client):
    response = admin_client.post(SETTINGS_PAGE, settings_form(working_days=[]))

    assert response.status_code == 200
    assert errors_of(response)["working_days"] == [
        "Tick at least one working day: due dates and SLAs count only those."
    ]


def test_a_working_day_is_a_day_of_the_week(admin_client):
    response = admin_client.post(SETTINGS_PAGE, settings_form(working_days=["1", "7"]))

    assert errors_of(response)["working_days"] == [
        "“7” is not a day of the week: days go from 0 (Monday) to 6 (Sunday)."
    ]


def test_each_holiday_that_is_not_a_date_is_named_with_its_line(admin_client):
    response = admin_client.post(
        SETTINGS_PAGE, settings_form(holidays="2025-12-25\n25/12/2025\n2025-02-30")
    )

    assert errors_of(response)["holidays"] == [
        "Line 2, “25/12/2025”, is not a date: write it as YYYY-MM-DD.",
        "Line 3, “2025-02-30”, is not a date: write it as YYYY-MM-DD.",
    ]
    assert LoopSettings.current().holidays == []


def test_the_slack_address_must_be_https(admin_client):
    response = admin_client.post(
        SETTINGS_PAGE, settings_form(slack_webhook_url="http://hooks.slack.com/services/T000")
    )

    assert "Use the https:// address Slack gives" in errors_of(response)["slack_webhook_url"][0]
    assert LoopSettings.current().slack_webhook_url == ""


def test_a_csm_cannot_reach_the_settings(client, csm):
    client.force_login(csm)

    response = client.get(SETTINGS_LIST, follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert "not authorized to access this page" in response.content.decode()


def test_a_staff_manager_without_the_admin_role_cannot_open_the_settings(client, manager):
    LoopSettings.current()
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    assert client.get(SETTINGS_LIST).status_code == 403
    assert client.get(SETTINGS_PAGE).status_code == 403
    assert client.post(SETTINGS_PAGE, settings_form(working_days=["5"])).status_code == 403
    assert LoopSettings.objects.get().working_days == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("working_days", []),
        ("working_days", [7]),
        ("working_days", ["mon"]),
        ("holidays", ["31/12"]),
    ],
)
def test_the_settings_row_refuses_values_that_would_break_due_dates(field, value):
    row = LoopSettings.current()
    setattr(row, field, value)

    with pytest.raises(ValidationError) as refused:
        row.full_clean()

    assert field in refused.value.message_dict
