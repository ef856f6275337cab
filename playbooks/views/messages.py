"""Writing to the customer from the case: pick a purpose, edit the draft, preview, send."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.mail import default_sender
from core.roles import Role, role_required
from playbooks.access import cases_visible_to
from playbooks.forms import CustomerMessageForm
from playbooks.models import Case, CustomerMessage, MessagePurpose
from playbooks.selectors.messages import (
    contact_language,
    messages_of,
    suggested_purpose,
    why_not_writable,
)
from playbooks.services.cases import CaseActionRefused
from playbooks.services.messages import (
    compose_message,
    draft_message,
    reply_address,
    send_message,
)


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
def write_to_customer(request: HttpRequest, case_id: int) -> HttpResponse:
    """The email to the case's contact: drafted from the template of the purpose picked,
    edited, previewed exactly as it goes out, then sent. Whoever may act on the case may
    write; a case the reader may not see is a 404."""
    case = (
        cases_visible_to(request.user)
        .select_related("contact", "account", "owner", "response")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404("No such case.")
    purpose = request.POST.get("purpose") or request.GET.get("purpose", "")
    if purpose not in MessagePurpose.values:
        purpose = suggested_purpose(case)
    preview, status = None, 200
    if request.method == "GET":
        draft = draft_message(case=case, purpose=purpose, user=request.user)
        form = CustomerMessageForm(
            initial={"purpose": draft.purpose, "subject": draft.subject, "body": draft.body}
        )
    else:
        form = CustomerMessageForm(request.POST)
        if not form.is_valid():
            status = 422
        elif request.POST.get("action") != "send":
            preview = _preview(case, request, form.cleaned_data)
        elif sent := _send(request, case, form.cleaned_data):
            return sent
        else:
            status = 422
    context = {
        "case": case,
        "form": form,
        "purpose": purpose,
        "purposes": MessagePurpose.choices,
        "language": contact_language(case),
        "refused": why_not_writable(case.contact),
        "preview": preview,
        "sent_before": messages_of(case),
    }
    return render(request, "playbooks/write.html", context, status=status)


def _send(request: HttpRequest, case: Case, data: dict) -> HttpResponse | None:
    """Send, and go back to the case's timeline; None (and why, as a message) if refused."""
    try:
        message = send_message(case=case, user=request.user, **data)
    except (CaseActionRefused, ValidationError) as refused:
        messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
        return None
    messages.success(
        request,
        _("Email to %(to)s queued: it goes out in a moment, and replies go to %(reply)s.")
        % {"to": message.to_address, "reply": message.reply_to or _("nobody")},
    )
    return redirect(reverse("case-detail", args=[case.pk]) + "#timeline-title")


def _preview(case: Case, request: HttpRequest, data: dict) -> dict:
    """The email as `send` would send it: sender, recipient, Reply-To, subject and text."""
    email = compose_message(
        CustomerMessage(
            case=case,
            to_address=case.contact.email,
            subject=" ".join(data["subject"].split()),
            body=data["body"].strip(),
            reply_to=reply_address(case=case, user=request.user),
        )
    )
    return {
        "from": email.from_email or default_sender(),
        "to": ", ".join(email.to),
        "reply_to": ", ".join(email.reply_to),
        "subject": email.subject,
        "body": email.body,
    }
