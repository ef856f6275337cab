"""Themes: answers are tagged with the reasons their comment gives, in English or in French."""

import pytest

from surveys.models import Theme
from surveys.services.themes import fold, tag_themes, themes_in
from tests.factories import ResponseFactory


@pytest.fixture
def only_our_themes(db):
    """Switch the shipped themes off, so that a test sees only the themes it creates."""
    Theme.objects.update(active=False)


def theme(name="Billing", english=(), french=(), active=True):
    """An unsaved theme, enough for the pure matching."""
    return Theme(
        name=name, keywords_en="\n".join(english), keywords_fr="\n".join(french), active=active
    )


def names(found):
    return [found_theme.name for found_theme in found]


def test_fold_ignores_accents_and_case():
    assert fold("FACTURÉ") == fold("facturé") == "facture"


def test_fold_reads_typographic_apostrophes_as_plain_ones():
    assert fold("Haven’t heard") == "haven't heard"


def test_a_keyword_matches_in_any_case_and_with_or_without_accents():
    security = theme("Security", french=["sécurité"])

    assert names(themes_in("Problème de SECURITE", [security])) == ["Security"]


def test_a_keyword_matches_whole_words_only():
    features = theme("Missing features", english=["api"])

    assert themes_in("Rapid onboarding, great team", [features]) == []
    assert names(themes_in("The API is missing endpoints", [features])) == ["Missing features"]


def test_a_trailing_star_matches_longer_words():
    billing = theme(french=["factur*"])

    assert names(themes_in("Encore une facturation fausse", [billing])) == ["Billing"]
    assert names(themes_in("La facture est fausse", [billing])) == ["Billing"]


def test_a_trailing_star_still_needs_the_word_to_start_with_the_keyword():
    billing = theme(french=["factur*"])

    assert themes_in("Refacturation interne", [billing]) == []


def test_a_phrase_matches_across_any_spacing():
    billing = theme(english=["charged twice"])

    assert names(themes_in("We were charged\n twice in May", [billing])) == ["Billing"]


def test_french_and_english_keywords_both_count():
    support = theme("Support", english=["helpdesk"], french=["assistance"])

    assert names(themes_in("The helpdesk never answers", [support])) == ["Support"]
    assert names(themes_in("L'assistance ne répond jamais", [support])) == ["Support"]


def test_a_comment_with_a_typographic_apostrophe_matches_a_keyword_with_a_plain_one():
    follow_up = theme("Account management", english=["haven't heard"])

    assert names(themes_in("We haven’t heard from anyone", [follow_up])) == ["Account management"]


def test_an_empty_comment_has_no_theme():
    assert themes_in("   ", [theme(english=["billing"])]) == []


@pytest.mark.django_db
def test_tagging_adds_the_active_themes_the_comment_mentions(only_our_themes):
    invoices = Theme.objects.create(name="Invoices", keywords_en="invoice*")
    Theme.objects.create(name="Helpdesk", keywords_en="support")
    response = ResponseFactory(comment="Invoices are wrong every month")

    added = tag_themes(response=response)

    assert names(added) == ["Invoices"]
    assert list(response.themes.all()) == [invoices]


@pytest.mark.django_db
def test_tagging_ignores_inactive_themes(only_our_themes):
    Theme.objects.create(name="Invoices", keywords_en="invoice*", active=False)
    response = ResponseFactory(comment="Invoices are wrong every month")

    assert tag_themes(response=response) == []
    assert not response.themes.exists()


@pytest.mark.django_db
def test_tagging_twice_adds_nothing_the_second_time(only_our_themes):
    Theme.objects.create(name="Invoices", keywords_en="invoice*")
    response = ResponseFactory(comment="Invoices are wrong every month")
    tag_themes(response=response)

    assert tag_themes(response=response) == []
    assert response.themes.count() == 1


@pytest.mark.django_db
def test_the_default_themes_tag_a_french_billing_complaint(default_themes):
    response = ResponseFactory(comment="Encore une erreur de facturation")

    tag_themes(response=response)

    assert names(response.themes.all()) == ["Billing"]


@pytest.mark.django_db
def test_the_default_themes_tag_an_english_comment_with_several_reasons(default_themes):
    response = ResponseFactory(comment="Support is slow and the invoices are wrong")

    tag_themes(response=response)

    assert set(names(response.themes.all())) == {
        "Billing",
        "Support",
        "Performance and reliability",
    }


@pytest.mark.django_db
def test_a_comment_without_any_keyword_gets_no_theme(default_themes):
    response = ResponseFactory(comment="Nothing to add")

    assert tag_themes(response=response) == []


def test_the_french_verb_avoir_is_not_taken_for_a_credit_note(default_themes):
    response = ResponseFactory(comment="Impossible d'avoir des tableaux de bord par agence.")

    names = {theme.name for theme in tag_themes(response=response)}

    assert "Billing" not in names
    assert "Reporting" in names
