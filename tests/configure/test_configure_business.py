"""Admins edit the business settings and the theme taxonomy in the browser, under /configure/."""

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import LoopSettings
from core.roles import Role, set_role
from surveys.models import Theme
from surveys.services.themes import (
    ThemeEditRefused,
    create_theme,
    delete_theme,
    tag_themes,
    update_theme,
)
from tests.core.loop_settings_form import settings_form
from tests.factories import ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db

GENERAL = reverse("configure-general")
THEMES = reverse("configure-themes")
NEW_THEME = reverse("configure-theme-new")


@pytest.fixture(autouse=True)
def fresh_settings_cache():
    """The settings row is cached per process: each test starts from the database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def exports() -> Theme:
    return create_theme(
        name="Data exports", name_fr="Exports", keywords_en="export*\ncsv", keywords_fr="extraction"
    )


def edit_url(theme: Theme) -> str:
    return reverse("configure-theme-edit", args=[theme.pk])


def active_url(theme: Theme) -> str:
    return reverse("configure-theme-active", args=[theme.pk])


def delete_url(theme: Theme) -> str:
    return reverse("configure-theme-delete", args=[theme.pk])


def theme_form(**changes) -> dict:
    return {"name": "Onboarding calls", "name_fr": "", "keywords_en": "kickoff call", **changes}


def errors(response) -> dict:
    return response.context["form"].errors


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def carried_by(theme: Theme, count: int = 1) -> None:
    for answer in ResponseFactory.create_batch(count, comment="Exports are slow"):
        answer.themes.add(theme)


# --- who may come in ----------------------------------------------------------------------------


def every_page(theme: Theme) -> list[str]:
    return [GENERAL, THEMES, NEW_THEME, edit_url(theme), delete_url(theme)]


def test_someone_signed_out_is_sent_to_sign_in_from_every_page(client, exports):
    for page in every_page(exports):
        response = client.get(page)

        assert response.status_code == 302, page
        assert response.url.startswith(reverse("login")), page


@pytest.mark.parametrize("role", [None, Role.CSM, Role.MANAGER])
def test_only_admins_open_the_configuration_pages(client, exports, role):
    user = UserFactory()
    if role is not None:
        set_role(user, role)
    client.force_login(user)

    for page in every_page(exports):
        assert client.get(page).status_code == 403, page


@pytest.mark.parametrize("role", [None, Role.CSM, Role.MANAGER])
def test_only_admins_change_the_settings_and_themes(client, exports, role):
    user = UserFactory()
    if role is not None:
        set_role(user, role)
    client.force_login(user)

    refused = [
        client.post(GENERAL, settings_form(working_days=["5"])),
        client.post(NEW_THEME, theme_form()),
        client.post(edit_url(exports), theme_form(name="Renamed")),
        client.post(active_url(exports), {"active": "off"}),
        client.post(delete_url(exports)),
    ]

    assert [response.status_code for response in refused] == [403] * 5
    assert LoopSettings.current().working_days == [0, 1, 2, 3, 4]
    exports.refresh_from_db()
    assert (exports.name, exports.active) == ("Data exports", True)
    assert not Theme.objects.filter(name="Onboarding calls").exists()


def test_an_admin_opens_every_page(admin_client, exports):
    for page in every_page(exports):
        assert admin_client.get(page).status_code == 200, page


def test_an_unknown_theme_is_not_found(admin_client):
    assert admin_client.get(reverse("configure-theme-edit", args=[987654])).status_code == 404


# --- business settings --------------------------------------------------------------------------


def test_the_settings_page_explains_each_setting(admin_client):
    page = admin_client.get(GENERAL).content.decode()

    assert "a step due in 2 business days that opens on a Friday is due on Tuesday" in page
    assert "one date per line as YYYY-MM-DD" in page
    assert "the manager group holds them until a manager hands them out" in page
    assert "0 sends none" in page
    assert "0 escalates as soon as it is late" in page
    assert "https://hooks.slack.com/" in page
    assert "Empty: the server&#x27;s default address." in page


def test_saved_settings_are_what_the_next_read_sees(admin_client, manager):
    assert LoopSettings.current().working_days == [0, 1, 2, 3, 4]  # now in this process's cache

    response = admin_client.post(
        GENERAL,
        settings_form(
            working_days=["6", "0", "1", "2", "3"],
            holidays="2026-12-25\n\n 2026-01-01 \n2026-12-25",
            fallback_owner=str(manager.pk),
            sla_reminder_hours="8",
            overdue_grace_hours="0",
            slack_webhook_url="https://hooks.slack.com/services/T000/B000/XXXX",
            sender_email="NPS Loop <nps@acme.example>",
        ),
    )

    assert response.status_code == 302
    assert response.url == GENERAL
    assert said(response) == [
        "Settings saved. Due dates, reminders and notifications follow them from now on."
    ]
    current = LoopSettings.current()
    assert current.working_days == [0, 1, 2, 3, 6]
    assert current.holidays == ["2026-01-01", "2026-12-25"]
    assert current.fallback_owner == manager
    assert (current.sla_reminder_hours, current.overdue_grace_hours) == (8, 0)
    assert current.slack_webhook_url == "https://hooks.slack.com/services/T000/B000/XXXX"
    assert current.sender_email == "NPS Loop <nps@acme.example>"


def test_the_page_shows_the_stored_settings_even_when_this_process_cached_older_ones(
    admin_client,
):
    stale = LoopSettings.current()  # cached
    LoopSettings.objects.filter(pk=1).update(sla_reminder_hours=12)  # as another process saved
    assert LoopSettings.current().sla_reminder_hours == stale.sla_reminder_hours == 24

    response = admin_client.get(GENERAL)

    assert response.context["form"]["sla_reminder_hours"].value() == 12


def test_the_managers_can_be_the_fallback_owner_again(admin_client, manager):
    settings = LoopSettings.current()
    settings.fallback_owner = manager
    settings.save()

    admin_client.post(GENERAL, settings_form(fallback_owner=""))

    assert LoopSettings.current().fallback_owner is None


def test_the_fallback_owner_is_chosen_among_active_csms_and_managers(
    admin_client, csm, manager, admin_user
):
    gone = UserFactory(is_active=False)
    set_role(gone, Role.CSM)

    choices = admin_client.get(GENERAL).context["form"].fields["fallback_owner"].queryset

    assert set(choices) == {csm, manager}
    response = admin_client.post(GENERAL, settings_form(fallback_owner=str(admin_user.pk)))
    assert response.status_code == 422
    assert "Select a valid choice" in errors(response)["fallback_owner"][0]


def test_saving_other_settings_keeps_a_fallback_owner_who_left(admin_client, csm):
    settings = LoopSettings.current()
    settings.fallback_owner = csm
    settings.save()
    csm.is_active = False
    csm.save()

    page = admin_client.get(GENERAL)
    response = admin_client.post(
        GENERAL, settings_form(fallback_owner=str(csm.pk), sla_reminder_hours="6")
    )

    assert f"{csm.name} (deactivated)" in page.content.decode()
    assert response.status_code == 302
    assert LoopSettings.current().fallback_owner == csm


def test_at_least_one_working_day_is_needed(admin_client):
    response = admin_client.post(GENERAL, settings_form(working_days=[]))

    assert response.status_code == 422
    assert errors(response)["working_days"] == [
        "Tick at least one working day: due dates and SLAs count only those."
    ]
    assert "Nothing was saved" in response.content.decode()
    assert LoopSettings.current().working_days == [0, 1, 2, 3, 4]


def test_each_holiday_that_is_not_a_date_is_named_with_its_line(admin_client):
    response = admin_client.post(
        GENERAL, settings_form(holidays="2026-12-25\n25/12/2026\n2026-02-30")
    )

    assert response.status_code == 422
    assert errors(response)["holidays"] == [
        "Line 2, “25/12/2026”, is not a date: write it as YYYY-MM-DD.",
        "Line 3, “2026-02-30”, is not a date: write it as YYYY-MM-DD.",
    ]
    assert "25/12/2026" in response.content.decode()  # what was typed stays, to be fixed
    assert LoopSettings.current().holidays == []


@pytest.mark.parametrize("hours", ["-1", "721", "two", ""])
def test_reminder_and_grace_hours_are_whole_hours_up_to_a_month(admin_client, hours):
    response = admin_client.post(
        GENERAL, settings_form(sla_reminder_hours=hours, overdue_grace_hours=hours)
    )

    assert response.status_code == 422
    expected = ["Give a whole number of hours from 0 to 720 (30 days)."]
    assert errors(response)["sla_reminder_hours"] == expected
    assert errors(response)["overdue_grace_hours"] == expected


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://hooks.slack.com/services/T000", "Use the https:// address Slack gives"),
        ("not a url", "Enter a valid URL."),
    ],
)
def test_the_slack_address_must_be_an_https_url(admin_client, url, error):
    response = admin_client.post(GENERAL, settings_form(slack_webhook_url=url))

    assert response.status_code == 422
    assert errors(response)["slack_webhook_url"][0].startswith(error)
    assert LoopSettings.current().slack_webhook_url == ""


def test_any_https_address_may_receive_the_notifications(admin_client):
    admin_client.post(GENERAL, settings_form(slack_webhook_url="https://relay.acme.example/slack"))

    assert LoopSettings.current().slack_webhook_url == "https://relay.acme.example/slack"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  nps@acme.example ", "nps@acme.example"),
        ("Acme NPS <nps@acme.example>", "Acme NPS <nps@acme.example>"),
        ('"Acme NPS" <nps@acme.example>', "Acme NPS <nps@acme.example>"),
        ("Acme, Inc. <nps@acme.example>", '"Acme, Inc." <nps@acme.example>'),
        ("", ""),
    ],
)
def test_the_sender_is_an_address_with_or_without_a_name(admin_client, typed, stored):
    response = admin_client.post(GENERAL, settings_form(sender_email=typed))

    assert response.status_code == 302
    assert LoopSettings.current().sender_email == stored


@pytest.mark.parametrize("typed", ["nps", "NPS Loop <nps>", "nps@acme.example, ops@acme.example"])
def test_a_sender_that_is_not_an_address_is_refused(admin_client, typed):
    response = admin_client.post(GENERAL, settings_form(sender_email=typed))

    assert response.status_code == 422
    assert errors(response)["sender_email"][0].endswith(
        "is not an email address: write nps@yourcompany.com, "
        "or NPS Loop <nps@yourcompany.com> to show a name."
    )


# --- the list of themes -------------------------------------------------------------------------


def test_the_theme_list_shows_keywords_state_and_how_many_answers_carry_each(admin_client, exports):
    carried_by(exports, 3)
    quiet = create_theme(name="Quiet theme", keywords_fr="calme", active=False)

    response = admin_client.get(THEMES)

    listed = {theme.name: theme for theme in response.context["themes"]}
    assert (listed["Data exports"].answer_count, listed["Quiet theme"].answer_count) == (3, 0)
    assert response.context["themes"][-1] == quiet  # switched-off themes come last
    page = response.content.decode()
    assert '<li class="keyword-chip">export*</li>' in page
    assert '<li class="keyword-chip">extraction</li>' in page
    assert f'href="{reverse("answer-list")}?theme={exports.pk}">3 answers</a>' in page
    assert f'href="{delete_url(quiet)}"' in page
    assert f'href="{delete_url(exports)}"' not in page


def test_the_theme_list_counts_every_theme_in_one_query(admin_client, exports):
    carried_by(exports, 2)

    with CaptureQueriesContext(connection) as few:
        admin_client.get(THEMES)
    for number in range(5):
        carried_by(create_theme(name=f"Extra {number}", keywords_en=f"extra{number}"))
    with CaptureQueriesContext(connection) as many:
        admin_client.get(THEMES)

    assert len(many) == len(few)


def test_without_themes_the_list_says_how_to_start(admin_client):
    Theme.objects.all().delete()

    page = admin_client.get(THEMES).content.decode()

    assert "No theme yet" in page
    assert "Create the first theme" in page


# --- creating and editing a theme ---------------------------------------------------------------


def test_an_admin_creates_a_theme_with_keywords_on_lines_or_with_commas(admin_client):
    response = admin_client.post(
        NEW_THEME,
        theme_form(
            name=" Onboarding calls ",
            name_fr="Appels de démarrage",
            keywords_en="kickoff   call, welcome call\n\n onboarding*",
            keywords_fr="appel de lancement",
        ),
    )

    assert response.status_code == 302
    assert response.url == THEMES
    theme = Theme.objects.get(name="Onboarding calls")
    assert theme.keywords_en == "kickoff call\nwelcome call\nonboarding*"
    assert theme.keywords_fr == "appel de lancement"
    assert theme.active
    assert said(response) == [
        "Theme “Onboarding calls” created: new answers that mention its keywords get it."
    ]


def test_a_new_theme_tags_the_next_answers_that_mention_it(admin_client):
    admin_client.post(NEW_THEME, theme_form(keywords_en="", keywords_fr="appel de lancement"))
    answer = ResponseFactory(comment="L'appel de lancement était trop court")

    tagged = tag_themes(response=answer)

    assert "Onboarding calls" in [theme.name for theme in tagged]


def test_theme_names_are_unique_whatever_their_case(admin_client, exports):
    response = admin_client.post(NEW_THEME, theme_form(name="DATA EXPORTS"))

    assert response.status_code == 422
    assert errors(response)["name"] == [
        "“Data exports” exists already: choose another name, or edit that theme."
    ]
    assert Theme.objects.filter(name__iexact="data exports").count() == 1


def test_french_names_are_unique_too(admin_client, exports):
    response = admin_client.post(NEW_THEME, theme_form(name_fr="exports"))

    assert response.status_code == 422
    assert errors(response)["name_fr"] == [
        "“Data exports” has this French name already: choose another one."
    ]


def test_a_theme_needs_a_keyword_in_english_or_in_french(admin_client):
    response = admin_client.post(NEW_THEME, theme_form(keywords_en=" , \n", keywords_fr=""))

    assert response.status_code == 422
    assert errors(response)["keywords_en"] == [
        "Give at least one keyword, in English or in French: without one the theme tags no answer."
    ]
    assert not Theme.objects.filter(name="Onboarding calls").exists()


def test_each_keyword_that_could_not_work_is_named(admin_client):
    too_long = "a" * 61
    response = admin_client.post(
        NEW_THEME,
        theme_form(keywords_en=f"Invoice\ninvoice\nc*\n***\nfac*ture\n{too_long}\ncredit note"),
    )

    assert response.status_code == 422
    assert errors(response)["keywords_en"] == [
        "“invoice” is there twice (case and accents do not count): keep it once.",
        "“c*” would match too many words: write at least 3 letters before the *.",
        "“***” has no letter or digit, so it would never match.",
        "“fac*ture”: a * may only end a word, as in factur* for facture and facturation.",
        f"“{too_long}” is too long: keep each keyword under 60 characters.",
    ]


def test_accents_do_not_make_a_keyword_different(admin_client):
    response = admin_client.post(NEW_THEME, theme_form(keywords_fr="Sécurité\nsecurite"))

    assert errors(response)["keywords_fr"] == [
        "“securite” is there twice (case and accents do not count): keep it once."
    ]


def test_an_admin_changes_a_themes_names_and_keywords(admin_client, exports):
    response = admin_client.post(
        edit_url(exports),
        theme_form(name="Data Exports", name_fr="Exports de données", keywords_en="download*"),
    )

    assert response.status_code == 302
    exports.refresh_from_db()
    assert (exports.name, exports.name_fr) == ("Data Exports", "Exports de données")
    assert exports.keywords == ["download*"]
    assert said(response) == [
        "“Data Exports” saved. New answers follow its keywords; answers tagged before keep it."
    ]


def test_a_theme_cannot_take_the_name_of_another(admin_client, exports):
    other = create_theme(name="Reporting gaps", keywords_en="report")

    response = admin_client.post(edit_url(other), theme_form(name="data exports"))

    assert response.status_code == 422
    assert "“Data exports” exists already" in errors(response)["name"][0]
    assert response.context["saved_name"] == "Reporting gaps"  # the heading keeps the real name
    other.refresh_from_db()
    assert other.name == "Reporting gaps"


def test_answers_tagged_before_a_change_keep_the_theme(exports):
    answer = ResponseFactory(comment="The CSV export fails")
    tag_themes(response=answer)

    update_theme(
        theme=exports, name=exports.name, name_fr="", keywords_en="download*", keywords_fr=""
    )

    assert list(answer.themes.all()) == [exports]


# --- trying keywords ----------------------------------------------------------------------------


def test_trying_shows_which_typed_keywords_tag_a_comment_without_saving_them(admin_client, exports):
    support = create_theme(name="Support desk", keywords_en="helpdesk")

    response = admin_client.post(
        edit_url(exports),
        theme_form(
            name="Data exports",
            keywords_en="export*\ndownload*",
            action="try",
            comment="Downloading the report takes ages and the helpdesk never answers",
        ),
    )

    assert response.status_code == 200
    trial = response.context["trial"]
    assert trial.keywords == ["download*"]
    assert support in trial.other_themes
    assert "This theme would tag it." in response.content.decode()
    exports.refresh_from_db()
    assert exports.keywords_en == "export*\ncsv"


def test_trying_says_when_the_theme_would_not_tag_the_comment(admin_client, exports):
    response = admin_client.post(
        edit_url(exports),
        theme_form(name="Data exports", keywords_en="export*", action="try", comment="Great app"),
    )

    assert response.context["trial"].keywords == []
    assert "This theme would not tag it." in response.content.decode()


def test_trying_from_the_page_script_answers_only_the_result(admin_client, exports):
    response = admin_client.post(
        edit_url(exports),
        theme_form(name="Data exports", keywords_en="csv", action="try", comment="CSV please"),
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert "This theme would tag it." in page
    assert "<form" not in page


def test_trying_keywords_that_cannot_work_says_so_and_saves_nothing(admin_client, exports):
    response = admin_client.post(
        edit_url(exports),
        theme_form(name="Data exports", keywords_en="c*", action="try", comment="CSV please"),
    )

    assert response.status_code == 422
    assert "Fix the theme's fields first" in response.content.decode()
    exports.refresh_from_db()
    assert exports.keywords_en == "export*\ncsv"


def test_trying_needs_a_comment(admin_client, exports):
    response = admin_client.post(
        edit_url(exports), theme_form(name="Data exports", action="try", comment="")
    )

    assert response.status_code == 422
    assert response.context["try_form"].errors["comment"] == [
        "Paste a comment to try the keywords on."
    ]


def test_a_new_theme_can_be_tried_before_it_exists(admin_client):
    response = admin_client.post(
        NEW_THEME, theme_form(action="try", comment="The kickoff call was great")
    )

    assert response.context["trial"].keywords == ["kickoff call"]
    assert not Theme.objects.filter(name="Onboarding calls").exists()


# --- switching off and deleting -----------------------------------------------------------------


def test_a_theme_switched_off_tags_no_new_answer_but_answers_keep_it(admin_client, exports):
    carried_by(exports)

    response = admin_client.post(active_url(exports), {"active": "off"})

    assert response.status_code == 302
    assert response.url == THEMES
    assert said(response) == [
        "“Data exports” is off: no new answer gets it, and CSMs no longer pick it."
    ]
    exports.refresh_from_db()
    assert not exports.active
    assert tag_themes(response=ResponseFactory(comment="The CSV export fails")) == []
    assert exports.responses.count() == 1


def test_a_theme_switched_on_again_tags_new_answers(admin_client, exports):
    exports.active = False
    exports.save()

    response = admin_client.post(active_url(exports), {"active": "on", "from": "edit"})

    assert response.url == edit_url(exports)
    assert tag_themes(response=ResponseFactory(comment="The CSV export fails")) == [exports]


def test_switching_a_theme_needs_a_post(admin_client, exports):
    assert admin_client.get(active_url(exports)).status_code == 405


def test_an_unused_theme_is_deleted_after_a_confirmation(admin_client, exports):
    confirmation = admin_client.get(delete_url(exports))
    assert "Delete the theme “Data exports”?" in confirmation.content.decode()
    assert Theme.objects.filter(pk=exports.pk).exists()

    response = admin_client.post(delete_url(exports))

    assert response.url == THEMES
    assert said(response) == ["“Data exports” deleted."]
    assert not Theme.objects.filter(pk=exports.pk).exists()


def test_a_theme_that_answers_carry_is_not_deleted(admin_client, exports):
    carried_by(exports, 2)

    asked = admin_client.get(delete_url(exports))
    response = admin_client.post(delete_url(exports))

    assert asked.url == response.url == edit_url(exports)
    assert said(response)[-1] == (
        "“Data exports” stays: 2 answers carry it. Switch it off instead."
    )
    assert Theme.objects.filter(pk=exports.pk).exists()
    page = admin_client.get(edit_url(exports)).content.decode()
    assert f'href="{delete_url(exports)}"' not in page
    assert "cannot be deleted: switch it off instead" in page


def test_the_service_refuses_to_delete_a_theme_in_use(exports):
    carried_by(exports)

    with pytest.raises(ThemeEditRefused):
        delete_theme(theme=exports)

    assert Theme.objects.filter(pk=exports.pk).exists()


# --- the Django admin checks themes by the same rules -------------------------------------------


def test_the_django_admin_refuses_a_theme_name_taken_in_another_case(admin_client, exports):
    response = admin_client.post(
        reverse("admin:surveys_theme_add"),
        {"name": "data EXPORTS", "name_fr": "", "keywords_en": "x-ray", "keywords_fr": ""},
    )

    assert response.status_code == 200
    assert "“Data exports” exists already" in response.context["adminform"].form.errors["name"][0]
