"""Webhooks of third parties: the endpoints a key's owner registered, each event as
announced, its delivery to each endpoint and every attempt (``consult.delivery.webhooks``)."""

from __future__ import annotations

import base64
import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consult.models.api_keys import ApiKey
from consult.models.deliveries import (
    Delivery,
    DeliveryQuerySet,
    due_index,
    status_fields_constraint,
)


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


class WebhookDeliveryQuerySet(DeliveryQuerySet):
    """Every delivery may be replayed, a delivered one too: a receiver may have lost it."""


class WebhookDelivery(Delivery):
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
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    done_status = Status.DELIVERED
    done_at_field = "delivered_at"

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [due_index(name="webhook_delivery_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "endpoint"], name="webhook_delivery_once_per_endpoint"
            ),
            status_fields_constraint(
                done="delivered", done_at="delivered_at", name="webhook_delivery_status_fields"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.endpoint}"


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
