from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from surveys.rate_limits import client_address, exhausted, hit, wrong_api_key_limit
from surveys.services.integrations import integration_for_key


class IntegrationKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>` with a key from `manage.py create_api_key`.

    Wrong keys count against the client's address: past `NPS_API_WRONG_KEY_LIMIT` of them
    in the window, every request from there with a key is refused (429 and Retry-After)
    until the window ends, before its key is even looked at, so guessing keys is hopeless.
    Other addresses, the right key's system among them, are not slowed down.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0] != self.keyword:
            return None
        client = client_address(request)
        wait = exhausted(wrong_api_key_limit(), client=client)
        if wait is not None:
            raise exceptions.Throttled(
                wait=wait, detail=_("Too many requests with a wrong API key from your address.")
            )
        if len(parts) != 2:
            hit(wrong_api_key_limit(), client=client)
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: expected 'Bearer <key>'.")
            )
        integration = integration_for_key(parts[1])
        if integration is None:
            hit(wrong_api_key_limit(), client=client)
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        return (integration, integration)

    def authenticate_header(self, request):
        return self.keyword
