from core.roles import Role
from surveys.models import Integration, IntegrationKind
from surveys.permissions import CanReadNps, IsApiClient, IsIntegrationOrRole


class CanReadCases(IsIntegrationOrRole):
    """REST API keys (BI tools, the team's scripts) and every role; which cases a person then
    sees is the selectors' business (a CSM sees their own). Survey-tool webhook keys may not:
    they live in third-party tools, and cases hold comments and ARR."""

    roles = (Role.CSM, Role.MANAGER, Role.ADMIN)
    message = "Reading cases needs a REST API key or a CSM, manager or admin role."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, Integration) and user.kind != IntegrationKind.API:
            return False
        return super().has_permission(request, view)


class CanEraseContacts(IsApiClient):
    """Erasing a person: REST API keys (the team's own scripts, a privacy tool) and signed-in
    admins. Survey-tool webhook keys and the other roles may not."""

    roles = (Role.ADMIN,)
    message = "Erasing a person needs a REST API key or the admin role."


class CanReadRecurringIssues(CanReadNps):
    """The recurring issues, as the NPS: REST API keys, managers and admins. Not CSMs, whose
    reach is their own accounts, nor survey-tool keys."""

    message = "Reading the recurring issues needs a REST API key or a manager or admin role."
