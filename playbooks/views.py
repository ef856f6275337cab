"""Pages of the CSM workspace: the queue of cases and the case page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from nps_loop.roles import Role, has_role
from playbooks import selectors
from playbooks.forms import QueueFilterForm

QUEUE_PAGE_SIZE = 25


@login_required
def case_queue(request: HttpRequest) -> HttpResponse:
    """The cases that need action, the reader's own first; filters, search and counts."""
    if not has_role(request.user, Role.CSM, Role.MANAGER, Role.ADMIN):
        raise PermissionDenied
    form = QueueFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    now = timezone.now()
    cases = selectors.queue_for(user=request.user, filters=filters, now=now)
    page = Paginator(cases, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "counts": selectors.queue_counts(user=request.user, filters=filters, now=now),
        "now": now,
        "today": timezone.localdate(now),
    }
    template = "playbooks/queue.html#results" if request.htmx else "playbooks/queue.html"
    return render(request, template, context)


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case: the answer, the 360° view, the steps, the action plan and the timeline.

    A case the reader may not see is a 404, as if it did not exist.
    """
    if not has_role(request.user, Role.CSM, Role.MANAGER, Role.ADMIN):
        raise PermissionDenied
    now = timezone.now()
    page = selectors.case_page(user=request.user, case_id=case_id, now=now)
    if page is None:
        raise Http404("No such case.")
    context = {"page": page, "case": page.case, "now": now, "today": timezone.localdate(now)}
    return render(request, "playbooks/case.html", context)
