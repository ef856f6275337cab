"""The business settings and the theme taxonomy, edited by admins in the browser.

Every page is for admins only. Each write goes through a service:
`playbooks.services.risk.save_loop_settings` for the settings (it recomputes the cases'
risk scores when their weights change), `surveys.services.themes` for the themes.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.forms import LoopSettingsForm
from core.roles import Role, role_required
from core.services import stored_loop_settings
from playbooks.services.risk import save_loop_settings
from surveys.forms import ThemeForm, TryCommentForm
from surveys.models import Theme
from surveys.services import themes as theme_services
from surveys.services.themes import ThemeEditRefused


@role_required(Role.ADMIN)
def general(request: HttpRequest) -> HttpResponse:
    """Working days and holidays, the fallback owner, SLA hours, Slack and the sender, and
    the rules of who may be surveyed and how long a survey link lasts."""
    row = stored_loop_settings()
    last_saved = row.updated_at  # the form writes what was typed into the row, valid or not
    form = LoopSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        save_loop_settings(**form.cleaned_data)
        messages.success(
            request,
            _("Settings saved. Due dates, reminders and notifications follow them from now on."),
        )
        return redirect("configure-general")
    context = {"form": form, "section": "general", "last_saved": last_saved}
    return render(request, "configure/general.html", context, status=422 if form.errors else 200)


@role_required(Role.ADMIN)
def theme_list(request: HttpRequest) -> HttpResponse:
    """Every theme with its keywords and how many answers carry it, those switched on first."""
    themes = list(
        Theme.objects.annotate(answer_count=Count("responses")).order_by("-active", "name")
    )
    context = {
        "themes": themes,
        "active_count": sum(theme.active for theme in themes),
        "section": "themes",
    }
    return render(request, "configure/themes.html", context)


@role_required(Role.ADMIN)
def theme_new(request: HttpRequest) -> HttpResponse:
    return _theme_page(request, theme=None)


@role_required(Role.ADMIN)
def theme_edit(request: HttpRequest, theme_id: int) -> HttpResponse:
    return _theme_page(request, theme=get_object_or_404(Theme, pk=theme_id))


def _theme_page(request: HttpRequest, *, theme: Theme | None) -> HttpResponse:
    """The theme's form, saved with "Save", or only tried on a comment with "Try"."""
    saved_name = theme.name if theme else ""  # the form writes what was typed into the theme
    form = ThemeForm(request.POST or None, instance=theme)
    trying = request.method == "POST" and request.POST.get("action") == "try"
    try_form = TryCommentForm(request.POST if trying else None)
    trial = None
    if trying:
        if form.is_valid() and try_form.is_valid():
            trial = theme_services.try_tagging(
                comment=try_form.cleaned_data["comment"], theme=form.instance
            )
    elif request.method == "POST" and form.is_valid():
        return _save_theme(request, theme=theme, fields=form.cleaned_data)
    context = {
        "form": form,
        "try_form": try_form,
        "trial": trial,
        "theme": theme,
        "saved_name": saved_name,
        "answer_count": theme.responses.count() if theme else 0,
        "section": "themes",
    }
    status = 422 if form.errors or try_form.errors else 200
    template = "configure/theme_form.html"
    if trying and request.htmx:
        template += "#trial"
    return render(request, template, context, status=status)


def _save_theme(request: HttpRequest, *, theme: Theme | None, fields: dict) -> HttpResponse:
    if theme is None:
        theme = theme_services.create_theme(**fields)
        messages.success(
            request,
            _("Theme “%(name)s” created: new answers that mention its keywords get it.")
            % {"name": theme.name},
        )
    else:
        theme_services.update_theme(theme=theme, **fields)
        messages.success(
            request,
            _("“%(name)s” saved. New answers follow its keywords; answers tagged before keep it.")
            % {"name": theme.name},
        )
    return redirect("configure-themes")


@role_required(Role.ADMIN)
@require_POST
def theme_active(request: HttpRequest, theme_id: int) -> HttpResponse:
    """Switch a theme on or off, then go back to the page the admin came from."""
    theme = get_object_or_404(Theme, pk=theme_id)
    active = request.POST.get("active") == "on"
    theme_services.set_theme_active(theme=theme, active=active)
    if active:
        message = _("“%(name)s” is on: new answers that mention its keywords get it.")
    else:
        message = _("“%(name)s” is off: no new answer gets it, and CSMs no longer pick it.")
    messages.success(request, message % {"name": theme.name})
    if request.POST.get("from") == "edit":
        return redirect("configure-theme-edit", theme_id=theme.pk)
    return redirect("configure-themes")


@role_required(Role.ADMIN)
def theme_delete(request: HttpRequest, theme_id: int) -> HttpResponse:
    """Ask, then delete a theme no answer carries; one in use is switched off instead."""
    theme = get_object_or_404(Theme, pk=theme_id)
    answer_count = theme.responses.count()
    if answer_count:
        messages.error(
            request,
            ngettext(
                "“%(name)s” stays: %(count)d answer carries it. Switch it off instead.",
                "“%(name)s” stays: %(count)d answers carry it. Switch it off instead.",
                answer_count,
            )
            % {"name": theme.name, "count": answer_count},
        )
        return redirect("configure-theme-edit", theme_id=theme.pk)
    if request.method == "POST":
        try:
            theme_services.delete_theme(theme=theme)
        except ThemeEditRefused as refused:
            messages.error(request, str(refused))
            return redirect("configure-theme-edit", theme_id=theme.pk)
        messages.success(request, _("“%(name)s” deleted.") % {"name": theme.name})
        return redirect("configure-themes")
    return render(request, "configure/theme_delete.html", {"theme": theme, "section": "themes"})


urlpatterns = [
    path("general/", general, name="configure-general"),
    path("themes/", theme_list, name="configure-themes"),
    path("themes/new/", theme_new, name="configure-theme-new"),
    path("themes/<int:theme_id>/", theme_edit, name="configure-theme-edit"),
    path("themes/<int:theme_id>/active/", theme_active, name="configure-theme-active"),
    path("themes/<int:theme_id>/delete/", theme_delete, name="configure-theme-delete"),
]
