"""The managers' escalations page: what waits for a manager, acknowledged and resolved there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.roles import Role, role_required
from playbooks import selectors
from playbooks.forms import EscalationFilterForm, ResolveEscalationForm
from playbooks.models import Escalation
from playbooks.services import cases
from playbooks.services.cases import CaseActionRefused

ESCALATIONS_PAGE_SIZE = 25
PAGE = "playbooks/escalations.html"
ACKNOWLEDGE = "acknowledge"
RESOLVE = "resolve"


@role_required(Role.MANAGER, Role.ADMIN)
def escalation_list(request: HttpRequest) -> HttpResponse:
    """Escalations for the managers: those waiting for acknowledgement first (the highest
    level, then the oldest), in tabs with their counts; a segment and an account to narrow."""
    return _list_page(request)


def _list_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    form, filters = _filters(request)
    escalations = selectors.escalation_list(filters=filters)
    context = {
        "form": form,
        "filters": filters,
        "tabs": _tabs(form, filters),
        "page": Paginator(escalations, ESCALATIONS_PAGE_SIZE).get_page(request.GET.get("page")),
        "now": timezone.now(),
    }
    template = f"{PAGE}#results" if request.htmx else PAGE
    return render(request, template, context, status=status)


def _filters(request: HttpRequest) -> tuple[EscalationFilterForm, selectors.EscalationFilters]:
    # The action forms post to a URL that keeps the list's query string: after an action the
    # counts follow the same filters, and a plain POST goes back to the same list.
    form = EscalationFilterForm(request.GET or None)
    return form, selectors.EscalationFilters(**form.filters())


def _tabs(form: EscalationFilterForm, filters: selectors.EscalationFilters) -> list[tuple]:
    counts = selectors.escalation_counts(filters=filters)
    return [(value, label, counts[value]) for value, label in form.fields["tab"].choices]


@role_required(Role.MANAGER, Role.ADMIN)
@require_POST
def escalation_action(request: HttpRequest, escalation_id: int, action: str) -> HttpResponse:
    """Acknowledge or resolve one escalation from the list. With htmx its row is shown again
    in place, with the tab counts and what happened; without, the list comes back."""
    if action not in (ACKNOWLEDGE, RESOLVE):
        raise Http404("No such action.")
    escalation = get_object_or_404(Escalation.objects.select_related("case"), pk=escalation_id)
    form = ResolveEscalationForm(request.POST)
    status = 200
    if action == RESOLVE and not form.is_valid():
        errors = " ".join(form.errors["resolution"])
        messages.error(request, _("Check the form: %(errors)s") % {"errors": errors})
        if not request.htmx:
            return _list_page(request, status=422)
        status = 422
    else:
        try:
            messages.success(request, _act(request, escalation, action, form))
        except CaseActionRefused as refused:
            messages.error(request, _refusal(refused, escalation_id, action))
            status = 422
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            status = 422
    if not request.htmx:
        url, query = reverse("escalation-list"), request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    return _row(request, escalation_id, status=status)


def _act(
    request: HttpRequest, escalation: Escalation, action: str, form: ResolveEscalationForm
) -> str:
    """Does the action; returns the success message."""
    if action == ACKNOWLEDGE:
        cases.acknowledge_escalation(escalation=escalation, actor=request.user)
        return _("Escalation of case #%(case)s acknowledged.") % {"case": escalation.case_id}
    cases.resolve_escalation(
        escalation=escalation, actor=request.user, resolution=form.cleaned_data["resolution"]
    )
    return _("Escalation of case #%(case)s resolved.") % {"case": escalation.case_id}


def _refusal(refused: CaseActionRefused, escalation_id: int, action: str) -> str:
    """The service's refusal, with who got there first and when."""
    escalation = Escalation.objects.select_related("acknowledged_by", "resolved_by").get(
        pk=escalation_id
    )
    if action == ACKNOWLEDGE:
        who, when = escalation.acknowledged_by, escalation.acknowledged_at
    else:
        who, when = escalation.resolved_by, escalation.resolved_at
    if when is None:
        return str(refused)
    return _("%(refusal)s By %(who)s, %(when)s.") % {
        "refusal": refused,
        "who": who.name if who else _("a former user"),
        "when": naturaltime(when),
    }


def _row(request: HttpRequest, escalation_id: int, *, status: int) -> HttpResponse:
    escalation = selectors.escalation_row(escalation_id=escalation_id)
    form, filters = _filters(request)
    context = {
        "escalation": escalation,
        "filters": filters,
        "tabs": _tabs(form, filters),
        "now": timezone.now(),
        "swap_oob": True,
    }
    return render(request, f"{PAGE}#action-result", context, status=status)
