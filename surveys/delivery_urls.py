"""The email providers' delivery webhooks: django-anymail's tracking URLs, under /anymail/.

They are served only once ANYMAIL_WEBHOOK_SECRET is set; anymail then checks the basic
auth of every request. Without the secret anyone could report an address as bounced and
stop its surveys, so the URLs answer 404. Inbound mail is not taken: NPS Loop reads none.
"""

from __future__ import annotations

import functools

from anymail.urls import urlpatterns as anymail_urlpatterns
from anymail.utils import get_request_basic_auth
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import URLPattern
from django.utils.crypto import constant_time_compare


def _only_with_secret(view):
    @functools.wraps(view)  # keeps anymail's csrf_exempt and login_not_required marks
    def guarded(request, *args, **kwargs):
        secret = settings.ANYMAIL.get("WEBHOOK_SECRET")
        if not secret:
            raise Http404("Delivery webhooks are off: ANYMAIL_WEBHOOK_SECRET is not set.")
        # anymail checks it too, answering a bare 400; this says 401, as HTTP has it.
        given = get_request_basic_auth(request) or ""
        allowed = [secret] if isinstance(secret, str) else list(secret)
        if request.method == "POST" and not any(
            constant_time_compare(given, each) for each in allowed
        ):
            refused = HttpResponse("Wrong or missing credentials.", status=401)
            refused["WWW-Authenticate"] = 'Basic realm="delivery webhooks"'
            return refused
        return view(request, *args, **kwargs)

    return guarded


app_name = "anymail"
urlpatterns = [
    URLPattern(
        pattern.pattern, _only_with_secret(pattern.callback), pattern.default_args, pattern.name
    )
    for pattern in anymail_urlpatterns
    if isinstance(pattern, URLPattern) and "inbound" not in (pattern.name or "")
]
