"""Admins set who may be surveyed and how often, on the business settings page and in the
Django admin; the next batch of invitations is judged by what they saved."""

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.models import LoopSettings
from core.services import update_loop_settings
from surveys.audience import Rules, exclusions_for, members_of
from surveys.models import Contact, Exclusion, InvitationStatus
from surveys.services.sending import send_due_invitations
from tests.core.loop_settings_form import settings_form
from tests.factories import AccountFactory, ContactFactory, InvitationFactory

pytestmark = pytest.mark.django_db

GENERAL = reverse("configure-general")
ADMIN_PAGE = reverse("admin:nps_loop_loopsettings_change", args=[1])

THROTTLE_RANGE = (
    "Give a whole number of days from 0 to 730 (two years); 0 lets every campaign reach a "
    "person however recently they were surveyed."
)
PERIOD_RANGE = "Give a whole number of days from 1 to 365."
QUOTA_RANGE = "Give a whole number of surveys from 1 to 100000, or leave it empty for no limit."


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def settings_kwargs() -> dict:
    """Every argument of `update_loop_settings`, at the defaults."""
    return {
        "working_days": [0, 1, 2, 3, 4],
        "holidays": [],
        "fallback_owner": None,
        "sla_reminder_hours": 24,
        "overdue_grace_hours": 24,
        "slack_webhook_url": "",
        "sender_email": "",
        "survey_throttle_days": 90,
        "account_survey_quota": None,
        "account_quota_days": 30,
        "survey_link_days": 30,
    }


def errors(response) -> dict:
    return response.context["form"].errors


def survey_settings() -> tuple:
    row = LoopSettings.objects.get(pk=1)
    return (
        row.survey_throttle_days,
        row.account_survey_quota,
        row.account_quota_days,
        row.survey_link_days,
    )


def judged(*contacts) -> dict:
    """The verdicts of the rules as they stand now, as a sending round reads them."""
    members = members_of(Contact.objects.filter(pk__in=[c.pk for c in contacts]).order_by("pk"))
    return exclusions_for(members, rules=Rules.current())


def surveyed_days_ago(days: int) -> Contact:
    contact = ContactFactory()
    InvitationFactory(contact=contact, sent_at=timezone.now() - dt.timedelta(days=days))
    return contact


# --- the page ------------------------------------------------------------------------------------


def test_the_page_shows_the_survey_settings_with_their_defaults(admin_client):
    response = admin_client.get(GENERAL)

    form = response.context["form"]
    assert [form[name].value() for name in ("survey_throttle_days", "survey_link_days")] == [90, 30]
    assert form["account_survey_quota"].value() is None
    assert form["account_quota_days"].value() == 30
    page = response.content.decode()
    assert 'id="surveys-title"' in page
    assert 'placeholder="No limit"' in page


def test_the_page_explains_what_each_survey_setting_does(admin_client):
    page = admin_client.get(GENERAL).content.decode()

    assert "is left out of a campaign" in page
    assert "0: no waiting time" in page
    assert (
        "the account&#x27;s other contacts are left out of the campaign. Empty: no limit." in page
    )
    assert "The quota counts the surveys sent to an account over this many past days." in page
    assert "the link tells the person the survey is closed" in page


def test_saved_survey_settings_are_stored(admin_client):
    response = admin_client.post(
        GENERAL,
        settings_form(
            survey_throttle_days="180",
            account_survey_quota="5",
            account_quota_days="90",
            survey_link_days="14",
        ),
    )

    assert response.status_code == 302
    assert survey_settings() == (180, 5, 90, 14)


def test_zero_days_between_surveys_and_an_empty_quota_are_accepted(admin_client):
    update_loop_settings(
        **{**settings_kwargs(), "survey_throttle_days": 90, "account_survey_quota": 3}
    )

    response = admin_client.post(
        GENERAL, settings_form(survey_throttle_days="0", account_survey_quota="")
    )

    assert response.status_code == 302
    assert survey_settings()[:2] == (0, None)


# --- what is refused ---------------------------------------------------------------------------


@pytest.mark.parametrize("days", ["-1", "731", "ninety", "", "1.5"])
def test_days_between_surveys_are_whole_days_up_to_two_years(admin_client, days):
    response = admin_client.post(GENERAL, settings_form(survey_throttle_days=days))

    assert response.status_code == 422
    assert errors(response)["survey_throttle_days"] == [THROTTLE_RANGE]
    assert "Nothing was saved" in response.content.decode()
    assert survey_settings() == (90, None, 30, 30)


@pytest.mark.parametrize("days", ["0", "366", "a month", ""])
def test_the_quota_period_and_the_link_validity_are_from_one_day_to_a_year(admin_client, days):
    response = admin_client.post(
        GENERAL, settings_form(account_quota_days=days, survey_link_days=days)
    )

    assert response.status_code == 422
    assert errors(response)["account_quota_days"] == [PERIOD_RANGE]
    assert errors(response)["survey_link_days"] == [PERIOD_RANGE]
    assert survey_settings() == (90, None, 30, 30)


@pytest.mark.parametrize("quota", ["0", "-3", "100001", "five"])
def test_a_quota_is_at_least_one_survey(admin_client, quota):
    response = admin_client.post(GENERAL, settings_form(account_survey_quota=quota))

    assert response.status_code == 422
    assert errors(response)["account_survey_quota"] == [QUOTA_RANGE]
    assert survey_settings()[1] is None


def test_a_refused_value_stays_in_the_field_with_its_message_beside_it(admin_client):
    page = admin_client.post(GENERAL, settings_form(survey_throttle_days="800")).content.decode()

    assert 'name="survey_throttle_days" id="id_survey_throttle_days" value="800"' in page
    assert 'id="id_survey_throttle_days-error"' in page
    assert "0 lets every campaign reach a person however recently they were surveyed." in page


# --- the rules read what was saved ---------------------------------------------------------------


def test_a_shorter_wait_saved_on_the_page_lets_the_next_batch_reach_someone_surveyed_before(
    admin_client,
):
    contact = surveyed_days_ago(40)
    assert judged(contact)[contact.pk].reason == Exclusion.THROTTLED  # 90 days, now cached
    assert cache.get(LoopSettings.CACHE_KEY) is not None

    admin_client.post(GENERAL, settings_form(survey_throttle_days="30"))

    assert Rules.current() == Rules(throttle_days=30, quota=None, quota_days=30)
    assert judged(contact) == {}


def test_a_quota_saved_on_the_page_leaves_out_the_account_s_other_contacts(admin_client):
    account = AccountFactory()
    first, second, third = ContactFactory.create_batch(3, account=account)
    assert judged(first, second, third) == {}  # no quota, now cached

    admin_client.post(GENERAL, settings_form(account_survey_quota="2", account_quota_days="60"))

    verdicts = judged(first, second, third)
    assert list(verdicts) == [third.pk]
    assert verdicts[third.pk].reason == Exclusion.QUOTA
    assert "2 surveys in the last 60 days" in verdicts[third.pk].note


def test_a_copy_of_the_settings_cached_while_saving_is_dropped_when_the_save_commits(
    django_capture_on_commit_callbacks,
):
    stale = LoopSettings.current()
    with django_capture_on_commit_callbacks(execute=True):
        update_loop_settings(**{**settings_kwargs(), "survey_throttle_days": 7})
        # A request of this process reading the row before the commit caches the old values.
        cache.set(LoopSettings.CACHE_KEY, stale)

    assert Rules.current().throttle_days == 7


def test_the_links_of_the_next_emails_last_the_saved_number_of_days(admin_client):
    invitation = InvitationFactory(
        status=InvitationStatus.SCHEDULED,
        scheduled_for=timezone.now() - dt.timedelta(minutes=1),
        sent_at=None,
        expires_at=None,
    )
    LoopSettings.current()  # 30 days, cached

    admin_client.post(GENERAL, settings_form(survey_link_days="7"))
    send_due_invitations(limit=10)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.expires_at - invitation.sent_at == dt.timedelta(days=7)
    assert len(mail.outbox) == 1


# --- the Django admin ----------------------------------------------------------------------------


def test_the_admin_shows_the_survey_settings_in_their_own_section(admin_client):
    LoopSettings.current()

    response = admin_client.get(ADMIN_PAGE)

    fieldsets = {fieldset.name: fieldset.fields for fieldset in response.context["adminform"]}
    assert fieldsets["Surveys"] == (
        "survey_throttle_days",
        "account_survey_quota",
        "account_quota_days",
        "survey_link_days",
    )
    assert "Counted from the day the email is sent" in response.content.decode()


def test_the_admin_checks_the_survey_settings_by_the_same_rules(admin_client):
    LoopSettings.current()

    response = admin_client.post(ADMIN_PAGE, settings_form(survey_link_days="400"))

    assert response.context["adminform"].form.errors["survey_link_days"] == [PERIOD_RANGE]
    assert survey_settings()[3] == 30


def test_survey_settings_saved_in_the_admin_are_what_the_rules_read(admin_client):
    assert Rules.current().quota is None  # cached

    response = admin_client.post(
        ADMIN_PAGE, settings_form(survey_throttle_days="60", account_survey_quota="4")
    )

    assert response.status_code == 302
    assert Rules.current() == Rules(throttle_days=60, quota=4, quota_days=30)


def test_a_copy_cached_by_an_older_release_without_a_newer_field_is_read_afresh(db):
    LoopSettings.current()
    LoopSettings.objects.filter(pk=1).update(survey_throttle_days=11)
    older = LoopSettings.objects.get(pk=1)
    del older.__dict__["survey_throttle_days"]  # as a release before the field cached it
    cache.set(LoopSettings.CACHE_KEY, older)

    current = LoopSettings.current()

    assert not current.get_deferred_fields()
    assert current.survey_throttle_days == 11
