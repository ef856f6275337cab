"""The playbook editor: admins shape the follow-up process without a developer.

Changes apply to the cases opened afterwards; running cases keep the steps they copied.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.roles import Role, role_required
from playbooks.defaults import in_reader_language
from playbooks.forms import PlaybookForm, PreviewForm, StepForm
from playbooks.models import Playbook, PlaybookStep, StepKind
from playbooks.selectors import playbooks as selectors
from playbooks.services import playbooks as services
from playbooks.services.playbooks import PlaybookEditRefused


@role_required(Role.ADMIN)
def playbook_list(request: HttpRequest) -> HttpResponse:
    """The playbooks, what their triggers leave uncovered, and a preview for a sample answer."""
    preview_form = PreviewForm(request.GET if "score" in request.GET else None)
    preview = None
    if preview_form.is_valid():
        data = preview_form.cleaned_data
        preview = selectors.preview(
            score=data["score"], segment=data["segment"], tier=data["tier"], arr=data["arr"]
        )
    context = {
        "playbooks": selectors.playbook_list(),
        "coverage": selectors.coverage(),
        "category_groups": {
            "detractor": _("detractors"),
            "passive": _("passives"),
            "promoter": _("promoters"),
        },
        "preview_form": preview_form,
        "preview": preview,
    }
    if request.htmx and "score" in request.GET:
        return render(request, "playbooks/editor/list.html#preview", context)
    return render(request, "playbooks/editor/list.html", context)


@role_required(Role.ADMIN)
def playbook_new(request: HttpRequest) -> HttpResponse:
    form = PlaybookForm(request.POST or None, initial={"active": False, "for_detractors": True})
    if request.method == "POST" and form.is_valid():
        playbook = services.save_playbook(playbook=form.save(commit=False))
        messages.success(request, _("Playbook created: now add its steps."))
        return redirect("playbook-edit", playbook_id=playbook.pk)
    return render(
        request,
        "playbooks/editor/playbook.html",
        {"form": form, "playbook": None},
        status=422 if form.errors else 200,
    )


@role_required(Role.ADMIN)
def playbook_edit(request: HttpRequest, playbook_id: int) -> HttpResponse:
    """The playbook's trigger (saved here) and its steps (each edited on its own page)."""
    playbook = selectors.playbook_with_steps(playbook_id=playbook_id)
    if playbook is None:
        raise Http404("No such playbook.")
    form = PlaybookForm(request.POST or None, instance=playbook)
    if request.method == "POST" and form.is_valid():
        services.save_playbook(playbook=form.save(commit=False))
        messages.success(request, _("Trigger saved. New answers follow it from now on."))
        return redirect("playbook-edit", playbook_id=playbook.pk)
    return render(
        request,
        "playbooks/editor/playbook.html",
        {"form": form, "playbook": playbook, "steps": list(playbook.steps.all())},
        status=422 if form.errors else 200,
    )


@role_required(Role.ADMIN)
@require_POST
def playbook_action(request: HttpRequest, playbook_id: int, action: str) -> HttpResponse:
    """Duplicate, activate, deactivate or delete a playbook."""
    playbook = get_object_or_404(Playbook, pk=playbook_id)
    back = (
        redirect("playbook-edit", playbook_id=playbook.pk)
        if request.POST.get("from") == "edit"
        else redirect("playbook-list")
    )
    try:
        if action == "duplicate":
            copy = services.duplicate_playbook(playbook=playbook)
            messages.success(
                request, _("Copied as “%(name)s”, switched off.") % {"name": copy.name}
            )
            return redirect("playbook-edit", playbook_id=copy.pk)
        if action in ("activate", "deactivate"):
            services.set_playbook_active(playbook=playbook, active=action == "activate")
            messages.success(request, _state_message(playbook))
        elif action == "delete":
            name = playbook.name
            services.delete_playbook(playbook=playbook)
            messages.success(request, _("“%(name)s” deleted.") % {"name": name})
            return redirect("playbook-list")
        else:
            raise Http404("No such action.")
    except PlaybookEditRefused as refused:
        messages.error(request, str(refused))
    return back


def _state_message(playbook: Playbook) -> str:
    if playbook.active:
        return _("“%(name)s” is on: it opens cases for new answers.") % {"name": playbook.name}
    return _("“%(name)s” is off: it opens no more cases; running ones go on.") % {
        "name": playbook.name
    }


@role_required(Role.ADMIN)
def step_form(request: HttpRequest, playbook_id: int, step_id: int | None = None) -> HttpResponse:
    """Add a step at the end of the playbook, or change one."""
    playbook = get_object_or_404(Playbook, pk=playbook_id)
    step = get_object_or_404(PlaybookStep, pk=step_id, playbook=playbook) if step_id else None
    form = StepForm(
        request.POST or None, instance=step, initial=None if step else {"kind": StepKind.TASK}
    )
    if request.method == "POST" and form.is_valid():
        if step is None:
            services.add_step(playbook=playbook, step=form.save(commit=False))
            messages.success(request, _("Step added at the end of the playbook."))
        else:
            try:
                services.update_step(step=step, fields=form.step_fields())
            except PlaybookEditRefused as refused:
                messages.error(request, str(refused))
            else:
                messages.success(request, _("Step saved."))
        return redirect("playbook-edit", playbook_id=playbook.pk)
    context = {
        "form": form,
        "playbook": playbook,
        "step": step,
        "kinds_with_settings": list(StepForm.SETTINGS),
    }
    return render(
        request, "playbooks/editor/step.html", context, status=422 if form.errors else 200
    )


@role_required(Role.ADMIN)
@require_POST
def step_action(request: HttpRequest, playbook_id: int, step_id: int, action: str) -> HttpResponse:
    """Move a step up or down, or remove it."""
    step = get_object_or_404(PlaybookStep, pk=step_id, playbook_id=playbook_id)
    if action in ("up", "down"):
        services.move_step(step=step, offset=-1 if action == "up" else 1)
    elif action == "remove":
        services.remove_step(step=step)
        messages.success(
            request, _("Step “%(title)s” removed.") % {"title": in_reader_language(step.title)}
        )
    else:
        raise Http404("No such action.")
    edit = reverse("playbook-edit", args=[playbook_id])
    return redirect(edit if action == "remove" else f"{edit}#step-{step_id}")
