"""The templates of the emails CSMs write to customers from a case, edited by admins.

One template per purpose (first acknowledgment, call proposal, plan summary, closing note)
and language (English, French); placeholders such as {contact_first_name} are filled from
the case when a CSM starts an email (`playbooks.placeholders`).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from core.roles import Role, role_required
from playbooks.forms import MessageTemplateForm
from playbooks.models import MessageLanguage, MessagePurpose
from playbooks.placeholders import PLACEHOLDERS, fill
from playbooks.selectors.messages import message_template, message_templates
from playbooks.services.message_templates import save_message_template

# What the preview fills the placeholders with: a customer that does not exist.
SAMPLE_VALUES = {
    "contact_name": "Jane Doe",
    "contact_first_name": "Jane",
    "account": "Acme Corp",
    "csm_name": "Alex Martin",
    "csm_email": "alex.martin@example.com",
    "case_reference": "#42",
    "survey_score": "4",
    "survey_date": "2026-11-30",
    "plan_items": "- Fix the invoice export (by 2026-12-15)\n- Call back after the fix",
}


@role_required(Role.ADMIN)
def template_list(request: HttpRequest) -> HttpResponse:
    """Every purpose, each in English and French."""
    templates = message_templates()
    rows = [
        (label, [t for t in templates if t.purpose == value])
        for value, label in MessagePurpose.choices
    ]
    return render(
        request, "configure/customer_emails.html", {"rows": rows, "section": "customer-emails"}
    )


@role_required(Role.ADMIN)
def template_edit(request: HttpRequest, purpose: str, language: str) -> HttpResponse:
    """One template: subject and body with the placeholders listed; "Preview" shows it filled
    with a sample customer, "Save" keeps it for the next emails."""
    if purpose not in MessagePurpose.values or language not in MessageLanguage.values:
        raise Http404("No such template.")
    template = message_template(purpose=purpose, language=language)
    form = MessageTemplateForm(request.POST or None, instance=template)
    preview = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") != "preview":
            save_message_template(
                purpose=purpose, language=language, actor=request.user, **form.cleaned_data
            )
            messages.success(
                request,
                _("Template saved: the next emails written from a case start from it."),
            )
            return redirect("configure-customer-emails")
        preview = {
            "subject": " ".join(fill(form.cleaned_data["subject"], SAMPLE_VALUES).split()),
            "body": fill(form.cleaned_data["body"], SAMPLE_VALUES),
        }
    context = {
        "form": form,
        "template": template,
        "purpose_label": MessagePurpose(purpose).label,
        "language_label": MessageLanguage(language).label,
        "placeholders": PLACEHOLDERS,
        "preview": preview,
        "section": "customer-emails",
    }
    return render(
        request, "configure/customer_email_form.html", context, status=422 if form.errors else 200
    )


urlpatterns = [
    path("customer-emails/", template_list, name="configure-customer-emails"),
    path(
        "customer-emails/<slug:purpose>/<slug:language>/",
        template_edit,
        name="configure-customer-email-edit",
    ),
]
