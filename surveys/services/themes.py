"""Tagging answers with the themes their comment mentions, in English or in French, and the
admins' edits of the taxonomy: create, change, switch on or off, delete an unused theme."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.resilient_cache import cache_delete, cache_get, cache_set
from surveys.models import Response, Theme

# The active themes, read by every answer the engine processes: cached, and forgotten on
# any change of a theme (`forget_active_themes`, called by the `Theme` save and delete
# receivers); the timeout bounds what a change made around the cache would leave stale.
ACTIVE_THEMES_CACHE_KEY = "nps_loop:active_themes"
ACTIVE_THEMES_CACHE_SECONDS = 300

# Longer than any phrase a customer would repeat word for word; keeps the patterns cheap.
KEYWORD_MAX_LENGTH = 60
# 'c*' would tag nearly every comment: a prefix needs a few letters to mean something.
PREFIX_MIN_LENGTH = 3
COMMENT_MAX_LENGTH = 2000

# Phones and word processors type ’ where keywords are written with ' ("haven't heard").
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})


def fold(text: str) -> str:
    """Lower case without accents, so that 'Facturation', 'FACTURÉ' and 'facture' compare."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(APOSTROPHES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def themes_in(comment: str, themes: Iterable[Theme]) -> list[Theme]:
    """The themes whose keywords appear in `comment` as whole words (a keyword ending in
    '*' also matches longer words: 'factur*' finds 'facture' and 'facturation')."""
    text = fold(comment)
    if not text.strip():
        return []
    found = []
    for theme in themes:
        for keyword in theme.keywords:
            if _pattern(keyword).search(text):
                found.append(theme)
                break
    return found


def active_themes() -> list[Theme]:
    """The themes that tag new answers, from the cache when it has them."""
    themes = cache_get(ACTIVE_THEMES_CACHE_KEY)
    if themes is None:
        themes = list(Theme.objects.filter(active=True))
        cache_set(ACTIVE_THEMES_CACHE_KEY, themes, ACTIVE_THEMES_CACHE_SECONDS)
    return themes


def forget_active_themes() -> None:
    """A theme changed: the next answer reads the themes from the database."""
    cache_delete(ACTIVE_THEMES_CACHE_KEY)


def tag_themes(*, response: Response, tagged: Iterable[int] | None = None) -> list[Theme]:
    """Add to the answer the active themes its comment mentions; returns the ones added.

    `tagged`: the ids of the themes the answer already has, when the caller read them
    (the engine does, in the query that locks the answer): saves a query.
    """
    if not response.comment.strip():
        return []
    themes = themes_in(response.comment, active_themes())
    if not themes:
        return []
    if tagged is None:
        tagged = response.themes.values_list("pk", flat=True)
    already = set(tagged)
    added = [theme for theme in themes if theme.pk not in already]
    if added:
        # One INSERT; a concurrent tagging of the same answer is no error.
        Response.themes.through.objects.bulk_create(
            [Response.themes.through(response=response, theme=theme) for theme in added],
            ignore_conflicts=True,
        )
    return added


def keywords_in(comment: str, theme: Theme) -> list[str]:
    """The theme's keywords that `comment` holds, matched exactly as `themes_in` matches them."""
    text = fold(comment)
    if not text.strip():
        return []
    return [keyword for keyword in theme.keywords if _pattern(keyword).search(text)]


@dataclass(frozen=True)
class TaggingTrial:
    """What tagging would do with a comment: this theme's keywords found, other themes found."""

    keywords: list[str]
    other_themes: list[Theme]


def try_tagging(*, comment: str, theme: Theme) -> TaggingTrial:
    """Which of `theme`'s keywords (saved or not) tag `comment`, and which other active themes
    would tag it too: lets an admin check keywords before saving them."""
    others = Theme.objects.filter(active=True)
    if theme.pk is not None:
        others = others.exclude(pk=theme.pk)
    return TaggingTrial(
        keywords=keywords_in(comment, theme), other_themes=themes_in(comment, others)
    )


# --- the taxonomy, edited by admins ---------------------------------------------------------


class ThemeEditRefused(Exception):
    """The change cannot be made; the message says why and what to do instead."""


def clean_keywords(text: str) -> str:
    """Keywords typed one per line or separated by commas, checked and stored one per line.

    Raises ValidationError with one message per keyword that could not work.
    """
    keywords, seen, errors = [], set(), []
    for raw in re.split(r"[\r\n,]+", text or ""):
        keyword = " ".join(raw.split())
        if not keyword:
            continue
        problem = _keyword_problem(keyword)
        if problem is None and fold(keyword) in seen:
            problem = _(
                "“%(keyword)s” is there twice (case and accents do not count): keep it once."
            ) % {"keyword": keyword}
        if problem is not None:
            errors.append(ValidationError(problem, code="invalid_keyword"))
            continue
        seen.add(fold(keyword))
        keywords.append(keyword)
    if errors:
        raise ValidationError(errors)
    return "\n".join(keywords)


def _keyword_problem(keyword: str) -> str | None:
    stem = keyword.removesuffix("*")
    if len(keyword) > KEYWORD_MAX_LENGTH:
        message = _("“%(keyword)s” is too long: keep each keyword under %(max)d characters.")
    elif not any(char.isalnum() for char in keyword):
        message = _("“%(keyword)s” has no letter or digit, so it would never match.")
    elif "*" in stem or stem != stem.rstrip():
        message = _(
            "“%(keyword)s”: a * may only end a word, as in factur* for facture and facturation."
        )
    elif keyword.endswith("*") and len(stem) < PREFIX_MIN_LENGTH:
        message = _(
            "“%(keyword)s” would match too many words: write at least %(min)d letters before the *."
        )
    else:
        return None
    return message % {"keyword": keyword, "max": KEYWORD_MAX_LENGTH, "min": PREFIX_MIN_LENGTH}


def clean_theme(theme: Theme) -> None:
    """Check a theme before it is saved, and store its keywords one per line.

    Names are unique whatever their case; a theme needs a keyword in English or in French,
    or it would never tag an answer. Raises ValidationError by field.
    """
    errors: dict[str, list] = {}
    theme.name, theme.name_fr = theme.name.strip(), theme.name_fr.strip()
    for field in ("keywords_en", "keywords_fr"):
        try:
            setattr(theme, field, clean_keywords(getattr(theme, field)))
        except ValidationError as error:
            errors[field] = error.error_list
    if not errors and not theme.keywords:
        errors["keywords_en"] = [
            ValidationError(
                _(
                    "Give at least one keyword, in English or in French: "
                    "without one the theme tags no answer."
                ),
                code="no_keyword",
            )
        ]
    others = Theme.objects.exclude(pk=theme.pk) if theme.pk else Theme.objects.all()
    namesake = theme.name and others.filter(name__iexact=theme.name).first()
    if namesake:
        errors["name"] = [
            ValidationError(
                _("“%(name)s” exists already: choose another name, or edit that theme."),
                code="name_taken",
                params={"name": namesake.name},
            )
        ]
    namesake = theme.name_fr and others.filter(name_fr__iexact=theme.name_fr).first()
    if namesake:
        errors["name_fr"] = [
            ValidationError(
                _("“%(theme)s” has this French name already: choose another one."),
                code="name_taken",
                params={"theme": namesake.name},
            )
        ]
    try:
        # Unique names were checked above, whatever their case: a stricter test than Django's.
        theme.full_clean(exclude=list(errors), validate_unique=False)
    except ValidationError as error:
        for field, field_errors in error.error_dict.items():
            errors.setdefault(field, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)


def create_theme(
    *,
    name: str,
    name_fr: str = "",
    keywords_en: str = "",
    keywords_fr: str = "",
    active: bool = True,
) -> Theme:
    """A new theme; only answers recorded from now on are tagged with it."""
    theme = Theme(
        name=name, name_fr=name_fr, keywords_en=keywords_en, keywords_fr=keywords_fr, active=active
    )
    clean_theme(theme)
    theme.save()
    return theme


def update_theme(
    *, theme: Theme, name: str, name_fr: str, keywords_en: str, keywords_fr: str
) -> Theme:
    """Rename a theme or change its keywords. Answers already tagged keep it: new keywords
    apply to the answers recorded from now on."""
    theme.name, theme.name_fr = name, name_fr
    theme.keywords_en, theme.keywords_fr = keywords_en, keywords_fr
    clean_theme(theme)
    theme.save(update_fields=["name", "name_fr", "keywords_en", "keywords_fr"])
    return theme


def set_theme_active(*, theme: Theme, active: bool) -> Theme:
    """Switch a theme on or off. Off, it tags no new answer and CSMs no longer pick it, but the
    answers that carry it keep it (and the dashboard still counts them)."""
    Theme.objects.filter(pk=theme.pk).update(active=active)
    forget_active_themes()
    transaction.on_commit(forget_active_themes, robust=True)
    theme.active = active
    return theme


def delete_theme(*, theme: Theme) -> None:
    """Delete a theme that no answer carries; one in use is switched off instead, or its
    answers would silently lose it."""
    with transaction.atomic():
        # Locking the row waits for a worker that is tagging an answer with it at this moment.
        locked = Theme.objects.select_for_update().filter(pk=theme.pk).first()
        if locked is None:
            return
        if locked.responses.exists():
            raise ThemeEditRefused(
                _("Answers carry “%(name)s”, so it stays: switch it off instead.")
                % {"name": locked.name}
            )
        locked.delete()


@functools.lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    folded = fold(keyword.strip())
    prefix = folded.endswith("*")
    words = [re.escape(word) for word in folded.rstrip("*").split()]
    body = r"\s+".join(words)
    return re.compile(rf"\b{body}" + ("" if prefix else r"\b"))
