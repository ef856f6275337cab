"""The admins' configuration pages in the browser, under /configure/: the business settings
and the themes (`business`), the people and their roles and the API keys (`access`), the CSV
imports (`imports`)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from nps_loop.roles import Role, has_role


def admins_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the sign-in page; signed-in people who are not admins get a 403."""

    @wraps(view)
    @login_required
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not has_role(request.user, Role.ADMIN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded
