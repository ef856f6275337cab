"""The interface speaks English or French: from the person's profile, else the browser."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from core.models import User

pytestmark = pytest.mark.django_db

CHOOSE = reverse("choose-language")


def test_a_french_profile_gets_the_french_interface(client, csm):
    csm.language = "fr"
    csm.save()
    client.force_login(csm)

    html = client.get(reverse("case-queue")).content.decode()

    assert '<html lang="fr"' in html
    assert "Dossiers" in html
    assert "Rien à suivre pour le moment" in html


def test_without_a_profile_language_the_browser_chooses(client, csm):
    client.force_login(csm)

    french = client.get(reverse("answer-list"), headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    english = client.get(reverse("answer-list"), headers={"Accept-Language": "en-GB"})

    assert "Réponses" in french.content.decode()
    assert "Every answer, with or without a case" in english.content.decode()


def test_the_profile_wins_over_the_browser(client, csm):
    csm.language = "en"
    csm.save()
    client.force_login(csm)

    page = client.get(reverse("case-queue"), headers={"Accept-Language": "fr"})

    assert "Nothing to follow up right now" in page.content.decode()


def test_choosing_a_language_saves_it_and_goes_back(client, csm):
    client.force_login(csm)

    done = client.post(CHOOSE, {"language": "fr", "next": "/responses/?category=detractor"})

    assert done.status_code == 302
    assert done["Location"] == "/responses/?category=detractor"
    assert User.objects.get(pk=csm.pk).language == "fr"
    assert "Réponses" in client.get(done["Location"]).content.decode()


def test_an_unknown_language_or_an_outside_address_is_refused(client, csm):
    client.force_login(csm)

    done = client.post(CHOOSE, {"language": "xx", "next": "https://evil.example/"}, follow=True)

    assert done.redirect_chain[0][0] == reverse("home")
    assert "That language is not available." in done.content.decode()
    assert User.objects.get(pk=csm.pk).language == ""


def test_choosing_needs_a_signed_in_post(client, csm):
    assert client.post(CHOOSE, {"language": "fr"}).status_code == 302  # to sign in
    client.force_login(csm)
    assert client.get(CHOOSE).status_code == 405


def test_the_french_catalogue_is_complete_and_keeps_every_placeholder():
    catalogue = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "fr/LC_MESSAGES/django.po"))
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if not entry.translated() or "fuzzy" in entry.flags:
            problems.append(f"untranslated: {entry.msgid!r}")
            continue
        translations = list(entry.msgstr_plural.values()) or [entry.msgstr]
        expected = set(placeholder.findall(entry.msgid_plural or entry.msgid))
        for text in translations[-1:]:  # the plural form carries every placeholder
            if set(placeholder.findall(text)) != expected:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")

    assert problems == []
