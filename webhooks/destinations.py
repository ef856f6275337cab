"""Where webhooks may go: never to this machine or the private network it sits in (SSRF),
unless NPS_WEBHOOKS_ALLOW_PRIVATE says the receivers are on premises (and in tests).

Checked when an endpoint is added and again before every attempt: a name that resolved to
a public address yesterday may resolve to 127.0.0.1 today (DNS rebinding)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeDestination(Exception):  # noqa: N818 - a refusal, not an error
    """The URL must not receive webhooks (its message says why, for people)."""


class UnresolvableHost(Exception):  # noqa: N818 - may be transient: retried at delivery
    """The URL's host name resolves to no address (now)."""


def check_destination(url: str) -> None:
    """Raise `UnsafeDestination` for a URL that is not http(s), or whose host resolves to a
    private, loopback, link-local or reserved address (unless allowed), and
    `UnresolvableHost` for one that resolves to nothing."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestination(_("Give an http:// or https:// URL with a host name."))
    if parts.username or parts.password:
        raise UnsafeDestination(_("Leave user names and passwords out of the URL."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeDestination(_("The port of the URL is not a number.")) from error
    if settings.NPS_WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnresolvableHost(
            _("The host %(host)s does not resolve to any address.") % {"host": parts.hostname}
        ) from error
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not is_public(address):
            raise UnsafeDestination(
                _(
                    "%(host)s resolves to %(address)s, a private or local address: webhooks "
                    "go to public addresses only (NPS_WEBHOOKS_ALLOW_PRIVATE=true allows "
                    "others, for receivers on premises)."
                )
                % {"host": parts.hostname, "address": address}
            )


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A globally routable unicast address (an IPv4-mapped IPv6 one is judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
