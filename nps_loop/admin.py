import datetime as dt

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nps_loop.models import LoopSettings, User
from nps_loop.roles import Role, has_role


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("NPS Loop"), {"fields": ("display_name", "language")}),
    )
    list_display = ("username", "email", "display_name", "is_staff", "is_active")


class AdminRolePermissionsMixin:
    """Lets staff holding the admin role manage the product's data in the Django admin.

    Role groups carry no per-model Django permissions (see `nps_loop.roles`), so
    without this an admin would see an empty admin. Other staff keep whatever
    permissions they were given explicitly. Works on ModelAdmin and inlines.
    """

    def _is_product_admin(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_staff and has_role(user, Role.ADMIN)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_product_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._is_product_admin(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args, **kwargs) -> bool:
        return self._is_product_admin(request) or super().has_add_permission(
            request, *args, **kwargs
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._is_product_admin(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._is_product_admin(request) or super().has_delete_permission(request, obj)


def people_with_a_role() -> QuerySet[User]:
    """Active users who hold a role: the ones a case or a step may be given to."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[role.value for role in Role])
        .distinct()
        .order_by("display_name", "username")
    )


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class HolidaysField(forms.Field):
    """Holidays typed one ISO date per line, stored as a sorted list of ISO strings."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 20})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(day) for day in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            value = "\n".join(str(day) for day in value)
        days, errors = set(), []
        for number, line in enumerate((value or "").splitlines(), start=1):
            text = line.strip()
            if not text:
                continue
            try:
                days.add(dt.date.fromisoformat(text))
            except ValueError:
                errors.append(
                    forms.ValidationError(
                        _("Line %(line)d, “%(text)s”, is not a date: write it as YYYY-MM-DD."),
                        code="invalid_date",
                        params={"line": number, "text": text},
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return [day.isoformat() for day in sorted(days)]


class LoopSettingsForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Due dates and SLAs count only these days."),
        error_messages={
            "required": _("Tick at least one working day: due dates and SLAs count only those."),
            "invalid_choice": _(
                "“%(value)s” is not a day of the week: days go from 0 (Monday) to 6 (Sunday)."
            ),
        },
    )
    holidays = HolidaysField(
        label=_("Holidays"),
        required=False,
        help_text=_(
            "Days off that are not counted as working days, one date per line as YYYY-MM-DD "
            "(e.g. 2025-12-25)."
        ),
    )

    slack_webhook_url = forms.URLField(
        label=_("Slack incoming-webhook URL"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_(
            "An https address from Slack's “Incoming WebHooks” (https://hooks.slack.com/…). "
            "Notifications are also posted there. Empty: email only."
        ),
    )

    class Meta:
        model = LoopSettings
        fields = [
            "working_days",
            "holidays",
            "fallback_owner",
            "sla_reminder_hours",
            "overdue_grace_hours",
            "slack_webhook_url",
            "sender_email",
        ]
        help_texts = {
            "sla_reminder_hours": _(
                "How long before a step is due its assignee gets a reminder email."
            ),
            "overdue_grace_hours": _(
                "How long a required step may stay overdue before the managers get an escalation."
            ),
        }

    def clean_working_days(self) -> list[int]:
        return sorted(set(self.cleaned_data["working_days"]))

    def clean_slack_webhook_url(self) -> str:
        url = self.cleaned_data["slack_webhook_url"]
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError(
                _(
                    "Use the https:// address Slack gives for the incoming webhook: "
                    "notifications are not sent over plain http."
                )
            )
        return url


@admin.register(LoopSettings)
class LoopSettingsAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    """The one settings row: the list goes straight to its page."""

    form = LoopSettingsForm
    fieldsets = (
        (_("Business days"), {"fields": ("working_days", "holidays")}),
        (_("Cases"), {"fields": ("fallback_owner", "sla_reminder_hours", "overdue_grace_hours")}),
        (_("Notifications"), {"fields": ("slack_webhook_url", "sender_email")}),
    )
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Never a second row; the list page creates the first one with its defaults.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "fallback_owner":
            kwargs["queryset"] = people_with_a_role()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row, _created = LoopSettings.objects.get_or_create(pk=1)
        return redirect(reverse("admin:nps_loop_loopsettings_change", args=[row.pk]))
