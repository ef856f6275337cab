"""Admins set the risk score's weights and scales on the business settings page."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.models import LoopSettings
from core.services import update_loop_settings
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from playbooks.services.risk import save_loop_settings
from tests.core.loop_settings_form import settings_form
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db

GENERAL = reverse("configure-general")


@pytest.fixture(autouse=True)
def fresh_settings_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_page_shows_the_weights_with_their_defaults_and_help(admin_client):
    page = admin_client.get(GENERAL).content.decode()

    section = page.split('id="risk-title"')[1].split("</section>")[0]
    assert 'name="risk_weight_arr" id="id_risk_weight_arr" value="25"' in section
    assert 'name="risk_weight_overdue" id="id_risk_weight_overdue" value="10"' in section
    assert 'name="risk_arr_full_at" id="id_risk_arr_full_at" value="100000"' in section
    assert 'name="risk_renewal_horizon_days" id="id_risk_renewal_horizon_days" value="180"' in (
        section
    )
    assert "Reached by a score of 0" in section
    assert 'aria-describedby="id_risk_weight_arr-unit id_risk_weight_arr-help"' in section


def test_weights_that_do_not_add_up_to_100_are_refused_and_nothing_is_saved(admin_client):
    reply = admin_client.post(GENERAL, settings_form(risk_weight_arr="30"))

    assert reply.status_code == 422
    page = reply.content.decode()
    assert "The risk points add up to 105: make them add up to 100" in page
    assert 'id="risk-weights-error"' in page
    assert page.count("The risk points add up to") == 1  # beside the weights only
    assert "must add up to 100" not in page  # the database check's own words, not repeated
    assert LoopSettings.current().risk_weight_arr == 25


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("risk_weight_score", "-5", "Give a whole number of points from 0 to 100."),
        ("risk_weight_score", "2.5", "Give a whole number of points from 0 to 100."),
        ("risk_weight_score", "", "Give a whole number of points from 0 to 100."),
        ("risk_arr_full_at", "0", "Give a whole amount from 1 to 1000000000"),
        ("risk_renewal_horizon_days", "731", "Give a whole number of days from 1 to 730."),
    ],
)
def test_a_wrong_number_is_named_under_its_field(admin_client, field, value, message):
    reply = admin_client.post(GENERAL, settings_form(**{field: value}))

    assert reply.status_code == 422
    page = reply.content.decode()
    assert f'id="id_{field}-error"' in page
    assert message in page.split(f'id="id_{field}-error"')[1]


def test_other_weights_adding_up_to_100_are_saved(admin_client):
    reply = admin_client.post(
        GENERAL,
        settings_form(
            risk_weight_arr="40",
            risk_weight_renewal="30",
            risk_weight_score="30",
            risk_weight_influence="0",
            risk_weight_escalation="0",
            risk_weight_overdue="0",
            risk_arr_full_at="250000",
            risk_renewal_horizon_days="90",
        ),
    )

    assert reply.status_code == 302
    saved = LoopSettings.current()
    assert (saved.risk_weight_arr, saved.risk_weight_influence) == (40, 0)
    assert (saved.risk_arr_full_at, saved.risk_renewal_horizon_days) == (250_000, 90)


def test_the_database_refuses_weights_that_do_not_add_up_to_100():
    LoopSettings.current()
    with pytest.raises(IntegrityError), transaction.atomic():
        LoopSettings.objects.filter(pk=1).update(risk_weight_arr=99)


def test_the_service_checks_the_weights_too():
    with pytest.raises(ValidationError, match="must add up to 100"):
        update_loop_settings(
            working_days=[0, 1, 2, 3, 4],
            holidays=[],
            fallback_owner=None,
            sla_reminder_hours=24,
            overdue_grace_hours=24,
            slack_webhook_url="",
            sender_email="",
            survey_throttle_days=90,
            account_survey_quota=None,
            account_quota_days=30,
            survey_link_days=30,
            risk_weight_overdue=50,
        )


def test_saving_unchanged_weights_rewrites_no_case(csm):
    install_default_playbooks()
    account = AccountFactory(csm=csm, arr=Decimal("30000"))
    response = ResponseFactory(contact=ContactFactory(account=account), score=2)
    case = Case.objects.get(pk=process_response(response_id=response.pk).case_id)
    Case.objects.filter(pk=case.pk).update(risk_base=99)  # a value only a rewrite would fix
    current = LoopSettings.current()
    fields = {name: getattr(current, name) for name in LoopSettings.RISK_FIELDS}

    save_loop_settings(
        working_days=[0, 1, 2, 3, 4],
        holidays=[],
        fallback_owner=None,
        sla_reminder_hours=24,
        overdue_grace_hours=24,
        slack_webhook_url="",
        sender_email="",
        survey_throttle_days=90,
        account_survey_quota=None,
        account_quota_days=30,
        survey_link_days=30,
        **fields,
    )

    assert Case.objects.get(pk=case.pk).risk_base == 99
