from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from core.resilient_cache import cache_get_many
from surveys.rate_limits import client_address, hit, window, wrong_api_key_limit
from surveys.services.integrations import (
    KEYS_VERSION,
    integration_for_key,
    keys_version_or_start,
)


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
        limit = wrong_api_key_limit()
        # The address's wrong keys and the keys version, in one round trip to the cache.
        counter, wait = window(limit, client)
        cached = cache_get_many([counter, KEYS_VERSION])
        if (cached.get(counter) or 0) >= limit.requests:
            raise exceptions.Throttled(
                wait=wait, detail=_("Too many requests with a wrong API key from your address.")
            )
        if len(parts) != 2:
            hit(limit, client=client)
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: expected 'Bearer <key>'.")
            )
        integration = integration_for_key(
            parts[1], keys_version=keys_version_or_start(cached.get(KEYS_VERSION))
        )
        if integration is None:
            hit(limit, client=client)
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        return (integration, integration)

    def authenticate_header(self, request):
        return self.keyword
