"""Who may sign in and with which role, and which systems may send answers: admins manage
people and API keys here. Superusers keep the Django admin besides."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from configure import people
from configure.access_forms import (
    BY_EMAIL,
    IntegrationForm,
    PersonCreateForm,
    PersonEditForm,
    PersonFilterForm,
)
from configure.permissions import admins_only
from core.models import User
from core.roles import Role
from surveys.models import Integration
from surveys.services.integrations import create_integration, revoke_integration, webhook_url

PEOPLE_PAGE_SIZE = 50


# --- people -----------------------------------------------------------------------------


@admins_only
def person_list(request: HttpRequest) -> HttpResponse:
    """Everyone who may sign in: role, language, active or not, last sign-in."""
    form = PersonFilterForm(request.GET or None)
    filters = form.filters()
    found = people.people(filters=filters)
    context = {
        "section": "users",
        "form": form,
        "filters": filters,
        "page": Paginator(found, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "configure/users.html", context)


@admins_only
@sensitive_post_parameters("password", "password_again")
def person_new(request: HttpRequest) -> HttpResponse:
    """Add a person with a role, who gets a link to choose their password or one set here."""
    form = PersonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = people.invite_person(
                username=data["username"],
                email=data["email"],
                role=Role(data["role"]),
                display_name=data["display_name"],
                language=data["language"],
                password=data["password"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if data["access"] == BY_EMAIL:
                _invite(request, person, added=True)
            else:
                messages.success(
                    request,
                    _("%(name)s is added and can sign in with the password you set.")
                    % {"name": person.name},
                )
            return redirect("configure-users")
    context = {"section": "users", "form": form, "person": None}
    return render(request, "configure/user_form.html", context, status=422 if form.errors else 200)


@admins_only
def person_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    """A person's name, email, language and role; their access, and their open cases."""
    person = get_object_or_404(User.objects.prefetch_related("groups"), pk=user_id)
    form = PersonEditForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            people.update_person(
                person=person,
                actor=request.user,
                role=Role(data["role"]),
                email=data["email"],
                display_name=data["display_name"],
                language=data["language"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            person.refresh_from_db()  # the page shows what is saved, not what was refused
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": person.name})
            return redirect("configure-users")
    context = {
        "section": "users",
        "form": form,
        "person": person,
        "open_cases": people.open_case_count(person=person),
        "invitation_days": people.invitation_days(),
    }
    return render(request, "configure/user_form.html", context, status=422 if form.errors else 200)


@admins_only
@require_POST
def person_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate a person (they cannot sign in; their cases stay theirs), or reactivate them."""
    person = get_object_or_404(User, pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        people.set_person_active(person=person, actor=request.user, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("configure-user-edit", user_id=person.pk)
    if active:
        messages.success(request, _("%(name)s can sign in again.") % {"name": person.name})
    elif open_cases := people.open_case_count(person=person):
        messages.warning(
            request,
            ngettext(
                "%(name)s is deactivated and can no longer sign in. They still own %(count)d "
                "open case: reassign it from the queue.",
                "%(name)s is deactivated and can no longer sign in. They still own %(count)d "
                "open cases: reassign them from the queue.",
                open_cases,
            )
            % {"name": person.name, "count": open_cases},
        )
    else:
        messages.success(
            request, _("%(name)s is deactivated and can no longer sign in.") % {"name": person.name}
        )
    return redirect("configure-user-edit", user_id=person.pk)


@admins_only
@require_POST
def person_invite(request: HttpRequest, user_id: int) -> HttpResponse:
    """Email a person a new link to choose their password."""
    person = get_object_or_404(User, pk=user_id)
    _invite(request, person, added=False)
    return redirect("configure-user-edit", user_id=person.pk)


def _invite(request: HttpRequest, person: User, *, added: bool) -> None:
    """Send the password link and say how it went."""
    try:
        people.send_invitation(person=person)
    except people.InvitationNotSent as error:
        problem = (
            _("%(name)s is added, but the email could not be sent: %(error)s")
            if added
            else _("The email could not be sent: %(error)s")
        )
        messages.error(request, problem % {"name": person.name, "error": error})
        return
    sent = (
        _("%(name)s is added. A link to choose a password is on its way to %(email)s.")
        if added
        else _("A link to choose a password is on its way to %(email)s.")
    )
    messages.success(request, sent % {"name": person.name, "email": person.email})


# --- API keys ---------------------------------------------------------------------------


@admins_only
def api_key_list(request: HttpRequest) -> HttpResponse:
    """The API clients and webhooks allowed to send answers, active ones first."""
    integrations = Integration.objects.order_by(F("revoked_at").desc(nulls_first=True), "name")
    context = {"section": "api-keys", "integrations": integrations}
    return render(request, "configure/api_keys.html", context)


@admins_only
@sensitive_post_parameters("signing_secret")
@sensitive_variables("new", "url_key", "context")
def api_key_new(request: HttpRequest) -> HttpResponse:
    """Create a key and show it, once, in the answer to the POST itself."""
    form = IntegrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = create_integration(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            integration = new.integration
            # The key lives in this response only: no redirect, no session, no message,
            # and no copy kept by the browser's cache or a proxy.
            url_key = "" if integration.signing_secret else new.key
            context = {
                "section": "api-keys",
                "integration": integration,
                "key": new.key,
                "webhook_url": webhook_url(kind=integration.kind, key=url_key),
            }
            response = render(request, "configure/api_key_created.html", context)
            add_never_cache_headers(response)
            return response
    context = {"section": "api-keys", "form": form}
    return render(
        request, "configure/api_key_form.html", context, status=422 if form.errors else 200
    )


@admins_only
def api_key_revoke(request: HttpRequest, integration_id: int) -> HttpResponse:
    """Ask to confirm, then refuse the key (and the webhook's signatures) from now on."""
    integration = get_object_or_404(Integration, pk=integration_id)
    if request.method != "POST":
        context = {"section": "api-keys", "integration": integration}
        return render(request, "configure/api_key_revoke.html", context)
    if integration.is_active:
        revoke_integration(integration=integration)
        messages.success(
            request,
            _("“%(name)s” is revoked: what it sends is refused from now on.")
            % {"name": integration.name},
        )
    else:
        messages.info(request, _("“%(name)s” was already revoked.") % {"name": integration.name})
    return redirect("configure-api-keys")


urlpatterns = [
    path("users/", person_list, name="configure-users"),
    path("users/new/", person_new, name="configure-user-new"),
    path("users/<int:user_id>/", person_edit, name="configure-user-edit"),
    path("users/<int:user_id>/access/", person_set_active, name="configure-user-active"),
    path("users/<int:user_id>/invite/", person_invite, name="configure-user-invite"),
    path("api-keys/", api_key_list, name="configure-api-keys"),
    path("api-keys/new/", api_key_new, name="configure-api-key-new"),
    path("api-keys/<int:integration_id>/revoke/", api_key_revoke, name="configure-api-key-revoke"),
]
