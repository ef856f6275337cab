from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from nps_loop.models import User
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
