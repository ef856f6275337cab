"""The start of the Configuration area, /configure/: every configuration page, for admins."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from configure.overview import AREAS
from core.roles import Role, set_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("configure-index")


def test_the_configuration_area_has_a_start_page_not_a_404():
    assert URL == "/configure/"


def test_someone_signed_out_is_sent_to_sign_in(client):
    reply = client.get(URL)

    assert reply.status_code == 302
    assert reply["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [None, Role.CSM, Role.MANAGER])
def test_only_admins_open_it(client, role):
    person = UserFactory()
    if role:
        set_role(person, role)
    client.force_login(person)

    assert client.get(URL).status_code == 403


def test_an_admin_finds_a_card_for_each_configuration_page_with_what_it_is_for(client, admin_user):
    client.force_login(admin_user)

    html = client.get(URL).content.decode()

    for name in (
        "configure-general",
        "configure-exchange-rates",
        "configure-users",
        "configure-api-keys",
        "configure-api-key-new",
        "configure-imports",
        "configure-themes",
        "playbook-list",
        "campaign-list",
    ):
        assert f'href="{reverse(name)}"' in html, name
    for area in AREAS:
        assert escape(str(area.purpose)) in html


def test_every_card_leads_to_a_page_the_admin_may_open(client, admin_user):
    client.force_login(admin_user)

    for area in AREAS:
        assert client.get(reverse(area.url_name)).status_code == 200, area.url_name


def test_the_navbar_configuration_entry_leads_to_it(client, admin_user):
    client.force_login(admin_user)

    html = client.get(reverse("configure-users")).content.decode()

    navbar = html.split('id="main-nav"')[1].split("</ul>")[0]
    assert re.search(r'href="/configure/"[^>]*>\s*Configuration', navbar)


def test_a_french_admin_reads_it_in_french(client, admin_user):
    admin_user.language = "fr"
    admin_user.save()
    client.force_login(admin_user)

    html = client.get(URL).content.decode()

    assert "Paramétrer NPS Loop" in html
    assert escape("Webhooks des outils d'enquête") in html
    assert "Set NPS Loop up" not in html
