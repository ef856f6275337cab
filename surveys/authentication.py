from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from surveys.services.integrations import integration_for_key


class IntegrationKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>` with a key from `manage.py create_api_key`."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0] != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: expected 'Bearer <key>'.")
            )
        integration = integration_for_key(parts[1])
        if integration is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        return (integration, integration)

    def authenticate_header(self, request):
        return self.keyword
