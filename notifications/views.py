"""The bell's list, opening a notification, and one's profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import get_language_from_request
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors, services
from notifications.forms import ProfileForm
from notifications.models import Notification

PAGE_SIZE = 25


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """What the signed-in person was told, the newest first, the unread marked."""
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go where it points; someone else's is a 404."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    services.mark_read(notification=notification)
    if not services.is_local_path(notification.target_url):
        return redirect("notification-list")
    return redirect(notification.target_url)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Everything under the bell is read."""
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    else:
        messages.info(request, _("There was nothing unread."))
    return redirect("notification-list")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """One's interface language, and which notifications come by email too."""
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            with transaction.atomic():
                form.save()
                services.save_email_choices(
                    user=request.user, emailed_kinds=form.cleaned_data["emailed_kinds"]
                )
            translation.activate(request.user.language or get_language_from_request(request))
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
        messages.error(request, _("The profile was not saved: check the fields below."))
        return render(request, "notifications/profile.html", {"form": form}, status=422)
    else:
        form = ProfileForm(
            instance=request.user,
            initial={"emailed_kinds": sorted(selectors.emailed_kinds(request.user))},
        )
    return render(request, "notifications/profile.html", {"form": form})
