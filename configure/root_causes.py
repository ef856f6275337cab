"""The root causes cases close with, managed by admins in the browser: causes and their
sub-causes, renamed, archived or restored, deleted while no case names them.

Every page is for admins only; each write goes through `playbooks.services.root_causes`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.roles import Role, role_required
from playbooks.forms import RootCauseForm
from playbooks.models import RootCause
from playbooks.selectors.root_causes import root_cause_tree
from playbooks.services import root_causes as services
from playbooks.services.root_causes import RootCauseEditRefused

SECTION = "root-causes"


@role_required(Role.ADMIN)
def root_cause_list(request: HttpRequest) -> HttpResponse:
    """Every cause with its sub-causes and how many cases name each, those in use first."""
    tree = root_cause_tree()
    context = {
        "tree": tree,
        "in_use_count": sum(entry.cause.active for entry in tree),
        "section": SECTION,
    }
    return render(request, "configure/root_causes.html", context)


@role_required(Role.ADMIN)
def root_cause_new(request: HttpRequest) -> HttpResponse:
    parent = RootCause.objects.filter(pk=_id(request.GET.get("parent")), parent=None).first()
    initial = {"parent": parent.pk} if parent else None
    return _root_cause_page(request, root_cause=None, initial=initial)


@role_required(Role.ADMIN)
def root_cause_edit(request: HttpRequest, root_cause_id: int) -> HttpResponse:
    root_cause = get_object_or_404(RootCause.objects.select_related("parent"), pk=root_cause_id)
    return _root_cause_page(request, root_cause=root_cause)


def _root_cause_page(
    request: HttpRequest, *, root_cause: RootCause | None, initial: dict | None = None
) -> HttpResponse:
    saved_label = root_cause.label if root_cause else ""  # the form writes into the instance
    form = RootCauseForm(request.POST or None, instance=root_cause, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {
            name: form.cleaned_data[name]
            for name in ("name", "name_fr", "parent", "counts_as_issue")
        }
        if root_cause is None:
            created = services.create_root_cause(**fields)
            messages.success(
                request,
                _("“%(name)s” created: CSMs may close cases with it now.")
                % {"name": created.label},
            )
        else:
            services.update_root_cause(root_cause=root_cause, **fields)
            messages.success(
                request,
                _("“%(name)s” saved. The cases that name it follow.") % {"name": root_cause.label},
            )
        return redirect("configure-root-causes")
    context = {
        "form": form,
        "root_cause": root_cause,
        "saved_label": saved_label,
        "case_count": root_cause.cases.count() if root_cause else 0,
        "sub_cause_count": root_cause.children.count() if root_cause else 0,
        "section": SECTION,
    }
    status = 422 if form.errors else 200
    return render(request, "configure/root_cause_form.html", context, status=status)


@role_required(Role.ADMIN)
@require_POST
def root_cause_active(request: HttpRequest, root_cause_id: int) -> HttpResponse:
    """Archive a root cause or bring it back, then go back to the page the admin came from."""
    root_cause = get_object_or_404(RootCause.objects.select_related("parent"), pk=root_cause_id)
    active = request.POST.get("active") == "on"
    services.set_root_cause_active(root_cause=root_cause, active=active)
    if active:
        message = _("“%(name)s” is back: CSMs may close cases with it again.")
    else:
        message = _(
            "“%(name)s” is archived: no case closes with it any more; the cases that name it "
            "keep it."
        )
    messages.success(request, message % {"name": root_cause.label})
    if request.POST.get("from") == "edit":
        return redirect("configure-root-cause-edit", root_cause_id=root_cause.pk)
    return redirect("configure-root-causes")


@role_required(Role.ADMIN)
def root_cause_delete(request: HttpRequest, root_cause_id: int) -> HttpResponse:
    """Ask, then delete a root cause no case names; one in use is archived instead."""
    root_cause = get_object_or_404(RootCause.objects.select_related("parent"), pk=root_cause_id)
    case_count = root_cause.cases.count()
    if case_count:
        messages.error(
            request,
            ngettext(
                "“%(name)s” stays: %(count)d case names it. Archive it instead.",
                "“%(name)s” stays: %(count)d cases name it. Archive it instead.",
                case_count,
            )
            % {"name": root_cause.label, "count": case_count},
        )
        return redirect("configure-root-cause-edit", root_cause_id=root_cause.pk)
    if request.method == "POST":
        try:
            services.delete_root_cause(root_cause=root_cause)
        except RootCauseEditRefused as refused:
            messages.error(request, str(refused))
            return redirect("configure-root-cause-edit", root_cause_id=root_cause.pk)
        messages.success(request, _("“%(name)s” deleted.") % {"name": root_cause.label})
        return redirect("configure-root-causes")
    context = {"root_cause": root_cause, "section": SECTION}
    return render(request, "configure/root_cause_delete.html", context)


def _id(value: str | None) -> int:
    return int(value) if value and value.isdecimal() and len(value) < 12 else 0


urlpatterns = [
    path("root-causes/", root_cause_list, name="configure-root-causes"),
    path("root-causes/new/", root_cause_new, name="configure-root-cause-new"),
    path("root-causes/<int:root_cause_id>/", root_cause_edit, name="configure-root-cause-edit"),
    path(
        "root-causes/<int:root_cause_id>/active/",
        root_cause_active,
        name="configure-root-cause-active",
    ),
    path(
        "root-causes/<int:root_cause_id>/delete/",
        root_cause_delete,
        name="configure-root-cause-delete",
    ),
]
