"""Sign-in lockouts: admins see who django-axes refuses now, and lift a lockout."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from configure import lockouts
from configure.access_forms import LockoutLiftForm
from configure.permissions import admins_only


@admins_only
def lockout_list(request: HttpRequest) -> HttpResponse:
    """The usernames and addresses refused now: failures, since and until when."""
    context = {
        "section": "lockouts",
        "lockouts": lockouts.current_lockouts(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "configure/lockouts.html", context)


@admins_only
@require_POST
def lockout_lift(request: HttpRequest) -> HttpResponse:
    """Lift one lockout: that username, or anyone from that address, may sign in at once."""
    form = LockoutLiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That lockout could not be lifted: reload the page."))
        return redirect("configure-lockouts")
    by, value = form.cleaned_data["by"], form.cleaned_data["value"]
    lockouts.lift_lockout(by=by, value=value, actor=request.user)
    if by == lockouts.BY_USERNAME:
        message = _("The lockout of “%(value)s” is lifted: they can sign in now.")
    else:
        message = _("The lockout of the address %(value)s is lifted: sign-ins from it work now.")
    messages.success(request, message % {"value": value})
    return redirect("configure-lockouts")


urlpatterns = [
    path("lockouts/", lockout_list, name="configure-lockouts"),
    path("lockouts/lift/", lockout_lift, name="configure-lockout-lift"),
]
