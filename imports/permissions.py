from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import Role, has_role
from surveys.models import Integration, IntegrationKind


class CanSyncCustomers(BasePermission):
    """REST API keys (kind `api`) read and write; admins too; managers only read."""

    message = (
        "Accounts and contacts need a REST API key (Authorization: Bearer <key>); signed in, "
        "admins may change them and managers read them."
    )

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, Integration):
            return user.kind == IntegrationKind.API
        roles = (Role.MANAGER, Role.ADMIN) if request.method in SAFE_METHODS else (Role.ADMIN,)
        return bool(user and user.is_authenticated and has_role(user, *roles))
