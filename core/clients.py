"""Who is asking: the client's address behind trusted proxies, and the salted hash that is the
only form in which an address is ever stored or used as a key (comments, rate limits, API
throttles)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import re

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

# HAProxy's date(0,us): whole microseconds since the epoch, at most 17 digits (year 5138); or
# nginx's $msec: seconds since the epoch with three decimals (milliseconds).
REQUEST_START_PATTERN = re.compile(r"\At=(?:([0-9]{1,17})|([0-9]{1,11})\.([0-9]{3}))\Z")


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
    salt = str(settings.IP_HASH_SECRET).encode()
    return hmac.new(salt, ip.encode(), hashlib.sha256).hexdigest()


# IPv6 hands a subscriber a whole /64 (RFC 6177), so its addresses are one client to a limit.
IPV6_CLIENT_PREFIX = 64


def client_key(ip: str) -> str:
    """What counts as one client for limits and stored hashes: an IPv4 address itself, an
    IPv6 address by its /64 network (an IPv4-mapped one as its IPv4 address); anything that is
    not an address, unchanged."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


def request_started_at(request: HttpRequest) -> dt.datetime:
    """The moment the request reached the first trusted proxy, or the server's clock.

    With ``settings.TRUSTED_PROXY_COUNT`` at least 1, the proxy in front sets
    ``X-Request-Start: t=<microseconds since the epoch>`` (HAProxy:
    ``http-request set-header X-Request-Start t=%[date(0,us)]``) or ``t=<seconds>.<millis>``
    (nginx: ``proxy_set_header X-Request-Start "t=${msec}";``), overwriting anything the
    client sent. A value from the future or older than ``settings.REQUEST_START_MAX_AGE``
    seconds is not believed (a wrong clock or a replay), nor is one without a trusted proxy,
    since the client could have written it; the server's clock answers then.
    """
    now = timezone.now()
    if settings.TRUSTED_PROXY_COUNT <= 0:
        return now
    match = REQUEST_START_PATTERN.match(request.META.get("HTTP_X_REQUEST_START", ""))
    if match is None:
        return now
    whole, seconds, millis = match.groups()
    micros = int(whole) if whole is not None else int(seconds) * 1_000_000 + int(millis) * 1000
    try:
        started = dt.datetime.fromtimestamp(micros / 1_000_000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return now
    if started > now or now - started > dt.timedelta(seconds=settings.REQUEST_START_MAX_AGE):
        return now
    return started
