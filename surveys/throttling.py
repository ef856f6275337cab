"""The REST API's rate limit: requests a minute per API key, person or client address."""

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from surveys.models import Integration
from surveys.rate_limits import api_limit, client_address, hit


def _client(request: Request) -> str:
    """Whom the limit counts: the key, else the signed-in person, else the address."""
    if isinstance(request.auth, Integration):
        return f"key:{request.auth.pk}"
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{client_address(request)}"


class ApiRateThrottle(BaseThrottle):
    """At most NPS_API_RATE_PER_MINUTE requests a minute per client; 0 turns it off.

    Over it, DRF answers 429 with `Retry-After`, in the API's error shape."""

    retry_after: int | None = None

    def allow_request(self, request: Request, view) -> bool:
        limit = api_limit()
        if limit.requests <= 0:
            return True
        self.retry_after = hit(limit, client=_client(request))
        return self.retry_after is None

    def wait(self) -> int | None:
        return self.retry_after
