"""A person's "My tasks": the promises of action plans they own, and the steps they hold."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.roles import Role, role_required
from playbooks import selectors
from playbooks.forms import ActionStatusForm
from playbooks.models import ActionStatus
from playbooks.services import cases
from playbooks.services.cases import CaseActionRefused
from playbooks.transitions import TransitionNotAllowed

TASKS_PAGE_SIZE = 50


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The signed-in person's open tasks across cases, late and soonest first."""
    tasks = selectors.tasks_of(user=request.user, today=timezone.localdate())
    context = {
        "tasks": tasks,
        "page": Paginator(tasks.open, TASKS_PAGE_SIZE).get_page(request.GET.get("page")),
        "status_choices": ActionStatus.choices,
    }
    return render(request, "playbooks/tasks.html", context)


@role_required(Role.CSM, Role.MANAGER, Role.ADMIN)
@require_POST
def task_status(request: HttpRequest, item_id: int) -> HttpResponse:
    """Move one of the person's action items (in progress, done, cancelled) from their tasks."""
    item = selectors.task_item(user=request.user, item_id=item_id)
    if item is None:
        raise Http404("No such action.")
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what the action becomes: in progress, done, cancelled."))
        return redirect(reverse("my-tasks"))
    try:
        item = cases.set_action_item_status(
            item=item, actor=request.user, status=form.cleaned_data["status"]
        )
    except (CaseActionRefused, TransitionNotAllowed, ValidationError) as refused:
        text = " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)
        messages.error(request, text)
    else:
        messages.success(
            request,
            _("'%(item)s' is now %(status)s.")
            % {"item": item.text, "status": item.get_status_display().lower()},
        )
    return redirect(reverse("my-tasks"))
