"""Webhooks of third parties: the endpoints a key's owner registered, each event as
announced, its delivery to each endpoint and every attempt (``consult.delivery.webhooks``)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consult.models.api_keys import ApiKey
from consult.models.mail import AttemptsQuerySet


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEvent(models.TextChoices):
    CONSULTATION_OPENED = "consultation.opened", _("consultation opened")
    CONSULTATION_CLOSED = "consultation.closed", _("consultation closed")
    BATCH_PUBLISHED = "batch.published", _("batch published")
    RELEASE_ISSUED = "release.issued", _("release issued")


class WebhookEndpoint(models.Model):
    """An address where a key's owner receives the events it chose, signed with ``secret``."""

    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("API key"),
        help_text=_("The key owner this endpoint belongs to; revoking the key stops deliveries."),
    )
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(
        _("signing secret"), max_length=100, default=new_webhook_secret, editable=False
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["api_key__owner", "url", "pk"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return event in self.events


class WebhookMessage(models.Model):
    """One event as announced: its id (the ``Webhook-Id`` every endpoint gets) and its JSON
    body, the same bytes for every endpoint and every attempt."""

    event_id = models.CharField(_("event id"), max_length=40, editable=False)
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("announced"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event_id"], name="webhook_message_event_id_unique"),
            models.CheckConstraint(
                condition=Q(event__in=WebhookEvent.values), name="webhook_message_event_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"


class WebhookDeliveryQuerySet(AttemptsQuerySet):
    def due(self, now: dt.datetime) -> WebhookDeliveryQuerySet:
        return self.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)


class WebhookDelivery(models.Model):
    """One event to one endpoint, tried until the endpoint answers 2xx or a day has passed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    message = models.ForeignKey(
        WebhookMessage, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    created_at = models.DateTimeField(_("created"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "endpoint"], name="webhook_delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="delivered", delivered_at__isnull=False, next_attempt_at__isnull=True)
                    | Q(status="pending", delivered_at__isnull=True, next_attempt_at__isnull=False)
                    | Q(status="failed", delivered_at__isnull=True, next_attempt_at__isnull=True)
                ),
                name="webhook_delivery_status_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.endpoint}"

    def record_attempt(
        self,
        *,
        number: int,
        now: dt.datetime,
        status_code: int | None,
        response: str,
        error: str,
        retry_at: dt.datetime | None,
    ) -> None:
        """Keep attempt ``number`` and what the endpoint answered; mark the delivery delivered
        on a 2xx, else due again at ``retry_at`` or failed when that is None. Leaves the row
        alone if a later attempt has claimed it meanwhile."""
        WebhookAttempt.objects.create(
            delivery=self,
            number=number,
            at=now,
            status_code=status_code,
            response=response,
            error=error,
        )
        delivered = status_code is not None and 200 <= status_code < 300
        rows = WebhookDelivery.objects.filter(
            pk=self.pk, attempts=number, status=self.Status.PENDING
        )
        if delivered:
            rows.update(status=self.Status.DELIVERED, delivered_at=now, next_attempt_at=None)
        elif retry_at is None:
            rows.update(status=self.Status.FAILED, next_attempt_at=None)
        else:
            rows.update(next_attempt_at=retry_at)

    def replay(self, *, now: dt.datetime) -> None:
        """Make this delivery due again at ``now``, whatever became of it: staff resend an
        event a receiver lost or failed to process."""
        self.status = self.Status.PENDING
        self.delivered_at = None
        self.next_attempt_at = now
        self.save(update_fields=["status", "delivered_at", "next_attempt_at"])


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the status and the start of the body the endpoint
    answered, or the error when it answered nothing."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "at", "pk"]

    def __str__(self) -> str:
        return f"#{self.delivery_id} attempt {self.number}"
