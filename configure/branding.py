"""The brand of the survey emails and pages, edited by admins: the company's name, colour and
logo, and the sender customers see. The write is `core.services.update_survey_branding`."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from core.branding import brand_of, survey_sender_of
from core.forms import BrandingForm
from core.roles import Role, role_required
from core.services import stored_loop_settings, update_survey_branding

BRANDING_FIELDS = (
    "brand_name",
    "survey_sender_name",
    "survey_sender_address",
    "survey_reply_to",
    "brand_colour",
)


@role_required(Role.ADMIN)
def branding(request: HttpRequest) -> HttpResponse:
    """The branding form, with the From and the look the survey emails have now."""
    row = stored_loop_settings()
    initial = {name: getattr(row, name) for name in BRANDING_FIELDS}
    form = BrandingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        update_survey_branding(**form.cleaned_data)
        messages.success(
            request,
            _("Branding saved. The survey emails sent from now on, and the survey pages, show it."),
        )
        return redirect("configure-branding")
    context = {
        "form": form,
        "section": "branding",
        "brand": brand_of(row),
        "sender": survey_sender_of(row),
        "reply_to": row.survey_reply_to,
        # The address survey emails keep when none is typed: the business settings' sender.
        "default_address": parseaddr(row.sender_email or settings.DEFAULT_FROM_EMAIL)[1],
        # Browsers never keep a chosen file when the page comes back with errors.
        "choose_logo_again": bool(request.FILES.get("logo")) and "logo" not in form.errors,
    }
    return render(request, "configure/branding.html", context, status=422 if form.errors else 200)


urlpatterns = [
    path("branding/", branding, name="configure-branding"),
]
