import re

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_request, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from core.forms import LanguageForm
from core.models import LoopSettings
from core.roles import Role, has_role


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where signing in leads when no page was asked for: each role to its workspace (a
    CSM to their day on the home page)."""
    if has_role(request.user, Role.ADMIN):
        return redirect("playbook-list")
    if has_role(request.user, Role.MANAGER):
        return redirect("dashboard")
    return redirect("home")


@login_required
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """Save the interface language in the person's profile, then go back where they were."""
    form = LanguageForm(request.POST, instance=request.user)
    if form.is_valid():
        form.save()
        translation.activate(request.user.language or get_language_from_request(request))
        messages.success(request, _("The interface language is saved in your profile."))
    else:
        messages.error(request, _("That language is not available."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("home")
    return redirect(back)


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """Sign in on the product's page; a signed-in person without admin access sees why."""
    if request.user.is_authenticated:
        return admin.site.login(request)
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """The sign-in page again, saying why it refuses (django-axes' AXES_LOCKOUT_CALLABLE).

    It answers 429 whether the password was right or not, so that trying tells nothing.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "lockout_message": ngettext(
            "Too many failed sign-in attempts for this username or from your address. "
            "Signing in is blocked for %(minutes)d minute, even with the right password.",
            "Too many failed sign-in attempts for this username or from your address. "
            "Signing in is blocked for %(minutes)d minutes, even with the right password.",
            minutes,
        )
        % {"minutes": minutes},
    }
    return render(request, "registration/login.html", context, status=429)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


HEX_DIGITS = re.compile(r"[0-9a-f]{6}")
# Email clients and their image proxies fetch the logo without cookies, from anywhere.
LOGO_CACHE_SECONDS = 24 * 3600


@require_safe
def brand_logo(request: HttpRequest, name: str) -> HttpResponse:
    """The logo of the survey emails and pages, as the PNG or JPEG image it was checked to be.

    `name` only busts caches: an email sent before the logo changed shows the new one.
    """
    row = LoopSettings.current()
    kind = row.brand_logo.name.rsplit(".", 1)[-1] if row.brand_logo else ""
    content_type = {"png": "image/png", "jpg": "image/jpeg"}.get(kind)
    if content_type is None:
        raise Http404("No logo.")
    try:
        with default_storage.open(row.brand_logo.name) as logo:
            content = logo.read()
    except FileNotFoundError:
        raise Http404("No logo.") from None
    response = HttpResponse(content, content_type=content_type)
    response.headers["Content-Disposition"] = f'inline; filename="logo.{kind}"'
    response.headers["Cache-Control"] = f"public, max-age={LOGO_CACHE_SECONDS}"
    return response


@require_safe
def brand_colour_css(request: HttpRequest, colour: str) -> HttpResponse:
    """The brand colour of the survey pages as a stylesheet: the pages' policy allows no
    inline style. The colour is in the address, so the file never changes."""
    if not HEX_DIGITS.fullmatch(colour):
        raise Http404("Not a colour.")
    css = f".survey-page {{ --survey-brand: #{colour}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
