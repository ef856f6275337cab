"""The public pages of a survey invitation: answering and unsubscribing, without signing in.

The token in the URL is the only key. Every page is rate-limited per client address,
never cached, never indexed, and sends no referrer to other sites (the token would
leak with it).
Its language is the invitation's, or the one chosen with the page's switch; never
the language of a signed-in person's profile. Only GET and POST requests write:
a HEAD request (a link checker's) shows the page and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language_from_request
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.branding import current_brand
from surveys import public_selectors as selectors
from surveys.models import Invitation
from surveys.public_forms import SCORES, CommentForm, ScoreForm
from surveys.rate_limits import (
    client_address,
    exhausted,
    hit,
    public_page_limit,
    unknown_token_limit,
)
from surveys.services.answering import (
    AnswerRefused,
    answer_invitation,
    choose_score,
    correct_answer,
    mark_invitation_opened,
    unsubscribe_invitation,
)

LANGUAGE_SESSION_KEY = "survey_language"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}

PublicView = Callable[[HttpRequest, Invitation], HttpResponse]


def public_page(view: PublicView) -> Callable[[HttpRequest, str], HttpResponse]:
    """Rate limits, the invitation behind the token (a friendly 404 if none) and the headers."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        response = _rate_limited(request, token, view)
        # The token must not leave with a Referer. "same-origin" rather than "no-referrer":
        # under no-referrer, browsers send `Origin: null` with the page's own form posts,
        # which Django's CSRF check rightly refuses.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapper)


def _rate_limited(request: HttpRequest, token: str, view: PublicView) -> HttpResponse:
    client = client_address(request)
    # Every request counts; a client that guessed too many tokens is refused every token,
    # so that a right guess cannot be told from a wrong one.
    wait = hit(public_page_limit(), client=client) or exhausted(
        unknown_token_limit(), client=client
    )
    if wait is None:
        invitation = selectors.invitation_for_token(token=token)
        if invitation is not None:
            return view(request, invitation)
        wait = hit(unknown_token_limit(), client=client)
        if wait is None:
            return _page(request, None, "surveys/public/unknown.html", status=404)
    response = _page(request, None, "surveys/public/too_many.html", status=429)
    response.headers["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@public_page
def answer(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """The question; a one-click link's score, recorded at once; then the optional comment."""
    if request.method == "POST":
        return _answer_posted(request, invitation)
    clicked = ScoreForm.one_click(request.GET)
    writes = request.method == "GET"
    if invitation.response is None:
        if not selectors.can_be_answered(invitation):
            return _page(request, invitation, "surveys/public/expired.html", status=410)
        if clicked is None or not writes:
            if writes:
                mark_invitation_opened(invitation=invitation)
            return _page(request, invitation, "surveys/public/question.html")
        with suppress(AnswerRefused):  # expired meanwhile: the page says so
            answer_invitation(invitation=invitation, score=clicked)
        return redirect("survey-answer", token=invitation.token)
    if not selectors.answer_can_change(invitation):
        return _page(request, invitation, "surveys/public/thanks.html", {"already": True})
    if clicked is not None and clicked != invitation.response.score:
        # A mail scanner may fetch every link of the email: ask before overwriting.
        return _page(request, invitation, "surveys/public/confirm.html", {"proposed": clicked})
    return _page(request, invitation, "surveys/public/comment.html", {"form": _comment(invitation)})


def _answer_posted(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    if "comment" in request.POST:
        form = CommentForm(request.POST)
        if not form.is_valid():
            return _page(request, invitation, "surveys/public/comment.html", {"form": form})
        try:
            correct_answer(invitation=invitation, comment=form.cleaned_data["comment"])
        except AnswerRefused:
            return redirect("survey-answer", token=invitation.token)
        return redirect("survey-thanks", token=invitation.token)
    form = ScoreForm(request.POST)
    if form.is_valid():
        with suppress(AnswerRefused):  # the page says why nothing changed
            choose_score(invitation=invitation, score=form.cleaned_data["score"])
    return redirect("survey-answer", token=invitation.token)


@require_http_methods(["GET", "HEAD"])
@public_page
def thanks(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """The thank-you page, with the way back to change the answer within 24 hours."""
    if invitation.response is None:
        return redirect("survey-answer", token=invitation.token)
    already = not selectors.answer_can_change(invitation)
    return _page(request, invitation, "surveys/public/thanks.html", {"already": already})


# Mail clients unsubscribing in one click (RFC 8058: List-Unsubscribe-Post) POST here
# from their servers, with no cookie and no CSRF token. The token in the URL is what
# authenticates the request, and the only thing it can do is opt its own contact out.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@public_page
def unsubscribe(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST opts out."""
    if request.method == "POST":
        unsubscribe_invitation(invitation=invitation)
        return _page(request, invitation, "surveys/public/unsubscribed.html")
    if invitation.contact.opted_out:
        return _page(request, invitation, "surveys/public/unsubscribed.html")
    return _page(request, invitation, "surveys/public/unsubscribe.html")


def _comment(invitation: Invitation) -> CommentForm:
    return CommentForm(initial={"comment": invitation.response.comment})


def _page(
    request: HttpRequest,
    invitation: Invitation | None,
    template: str,
    context: dict | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render a public page in its language, whatever the interface language of the request."""
    language = _language(request, invitation)
    context = {
        **(context or {}),
        "invitation": invitation,
        "languages": _switch(request, language),
        "brand": current_brand(),
    }
    if invitation is not None:
        context.update(
            first_name=invitation.contact.first_name,
            question=invitation.question_in(language),
            scores=SCORES,
            can_change_until=selectors.correction_deadline(invitation),
        )
    with translation.override(language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    return response


def _language(request: HttpRequest, invitation: Invitation | None) -> str:
    """The page's language: the one chosen with the switch (kept in the session), else the
    invitation's, else the browser's."""
    chosen = request.GET.get("lang", "")
    if chosen in selectors.PAGE_LANGUAGES and request.method != "HEAD":
        request.session[LANGUAGE_SESSION_KEY] = chosen
    else:
        chosen = request.session.get(LANGUAGE_SESSION_KEY, "")
    if chosen in selectors.PAGE_LANGUAGES:
        return chosen
    if invitation is not None:
        return selectors.invitation_language(invitation)
    return get_language_from_request(request)


def _switch(request: HttpRequest, current: str) -> list[dict]:
    """The links of the language switch: this page, in each language."""
    query = {key: value for key, value in request.GET.items() if key == "score"}
    return [
        {
            "code": code,
            "name": name,
            "current": code == current,
            "url": f"{request.path}?{urlencode({**query, 'lang': code})}",
        }
        for code, name in LANGUAGE_NAMES.items()
    ]
