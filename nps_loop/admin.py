from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from nps_loop.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("NPS Loop"), {"fields": ("display_name", "language")}),
    )
    list_display = ("username", "email", "display_name", "is_staff", "is_active")
