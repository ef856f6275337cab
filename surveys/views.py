"""The campaign pages: managers and admins prepare the surveys NPS Loop sends, see who they
would reach, launch them and follow what they bring. Campaigns run by other tools are
listed too, read only."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from core.branding import survey_sender
from core.roles import Role, role_required
from surveys import selectors
from surveys.audience import audience_preview
from surveys.emails import example_invitation, invitation_email
from surveys.forms import AUDIENCE_FIELDS, SCHEDULE_FIELDS, CampaignForm, InvitationFilterForm
from surveys.models import Campaign, CampaignStatus
from surveys.rate_limits import test_email_limit
from surveys.services import campaigns as services
from surveys.services.example_emails import SendingRefused, send_test_email

CAMPAIGNS_PAGE_SIZE = 25
INVITATIONS_PAGE_SIZE = 50
LIST = "surveys/campaigns/list.html"
FORM = "surveys/campaigns/form.html"
DETAIL = "surveys/campaigns/detail.html"
CONFIRM = "surveys/campaigns/confirm.html"
EMAIL = "surveys/campaigns/email.html"
# The languages a campaign's email is previewed in, named in their own language.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
PREVIEW = "preview"
# The id of the part of the campaign page that follows the sending (htmx's HX-Target).
LIVE_PART = "campaign-live"
LIVE_STATUSES = (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)
staff_only = role_required(Role.MANAGER, Role.ADMIN)


def _campaigns():
    return Campaign.objects.select_related("audience_account", "audience_csm", "launched_by")


@staff_only
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Every campaign with what it sent and brought back, the latest first."""
    page = Paginator(selectors.campaign_list(), CAMPAIGNS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "rows": selectors.campaign_rows(page.object_list)}
    return render(request, LIST, context)


@staff_only
def campaign_new(request: HttpRequest) -> HttpResponse:
    """A new draft campaign, with a live preview of the audience it would reach."""
    return _form_page(request, CampaignForm(request.POST or None), campaign=None)


@staff_only
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Change a draft; a launched campaign is no longer edited."""
    campaign = get_object_or_404(_campaigns(), pk=campaign_id)
    if not campaign.is_editable:
        messages.error(request, _("Only a draft campaign can be changed."))
        return redirect("campaign-detail", campaign_id=campaign.pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    return _form_page(request, form, campaign=campaign)


def _form_page(request: HttpRequest, form: CampaignForm, *, campaign: Campaign | None):
    """Save the form, or show it with the preview of its audience (alone, for htmx)."""
    previewing = request.method == "POST" and PREVIEW in request.POST
    if request.method == "POST" and not previewing and form.is_valid():
        try:
            if campaign is None:
                campaign = services.create_campaign(actor=request.user, **form.campaign_fields())
                messages.success(request, _("Draft saved. Check it, then launch it."))
            else:
                services.update_campaign(campaign=campaign, **form.campaign_fields())
                messages.success(request, _("Changes saved."))
        except ValidationError as refused:
            messages.error(request, _refusal(refused))
        else:
            return redirect("campaign-detail", campaign_id=campaign.pk)
    context = {"form": form, "campaign": campaign, **_preview(form)}
    if previewing:
        form.keep_errors_of(AUDIENCE_FIELDS + SCHEDULE_FIELDS)
        if request.htmx:
            return render(request, f"{FORM}#preview", context)
    context["tiers"] = selectors.account_tiers()
    return render(request, FORM, context, status=422 if form.errors and not previewing else 200)


def _preview(form: CampaignForm) -> dict:
    """Who the campaign of the form would reach now, and how many emails each sending day."""
    audience = form.audience() if form.is_bound else form.instance
    if audience is None:
        return {"preview": None, "plan": []}
    preview = audience_preview(audience)
    plan = []
    if audience.drip_days > 1:
        plan = selectors.sending_plan(
            count=preview.audience,
            start=audience.send_at or timezone.now(),
            days=audience.drip_days,
        )
    return {"preview": preview, "plan": plan}


@staff_only
def account_suggestions(request: HttpRequest) -> HttpResponse:
    """The accounts whose name or CRM id match what is typed in the account filter."""
    accounts = selectors.accounts_named(request.GET.get("audience_account", "")[:200])
    return render(request, f"{FORM}#account-options", {"suggestions": accounts})


@staff_only
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The campaign's figures, answers per day and invitations; while it sends, the figures
    follow the sending (the page polls them)."""
    campaign = get_object_or_404(_campaigns(), pk=campaign_id)
    if request.htmx and request.htmx.target == LIVE_PART:
        if campaign.status not in LIVE_STATUSES:
            return HttpResponseClientRefresh()  # the page has other actions to show now
        context = {"campaign": campaign, "figures": selectors.campaign_figures(campaign)}
        return render(request, f"{DETAIL}#live", {**context, "live": True})
    form = InvitationFilterForm(request.GET or None)
    invitations = Paginator(
        selectors.campaign_invitations(campaign, show=form.chosen()), INVITATIONS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {"campaign": campaign, "form": form, "invitations": invitations}
    if request.htmx:
        return render(request, f"{DETAIL}#invitations", context)
    return render(request, DETAIL, {**context, **_campaign_page(campaign)})


def _campaign_page(campaign: Campaign) -> dict:
    if campaign.is_editable:
        # Nothing sent yet: who it would reach now, for the confirmation of the launch.
        return {"preview": audience_preview(campaign, examples=0)}
    per_day = selectors.answers_per_day(campaign)
    return {
        "figures": selectors.campaign_figures(campaign),
        "per_day": per_day,
        "day_series": [
            {
                "label": date_format(day.day, "SHORT_DATE_FORMAT"),
                "detractors": day.detractors,
                "passives": day.passives,
                "promoters": day.promoters,
            }
            for day in per_day
        ],
        "live": campaign.status in LIVE_STATUSES,
    }


@staff_only
@require_http_methods(["GET", "POST"])
def campaign_action(request: HttpRequest, campaign_id: int, action: str) -> HttpResponse:
    """Launch, cancel or delete a campaign: asked to confirm first (GET), done on POST; the
    services say when it may not be done."""
    act = ACTIONS.get(action)
    if act is None:
        raise Http404("No such action.")
    campaign = get_object_or_404(_campaigns(), pk=campaign_id)
    if request.method == "GET":
        return _confirmation(request, campaign, action)
    try:
        messages.success(request, act(request, campaign))
    except ValidationError as refused:
        messages.error(request, _refusal(refused))
    else:
        if action == "delete":
            return redirect("campaign-list")
    return redirect("campaign-detail", campaign_id=campaign.pk)


def _confirmation(request: HttpRequest, campaign: Campaign, action: str) -> HttpResponse:
    """What the action will do, with the count of the people it concerns."""
    possible = campaign.status in LIVE_STATUSES if action == "cancel" else campaign.is_editable
    if not possible:
        return redirect("campaign-detail", campaign_id=campaign.pk)
    context = {"campaign": campaign, "action": action}
    if action == "launch":
        context["preview"] = audience_preview(campaign, examples=0)
        context["default_sender"] = survey_sender()
    elif action == "cancel":
        context["figures"] = selectors.campaign_figures(campaign)
    return render(request, CONFIRM, context)


def _launch(request: HttpRequest, campaign: Campaign) -> str:
    campaign = services.launch_campaign(campaign=campaign, actor=request.user)
    if campaign.send_at and campaign.send_at > timezone.now():
        when = date_format(timezone.localtime(campaign.send_at), "DATETIME_FORMAT")
        return _("“%(name)s” is launched: its emails go out from %(when)s.") % {
            "name": campaign.name,
            "when": when,
        }
    return _("“%(name)s” is launched: its emails are going out.") % {"name": campaign.name}


def _cancel(request: HttpRequest, campaign: Campaign) -> str:
    dropped = services.cancel_campaign(campaign=campaign, actor=request.user)
    return ngettext(
        "“%(name)s” is cancelled: %(count)s email will not be sent.",
        "“%(name)s” is cancelled: %(count)s emails will not be sent.",
        dropped,
    ) % {"name": campaign.name, "count": dropped}


def _delete(request: HttpRequest, campaign: Campaign) -> str:
    services.delete_campaign(campaign=campaign)
    return _("The draft “%(name)s” is deleted.") % {"name": campaign.name}


ACTIONS: dict[str, Callable[[HttpRequest, Campaign], str]] = {
    "launch": _launch,
    "cancel": _cancel,
    "delete": _delete,
}


@staff_only
@require_http_methods(["GET", "POST"])
def campaign_email(request: HttpRequest, campaign_id: int, language: str) -> HttpResponse:
    """The campaign's survey email in `language`, as a contact of its audience gets it; POST
    sends it to the signed-in person."""
    campaign = _email_campaign(campaign_id, language)
    if request.method == "POST":
        try:
            address = send_test_email(campaign=campaign, language=language, to=request.user)
        except SendingRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("The test email in %(language)s is on its way to %(address)s.")
                % {"language": LANGUAGE_NAMES[language], "address": address},
            )
        return redirect("campaign-email", campaign_id=campaign.pk, language=language)
    contact = selectors.example_contact(campaign, language=language)
    message = invitation_email(example_invitation(campaign, language=language, contact=contact))
    context = {
        "campaign": campaign,
        "language": language,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGE_NAMES],
        "contact": contact,
        "message": message,
        "limit": test_email_limit(),
    }
    return render(request, EMAIL, context)


# The HTML of an email needs its inline styles; shown in a frame of our own page only.
EMAIL_FRAME_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", urlsplit(settings.NPS_BASE_URL)._replace(path="").geturl()],
    "frame-ancestors": ["'self'"],
}


@staff_only
@require_http_methods(["GET"])
@xframe_options_sameorigin
@csp_replace(EMAIL_FRAME_POLICY)
def campaign_email_html(request: HttpRequest, campaign_id: int, language: str) -> HttpResponse:
    """The HTML part of the campaign's email alone, for the frame of its preview page."""
    campaign = _email_campaign(campaign_id, language)
    contact = selectors.example_contact(campaign, language=language)
    message = invitation_email(example_invitation(campaign, language=language, contact=contact))
    return HttpResponse(message.alternatives[0][0], content_type="text/html; charset=utf-8")


def _email_campaign(campaign_id: int, language: str) -> Campaign:
    campaign = get_object_or_404(_campaigns(), pk=campaign_id)
    if not campaign.is_email or language not in LANGUAGE_NAMES:
        raise Http404("No such email.")
    return campaign


def _refusal(refused: ValidationError) -> str:
    return " ".join(refused.messages)
