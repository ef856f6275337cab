from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.forms import LoopSettingsForm
from core.models import LoopSettings, User
from core.roles import Role, has_role
from core.services import update_loop_settings


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("NPS Loop"), {"fields": ("display_name", "language")}),
    )
    list_display = ("username", "email", "display_name", "is_staff", "is_active")

    # People are added, changed and deactivated on the configuration pages, whose services
    # keep the rules (a role each, never the last admin, nobody deleted); here they are shown.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AdminRolePermissionsMixin:
    """Lets staff holding the admin role manage the product's data in the Django admin.

    Role groups carry no per-model Django permissions (see `core.roles`), so
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


@admin.register(LoopSettings)
class LoopSettingsAdmin(AdminRolePermissionsMixin, admin.ModelAdmin):
    """The one settings row: the list goes straight to its page."""

    form = LoopSettingsForm
    fieldsets = (
        (_("Business days"), {"fields": ("working_days", "holidays")}),
        (
            _("Cases"),
            {
                "fields": (
                    "fallback_owner",
                    "sla_reminder_hours",
                    "overdue_grace_hours",
                    "case_window_days",
                )
            },
        ),
        (_("Notifications"), {"fields": ("slack_webhook_url", "sender_email")}),
        (
            _("Surveys"),
            {
                "fields": (
                    "survey_throttle_days",
                    "account_survey_quota",
                    "account_quota_days",
                    "survey_link_days",
                )
            },
        ),
    )
    readonly_fields = ("updated_at",)

    def save_model(self, request: HttpRequest, obj: LoopSettings, form, change: bool) -> None:
        saved = update_loop_settings(**form.cleaned_data)
        obj.updated_at = saved.updated_at

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Never a second row; the list page creates the first one with its defaults.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row, _created = LoopSettings.objects.get_or_create(pk=1)
        return redirect(reverse("admin:nps_loop_loopsettings_change", args=[row.pk]))
