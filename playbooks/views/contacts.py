"""The contact page, and erasing a person at their request (admins, after a confirmation)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.roles import Role, has_role, role_required
from playbooks import selectors
from playbooks.services.erasure import erase_contact_by_id


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    """One person at a customer: who they are, their answers and cases."""
    page = selectors.contact_page(user=request.user, contact_id=contact_id)
    if page is None:
        raise Http404("No such contact.")
    context = {
        "page": page,
        "contact": page.contact,
        "can_erase": has_role(request.user, Role.ADMIN) and not page.contact.is_erased,
    }
    return render(request, "playbooks/contact.html", context)


@role_required(Role.ADMIN)
def contact_erase(request: HttpRequest, contact_id: int) -> HttpResponse:
    """GET: what erasing the person does, and the button; POST: erase them."""
    page = selectors.contact_page(user=request.user, contact_id=contact_id)
    if page is None:
        raise Http404("No such contact.")
    if page.contact.is_erased:
        messages.info(request, _("This person was erased already."))
        return redirect("contact-detail", contact_id=contact_id)
    if request.method == "POST":
        summary = erase_contact_by_id(contact_id=contact_id, actor=request.user)
        messages.success(
            request,
            _(
                "The person was erased: %(answers)s answers kept without their words, "
                "%(closed)s open cases closed. They will never be surveyed again."
            )
            % {"answers": summary.answers, "closed": summary.cases_closed},
        )
        return redirect("contact-detail", contact_id=contact_id)
    return render(request, "playbooks/contact_erase.html", {"page": page, "contact": page.contact})
