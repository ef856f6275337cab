"""Forms of the public survey pages: the score, and the optional comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.answers import MAX_COMMENT_LENGTH

SCORES = range(0, 11)


class ScoreForm(forms.Form):
    """A score from 0 to 10: a button of the page, or the `score` of a one-click link."""

    score = forms.IntegerField(min_value=0, max_value=10)

    @classmethod
    def one_click(cls, query) -> int | None:
        """The valid score of a one-click link's query string; None when there is none."""
        if "score" not in query:
            return None
        form = cls({"score": query.get("score")})
        return form.cleaned_data["score"] if form.is_valid() else None


class CommentForm(forms.Form):
    """What the person adds to their score, in their own words."""

    comment = forms.CharField(
        label=_("What is the main reason for your score?"),
        required=False,
        max_length=MAX_COMMENT_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
