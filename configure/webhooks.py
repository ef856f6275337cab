"""Outbound webhooks: admins add the URLs that receive NPS Loop's events, see each endpoint's
delivery log, send a test, replay a delivery, switch an endpoint off and on, remove it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from configure.permissions import admins_only
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.selectors import delivery_log, endpoints_with_counts
from webhooks.services.endpoints import (
    add_endpoint,
    delete_endpoint,
    disable_endpoint,
    enable_endpoint,
)
from webhooks.services.sending import replay, send_test

DELIVERIES_PER_PAGE = 25
EVENT_CHOICES = [(name, f"{name} — {label}") for name, label in EVENT_TYPES.items()]


class EndpointForm(forms.Form):
    """A new endpoint: where to send, and which events."""

    url = forms.CharField(
        label=gettext_lazy("URL"),
        max_length=2000,
        help_text=gettext_lazy(
            "Where NPS Loop posts the events, e.g. https://crm.example.com/hooks/nps."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy(
                "Tick at least one event: the endpoint is sent only the events ticked."
            )
        },
    )


class TestForm(forms.Form):
    event_type = forms.ChoiceField(choices=EVENT_CHOICES)


@admins_only
def webhook_list(request: HttpRequest) -> HttpResponse:
    """Every endpoint, with its events and how its deliveries fare."""
    context = {"section": "webhooks", "endpoints": endpoints_with_counts()}
    return render(request, "configure/webhooks.html", context)


@admins_only
def webhook_new(request: HttpRequest) -> HttpResponse:
    """Add an endpoint and show its signing secret, once, in the answer to the POST."""
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = add_endpoint(**form.cleaned_data, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The secret lives in this response only: no redirect, no session, no cache.
            context = {"section": "webhooks", "endpoint": endpoint}
            response = render(request, "configure/webhook_created.html", context)
            add_never_cache_headers(response)
            return response
    context = {"section": "webhooks", "form": form}
    return render(
        request, "configure/webhook_form.html", context, status=422 if form.errors else 200
    )


@admins_only
def webhook_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """The endpoint, its delivery log (newest first, paginated) and what can be done."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    page = Paginator(delivery_log(endpoint=endpoint), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "section": "webhooks",
        "endpoint": endpoint,
        "page": page,
        "event_choices": [(name, EVENT_TYPES[name]) for name in endpoint.event_types],
    }
    return render(request, "configure/webhook_detail.html", context)


@admins_only
@require_POST
def webhook_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Send a sample event, with exactly the shape of a real one, to this endpoint alone."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    form = TestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an event to send as a test."))
    else:
        send_test(endpoint=endpoint, event_type=form.cleaned_data["event_type"])
        messages.success(
            request,
            _("A test %(event)s is on its way: its attempt shows below in a few seconds.")
            % {"event": form.cleaned_data["event_type"]},
        )
    return redirect("configure-webhook", endpoint.pk)


@admins_only
@require_POST
def webhook_replay(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    """Send one delivery again, whatever became of it."""
    delivery = get_object_or_404(Delivery, pk=delivery_id, endpoint_id=endpoint_id)
    replay(delivery=delivery)
    messages.success(request, _("The delivery is sent again: its attempt shows below shortly."))
    return redirect("configure-webhook", endpoint_id)


@admins_only
@require_POST
def webhook_switch(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Disable the endpoint, or enable it again."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    if endpoint.enabled:
        disable_endpoint(endpoint=endpoint)
        messages.success(request, _("The endpoint is disabled: no event is sent to it."))
    else:
        enable_endpoint(endpoint=endpoint)
        messages.success(request, _("The endpoint is enabled: new events are sent to it."))
    return redirect("configure-webhook", endpoint.pk)


@admins_only
def webhook_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Ask to confirm, then remove the endpoint and its delivery log."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    if request.method == "POST":
        delete_endpoint(endpoint=endpoint)
        messages.success(request, _("The endpoint %(url)s is removed.") % {"url": endpoint.url})
        return redirect("configure-webhooks")
    return render(
        request, "configure/webhook_delete.html", {"section": "webhooks", "endpoint": endpoint}
    )


urlpatterns = [
    path("webhooks/", webhook_list, name="configure-webhooks"),
    path("webhooks/new/", webhook_new, name="configure-webhook-new"),
    path("webhooks/<int:endpoint_id>/", webhook_detail, name="configure-webhook"),
    path("webhooks/<int:endpoint_id>/test/", webhook_test, name="configure-webhook-test"),
    path("webhooks/<int:endpoint_id>/switch/", webhook_switch, name="configure-webhook-switch"),
    path("webhooks/<int:endpoint_id>/delete/", webhook_delete, name="configure-webhook-delete"),
    path(
        "webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/replay/",
        webhook_replay,
        name="configure-webhook-replay",
    ),
]
