"""Who is asking: the client's address behind trusted proxies, and the salted hash that is the
only form in which an address is ever stored or used as a key (comments, rate limits, API
throttles)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or the entry of ``X-Forwarded-For`` written by
    the outermost of ``settings.TRUSTED_PROXY_COUNT`` proxies.

    Each proxy appends the address it received the request from, so with N trusted proxies the
    client is the N-th entry from the right; anything further left was written by the client and
    can be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    candidate = entries[-trusted] if len(entries) >= trusted else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def hash_ip(ip: str) -> str:
    """A salted hash of a client address: enough to spot floods, never the address itself
    (an unsalted hash of an IPv4 address is reversed by trying all of them)."""
    if not ip:
        return ""
    return hmac.new(str(settings.IP_HASH_SALT).encode(), ip.encode(), hashlib.sha256).hexdigest()
