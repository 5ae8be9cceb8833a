"""The outbox: every e-mail to send is a row written in the transaction that caused it, then
delivered by a worker of the task queue (``consult.delivery.outbox``), with each attempt kept.
How a row is claimed, tried and retried is shared with webhook deliveries
(``consult.models.deliveries``).
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.conf import settings
from django.core.mail import make_msgid
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consult.models.deliveries import (
    Delivery,
    DeliveryQuerySet,
    due_index,
    status_fields_constraint,
)
from core.errors import InvalidTransition


class OutgoingMailQuerySet(DeliveryQuerySet):
    def undelivered(self) -> Self:
        return self.exclude(status=OutgoingMail.Status.SENT)

    def resendable(self) -> Self:
        """Mail not sent yet: sent mail is never sent twice."""
        return self.undelivered()


class OutgoingMail(Delivery):
    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("comment receipt")
        MODERATION_DIGEST = "moderation_digest", _("daily digest of new comments")
        WINDOW_CLOSED = "window_closed", _("comment window closed")
        READY_TO_PUBLISH = "ready_to_publish", _("ready to publish")
        PUBLICATION_BLOCKED = "publication_blocked", _("publication waits for drafts")
        REPLY = "reply", _("reply to a comment")
        REPORT_PUBLISHED = "report_published", _("final report published")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # A notification sent once per occasion ("ready_to_publish:12:editor@…"); blank: no limit.
    once_key = models.CharField(max_length=300, blank=True, default="", editable=False)
    # The Message-ID every attempt sends, given before the first one (``message_id_for``): a
    # server or a reader that got the mail from an attempt thought failed sees the same mail.
    message_id = models.CharField(
        _("Message-ID"), max_length=255, blank=True, default="", editable=False
    )

    objects = OutgoingMailQuerySet.as_manager()

    done_status = Status.SENT
    done_at_field = "sent_at"

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["-created_at", "-pk"]
        indexes = [due_index(name="outgoing_mail_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="outgoing_mail_status_valid",
            ),
            models.UniqueConstraint(
                fields=["once_key"], condition=~Q(once_key=""), name="outgoing_mail_once"
            ),
            status_fields_constraint(
                done="sent", done_at="sent_at", name="outgoing_mail_status_fields"
            ),
        ]

    def __str__(self) -> str:
        # The subject, never the address: this shows in logs and admin messages.
        return f"{self.get_kind_display()} #{self.pk}: {self.subject}"

    def stable_message_id(self) -> str:
        """This mail's Message-ID, the same for every attempt: stored before the first one
        (by a conditional UPDATE, so that two workers racing on it agree)."""
        if not self.message_id:
            domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None
            type(self)._default_manager.filter(pk=self.pk, message_id="").update(
                message_id=make_msgid(f"consult.{self.pk}", domain=domain)
            )
            self.message_id = (
                type(self)
                ._default_manager.filter(pk=self.pk)
                .values_list("message_id", flat=True)
                .get()
            )
        return self.message_id

    def record_sent(self, *, attempt: int, now: dt.datetime) -> bool:
        """Mark this mail sent at ``now`` by its attempt number ``attempt`` (``record_success``
        in the outbox's words)."""
        return self.record_success(attempt=attempt, now=now)

    def resend(self, *, now: dt.datetime) -> None:
        """Make undelivered mail due again at ``now`` (a failed one pending again);
        InvalidTransition for mail sent already."""
        if self.status == self.Status.SENT:
            raise InvalidTransition(gettext("This mail was already sent."))
        super().resend(now=now)

    def error_fields(self, error: str) -> dict[str, str]:
        # The admin's list shows why each mail is stuck without opening its attempts.
        return {"last_error": error}


class DeliveryAttempt(models.Model):
    """One try at handing a mail to the SMTP server: when, and the error if it failed."""

    mail = models.ForeignKey(OutgoingMail, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["mail", "at", "pk"]

    def __str__(self) -> str:
        return f"#{self.mail_id} attempt {self.number}"


class StaffMailSettings(models.Model):
    """A staff member's notifications: the language they are written in, and the kinds the
    member unsubscribed from (through a mail's link)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_settings"
    )
    language = models.CharField(
        _("language of e-mails"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    unsubscribed = models.JSONField(_("unsubscribed from"), default=list, blank=True)

    class Meta:
        verbose_name = _("staff e-mail settings")
        verbose_name_plural = _("staff e-mail settings")

    def __str__(self) -> str:
        return str(self.user)
