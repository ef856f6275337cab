"""403, 404 and 500 are the app's own pages, in the reader's language, with a way back."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def test_a_missing_page_is_the_apps_own_404_with_a_way_home(client, csm):
    client.force_login(csm)

    page = client.get("/no-such-page/", headers={"Referer": "http://testserver/cases/"})

    assert page.status_code == 404
    html = page.content.decode()
    assert "Page not found" in html
    assert 'href="/"' in html
    assert 'href="http://testserver/cases/"' in html  # go back where the reader was
    assert "app-header" in html  # the app's layout, not Django's bare page


def test_the_404_page_speaks_the_browsers_french():
    page = Client().get("/no-such-page/", headers=FRENCH)

    assert page.status_code == 404
    html = page.content.decode()
    assert '<html lang="fr"' in html
    assert "Page introuvable" in html
    assert "Aller à l" in html


def test_the_404_page_speaks_the_french_of_the_readers_profile(client, csm):
    csm.language = "fr"
    csm.save()
    client.force_login(csm)

    html = client.get("/no-such-page/").content.decode()

    assert "Page introuvable" in html


def test_a_way_back_never_leads_to_another_site():
    page = Client().get("/no-such-page/", headers={"Referer": "https://evil.example/phish"})

    assert "evil.example" not in page.content.decode()


def test_a_page_beyond_the_readers_role_is_the_apps_own_403(client, csm):
    client.force_login(csm)

    page = client.get("/dashboard/")

    assert page.status_code == 403
    assert "You may not open this page" in page.content.decode()


def test_a_form_sent_without_its_csrf_token_says_so_in_french():
    browser = Client(enforce_csrf_checks=True)

    page = browser.post("/login/", {"username": "x", "password": "y"}, headers=FRENCH)

    assert page.status_code == 403
    assert "pas été envoyé" in page.content.decode()


@override_settings(ROOT_URLCONF="tests.core.error_urls")
def test_a_bug_shows_the_apps_own_500_page_in_french():
    browser = Client(raise_request_exception=False)

    page = browser.get("/broken/", headers=FRENCH)

    assert page.status_code == 500
    html = page.content.decode()
    assert "Une erreur est survenue" in html
    assert 'href="/"' in html


@override_settings(ROOT_URLCONF="tests.core.error_urls")
def test_the_500_page_renders_without_the_database(django_assert_num_queries):
    browser = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        page = browser.get("/broken/")

    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()


# --- with DEBUG on, as `make run` starts the app --------------------------------------------


@override_settings(DEBUG=True)
def test_with_debug_on_a_missing_page_is_still_the_apps_own_404_in_french():
    page = Client().get("/no-such-page/", headers=FRENCH)

    assert page.status_code == 404
    html = page.content.decode()
    assert "Page introuvable" in html
    assert "DEBUG = True" not in html


@override_settings(DEBUG=True)
def test_with_debug_on_a_case_that_does_not_exist_is_the_apps_own_404(client, csm):
    client.force_login(csm)

    page = client.get("/cases/999999/")

    assert page.status_code == 404
    assert "Page not found" in page.content.decode()
    assert "DEBUG = True" not in page.content.decode()


@override_settings(DEBUG=True, ROOT_URLCONF="tests.core.error_urls")
def test_with_debug_on_a_bug_is_the_apps_own_500_and_its_traceback_goes_to_the_log(caplog):
    page = Client(raise_request_exception=False).get("/broken/")

    assert page.status_code == 500
    assert "Traceback" not in page.content.decode()
    assert "a bug in a page" not in page.content.decode()
    assert any("a bug in a page" in str(r.exc_info) for r in caplog.records if r.exc_info)


@override_settings(DEBUG=True, NPS_DEBUG_TECHNICAL_ERRORS=True)
def test_developers_may_ask_for_djangos_technical_pages():
    page = Client().get("/no-such-page/")

    assert page.status_code == 404
    assert "DEBUG = True" in page.content.decode()
