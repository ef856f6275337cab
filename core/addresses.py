"""The client's IP address, as every limit of NPS Loop counts it: the public survey pages,
wrong API keys and sign-in lockouts (django-axes, through `AXES_CLIENT_IP_CALLABLE`)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the address the trusted proxies saw; None when there is none.

    Behind N reverse proxies (NPS_PUBLIC_TRUSTED_PROXIES = N), REMOTE_ADDR is the last
    proxy's; the client is the N-th address from the right of X-Forwarded-For, the
    first one a trusted proxy wrote (those left of it are whatever the client sent).
    Without trusted proxies the header is ignored: anyone can send it.
    """
    proxies = settings.NPS_PUBLIC_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies and _is_ip(forwarded[-proxies]):
            return forwarded[-proxies]
    remote = request.META.get("REMOTE_ADDR", "")
    return remote if _is_ip(remote) else None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
