"""Tagging answers with the themes their comment mentions, in English or in French."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from surveys.models import Response, Theme

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


def tag_themes(*, response: Response) -> list[Theme]:
    """Add to the answer the active themes its comment mentions; returns the ones added."""
    if not response.comment.strip():
        return []
    themes = themes_in(response.comment, Theme.objects.filter(active=True))
    if not themes:
        return []
    already = set(response.themes.values_list("pk", flat=True))
    added = [theme for theme in themes if theme.pk not in already]
    if added:
        response.themes.add(*added)
    return added


@functools.lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    folded = fold(keyword.strip())
    prefix = folded.endswith("*")
    words = [re.escape(word) for word in folded.rstrip("*").split()]
    body = r"\s+".join(words)
    return re.compile(rf"\b{body}" + ("" if prefix else r"\b"))
