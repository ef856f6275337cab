from rest_framework.permissions import BasePermission

from core.roles import Role, has_role
from surveys.models import Integration, IntegrationKind


class IsApiClient(BasePermission):
    """An API key of kind 'api', or a signed-in person holding one of `roles`."""

    roles: tuple[Role, ...] = (Role.ADMIN,)
    message = "This endpoint needs an API key (Authorization: Bearer <key>)."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, Integration):
            return user.kind == IntegrationKind.API
        return bool(user and user.is_authenticated and has_role(user, *self.roles))


class CanSendAnswers(IsApiClient):
    roles = (Role.ADMIN,)


class CanReadNps(IsApiClient):
    roles = (Role.MANAGER, Role.ADMIN)


class IsIntegrationOrRole(BasePermission):
    """Any active integration's key, whatever its kind, or a signed-in person holding `roles`."""

    roles: tuple[Role, ...] = (Role.CSM, Role.MANAGER, Role.ADMIN)
    message = "This endpoint needs an API key (Authorization: Bearer <key>) or a role."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, Integration):
            return user.is_active
        return bool(user and user.is_authenticated and has_role(user, *self.roles))


class CanReadSuppressions(IsIntegrationOrRole):
    """Survey tools check a person before they send; anyone with a role may look too."""

    roles = (Role.CSM, Role.MANAGER, Role.ADMIN)
    message = "Reading suppressions needs an API key or a role in NPS Loop."
