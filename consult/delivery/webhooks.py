"""Webhooks: events announced to the endpoints third parties registered, signed
with the Standard Webhooks scheme and delivered by the task queue.

``announce(event, payload)`` writes the event and one delivery per endpoint that wants it in
the caller's transaction, and hands each delivery to the queue once that commits: an event is
stored with the step that caused it or not at all. A worker POSTs the JSON body with
``Webhook-Id``, ``Webhook-Timestamp`` and ``Webhook-Signature`` (``v1,`` and the base64
HMAC-SHA256 of ``id.timestamp.body`` under the endpoint's ``whsec_`` secret, signed by the
scheme's reference library, ``standardwebhooks``), so a receiver can check where it came from
and refuse replays by the timestamp. A delivery is retried with backoff
(``consult.delivery.retries``: 30 seconds, doubling, at most two hours apart) until an attempt
fails 24 hours after the event, and given up at the first failure once its endpoint is
switched off or its key revoked; every attempt is kept, and staff may replay a delivery, a
delivered one too.

No server-side request forgery: unless ``settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (never in
production), an endpoint must be ``https://`` and every address its host resolves to public,
checked when it is registered and again at each delivery; the connection then goes to the
address that was checked (a second lookup could answer otherwise), and redirects are not
followed.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import socket
import ssl
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task
from standardwebhooks.webhooks import Webhook

from consult.delivery.retries import Channel, Outcome
from consult.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookMessage

# What is kept of an endpoint's answer.
RESPONSE_KEPT = 2000


# Announcing ---------------------------------------------------------------------------------


def announce(
    event: str, payload: dict[str, Any], *, now: dt.datetime | None = None
) -> WebhookMessage:
    """Announce ``event`` (a ``WebhookEvent``) with ``payload`` (JSON-serialisable, dates
    allowed) to every active endpoint of an active key that asked for it.

    Writes the event and its deliveries in the caller's transaction (its own otherwise) and
    enqueues the deliveries once that commits."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    now = now or timezone.now()
    event_id = f"evt_{uuid.uuid4().hex}"
    body = json.dumps(
        {"id": event_id, "type": event, "timestamp": now, "data": payload},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    with transaction.atomic():
        message = WebhookMessage.objects.create(
            event_id=event_id, event=event, body=body, created_at=now
        )
        endpoints = WebhookEndpoint.objects.filter(active=True, api_key__revoked_at__isnull=True)
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(message=message, endpoint=endpoint, created_at=now, next_attempt_at=now)
            for endpoint in endpoints
            if endpoint.wants(event)
        )
        for delivery in deliveries:
            channel.enqueue_after_commit(delivery.pk)
    return message


def site_url(path: str) -> str:
    """``path`` on the public site (``settings.SITE_URL``)."""
    return settings.SITE_URL.rstrip("/") + path


# Where a webhook may go ---------------------------------------------------------------------


class RefusedAddress(ValueError):
    """An endpoint address that webhooks may not be sent to; the message says why."""


def check_endpoint_url(url: str) -> list[str]:
    """The addresses ``url``'s host resolves to, if webhooks may be sent there; RefusedAddress
    naming the reason otherwise (``http://`` or a private, loopback, link-local or otherwise
    non-public address, unless ``settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES``)."""
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    allowed_schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise RefusedAddress(_("Webhook addresses must start with https://."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        raise RefusedAddress(
            _("The host %(host)s could not be found.") % {"host": parts.hostname}
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise RefusedAddress(
                    _(
                        "The host %(host)s resolves to %(address)s, a private, loopback or "
                        "link-local address; webhooks go to public addresses only."
                    )
                    % {"host": parts.hostname, "address": address}
                )
    return addresses


# IPv6 ranges that carry an IPv4 address in their last 32 bits: IPv4-mapped (::ffff:0:0/96),
# IPv4-translated (SIIT, ::ffff:0:0:0/96) and NAT64's well-known prefix (64:ff9b::/96).
LAST_32_BITS_IPV4 = tuple(
    ipaddress.IPv6Network(prefix) for prefix in ("::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)
# Never a public destination, whatever they embed: IPv4-compatible addresses (::a.b.c.d,
# deprecated by RFC 4291; :: and ::1 among them) and NAT64's local-use prefix (RFC 8215),
# whose IPv4 address may sit at any of six places.
NEVER_PUBLIC = tuple(ipaddress.IPv6Network(prefix) for prefix in ("::/96", "64:ff9b:1::/48"))
# ISATAP's interface identifier: 0000:5efe or 0200:5efe, then the IPv4 address (RFC 5214).
ISATAP_MARKERS = (0x00005EFE, 0x02005EFE)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address that ``ip`` carries in a transition form (IPv4-mapped or -translated,
    NAT64, 6to4, Teredo's server and client, ISATAP): traffic to ``ip`` may reach them."""
    found: list[ipaddress.IPv4Address] = []
    last_32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in network for network in LAST_32_BITS_IPV4):
        found.append(last_32)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if (int(ip) >> 32) & 0xFFFFFFFF in ISATAP_MARKERS:
        found.append(last_32)
    return found


def is_public_address(address: str) -> bool:
    """Whether webhooks may go to ``address`` (an IP address as text, an IPv6 zone allowed):
    a global unicast address, carrying no IPv4 address that is not one too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in NEVER_PUBLIC):
            return False
        if not all(is_public_address(str(inner)) for inner in embedded_ipv4(ip)):
            return False
    return ip.is_global and not ip.is_multicast


def validate_endpoint_url(url: str) -> None:
    """``check_endpoint_url`` as a form field's validator."""
    try:
        check_endpoint_url(url)
    except RefusedAddress as refused:
        raise ValidationError(str(refused), code="refused_address") from None


# Delivering ---------------------------------------------------------------------------------


def signed_headers(endpoint: WebhookEndpoint, message: WebhookMessage, now: dt.datetime) -> dict:
    """The Standard Webhooks headers of ``message`` for ``endpoint``, signed at ``now``."""
    signature = Webhook(endpoint.secret).sign(message.event_id, now, message.body)
    return {
        "Content-Type": "application/json",
        "User-Agent": "consult-webhooks/1",
        "Webhook-Id": message.event_id,
        "Webhook-Timestamp": str(int(now.timestamp())),
        "Webhook-Signature": signature,
    }


class WebhookChannel(Channel[WebhookDelivery]):
    """Events POSTed to their endpoints, signed, to the address that was checked."""

    model = WebhookDelivery
    noun = "Webhook delivery"
    longest_wait = dt.timedelta(hours=2)

    def lease(self) -> dt.timedelta:
        # Resolving, connecting, sending and reading are each bounded by WEBHOOK_TIMEOUT.
        return dt.timedelta(seconds=5 * settings.WEBHOOK_TIMEOUT)

    def load(self, pk: int) -> WebhookDelivery:
        return WebhookDelivery.objects.select_related("message", "endpoint__api_key").get(pk=pk)

    def hopeless(self, row: WebhookDelivery) -> bool:
        # A switched-off endpoint or a revoked key will not come back by waiting.
        return not (row.endpoint.active and row.endpoint.api_key.is_active)

    def send(self, row: WebhookDelivery, *, now: dt.datetime) -> Outcome:
        """POST the delivery's event, signed at ``now``, to an address of the endpoint's host
        checked just now; the status and the start of the answer, or why nothing was sent."""
        if self.hopeless(row):
            return Outcome(
                succeeded=False, error=_("The endpoint was switched off or its key revoked.")
            )
        try:
            addresses = check_endpoint_url(row.endpoint.url)
        except RefusedAddress as refused:
            return Outcome(succeeded=False, error=str(refused))
        parts = urlsplit(row.endpoint.url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        connection = _connection(parts.scheme, parts.hostname or "", parts.port, addresses[0])
        try:
            connection.request(
                "POST",
                path,
                body=row.message.body.encode(),
                headers=signed_headers(row.endpoint, row.message, now),
            )
            answer = connection.getresponse()
            response = answer.read(RESPONSE_KEPT).decode("utf-8", "replace")
        finally:
            connection.close()
        return Outcome(
            succeeded=200 <= answer.status < 300,
            reason=str(answer.status),
            details={"status_code": answer.status, "response": response},
        )


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``host`` whose socket goes to ``address``, the address that was
    checked, so that a second DNS answer cannot send the event elsewhere."""

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        # Checked again on the address the socket is about to reach, whoever built this.
        if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not is_public_address(self.address):
            raise RefusedAddress(
                _("%(address)s is not a public address; webhooks go to public addresses only.")
                % {"address": self.address}
            )
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(PinnedHTTPConnection):
    """The same over TLS: the certificate is verified against ``host``, not the address."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float) -> None:
        super().__init__(host, port, address=address, timeout=timeout)
        self.tls = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.host)


def _connection(
    scheme: str, host: str, port: int | None, address: str
) -> http.client.HTTPConnection:
    """A connection to ``host`` that goes to ``address``, the one checked."""
    kind = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    return kind(host, port, address=address, timeout=settings.WEBHOOK_TIMEOUT)


# The events of the consultation workflow ----------------------------------------------------


def consultation_payload(consultation: Any) -> dict[str, Any]:
    return {
        "consultation": {
            "slug": consultation.slug,
            "title": consultation.title,
            "status": consultation.status,
            "opens_at": consultation.opens_at,
            "closes_at": consultation.closes_at,
            "url": site_url(consultation.get_absolute_url()),
        }
    }


def batch_payload(batch: Any, consultation: Any) -> dict[str, Any]:
    return {
        "batch": {
            "slug": batch.slug,
            "number": batch.number,
            "title": batch.title,
            "announced_on": batch.announced_on,
            "announced_precision": batch.announced_precision,
            "occupation_count": batch.occupations.count(),
            "url": site_url(batch.get_absolute_url()),
        },
        "consultation": consultation.slug,
    }


def announce_release(sender: Any, *, release: Any, now: dt.datetime, **kwargs: Any) -> None:
    """``release.issued`` for a release the registry issued (a receiver of
    ``occupations.signals.release_issued``, in the transaction that writes the release)."""
    announce(WebhookEvent.RELEASE_ISSUED, release_payload(release), now=now)


def release_payload(release: Any) -> dict[str, Any]:
    return {
        "release": {
            "version": release.version,
            "issued_at": release.issued_at,
            "note": release.note,
            "added": release.added_count,
            "changed": release.changed_count,
            "removed": release.removed_count,
            "url": site_url(reverse("api:release-detail", args=[release.version])),
            "data_url": site_url(release.get_absolute_url()),
        }
    }


@task(takes_context=True)
def deliver_webhook(context: TaskContext, delivery_id: int) -> str:
    """Try to deliver one webhook event to one endpoint (``WebhookChannel.deliver``), as this
    task's attempt."""
    return channel.deliver(delivery_id, claimant=str(context.task_result.id))


channel = WebhookChannel(deliver_webhook)
# The steps by module name, as the schedule (``webhooks.sweep``) and the admin
# (``webhooks.replay``) call them.
deliver = channel.deliver
sweep = channel.sweep
replay = channel.resend
