"""The start of the Configuration area: a card for each page where admins set NPS Loop up."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.roles import Role, role_required


@dataclass(frozen=True)
class Area:
    """One configuration page: where it is and, in a line, what it is for."""

    url_name: str
    icon: str  # a Bootstrap Icons name
    title: Promise
    purpose: Promise


AREAS = (
    Area(
        "configure-general",
        "sliders",
        _("Business settings"),
        _(
            "Working days and holidays, SLA hours, the fallback owner, Slack and the sender, "
            "and who may be surveyed how often."
        ),
    ),
    Area(
        "configure-exchange-rates",
        "currency-exchange",
        _("Exchange rates"),
        _(
            "What each currency your accounts are in is worth in the reporting currency, so "
            "that ARR adds up in one currency; the currencies still without a rate."
        ),
    ),
    Area(
        "configure-branding",
        "palette",
        _("Survey branding"),
        _(
            "Your logo, colour and company name on the survey emails and pages, and the "
            "sender customers see."
        ),
    ),
    Area(
        "configure-users",
        "people",
        _("People and roles"),
        _("Who signs in, as a CSM, a manager or an admin; invitations and access."),
    ),
    Area(
        "configure-api-keys",
        "key",
        _("API keys"),
        _(
            "One key per system that sends answers through the REST API; revoke a key to cut "
            "it off."
        ),
    ),
    Area(
        "configure-api-key-new",
        "broadcast",
        _("Survey-tool webhooks"),
        _(
            "Create a key of the tool's kind (Delighted, Typeform, Formbricks): its page gives "
            "the URL to paste in the tool and how to sign the deliveries."
        ),
    ),
    Area(
        "configure-webhooks",
        "send",
        _("Outbound webhooks"),
        _(
            "URLs that hear of answers and cases as they happen (a CRM, a chat tool), signed; "
            "their delivery log, tests and replays."
        ),
    ),
    Area(
        "configure-lockouts",
        "shield-lock",
        _("Sign-in lockouts"),
        _(
            "People and addresses refused after too many failed sign-ins; lift a lockout "
            "when you know who it is."
        ),
    ),
    Area(
        "configure-imports",
        "upload",
        _("Imports"),
        _(
            "Accounts, contacts, interactions and past answers from CSV files, checked row by "
            "row before anything is written."
        ),
    ),
    Area(
        "playbook-list",
        "diagram-3",
        _("Playbooks"),
        _("What happens after each answer: the steps of each playbook, who does them, when."),
    ),
    Area(
        "configure-themes",
        "tags",
        _("Themes"),
        _("The reasons customers give, found in comments by their keywords."),
    ),
    Area(
        "configure-root-causes",
        "diagram-2",
        _("Root causes"),
        _(
            "Why cases happen, as CSMs pick them when they close one: causes and sub-causes, "
            "counted on the Recurring issues page."
        ),
    ),
    Area(
        "configure-customer-emails",
        "envelope-paper",
        _("Customer emails"),
        _(
            "The templates CSMs start from when they write to a customer from a case, in "
            "English and French, with placeholders filled from the case."
        ),
    ),
    Area(
        "campaign-list",
        "envelope",
        _("Campaigns"),
        _("NPS surveys emailed to your contacts, and how many answered."),
    ),
)


@role_required(Role.ADMIN)
def index(request: HttpRequest) -> HttpResponse:
    """Every configuration page, each with what it is for."""
    return render(request, "configure/index.html", {"areas": AREAS, "section": "index"})


urlpatterns = [
    path("", index, name="configure-index"),
]
