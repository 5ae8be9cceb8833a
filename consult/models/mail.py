"""The outbox: every e-mail to send is a row written in the transaction that caused it, then
delivered by a worker of the task queue (``consult.delivery.outbox``), with each attempt kept.

A row is claimed for one attempt by a conditional UPDATE (``OutgoingMailQuerySet.claim``):
it moves ``next_attempt_at`` past the attempt's lease, so a second worker holding the same
task, or the sweep, finds the row not due and leaves it alone. Nothing holds a row lock
while talking to the SMTP server: on SQLite that would hold the whole database's write lock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition


class AttemptsQuerySet(models.QuerySet):
    """Rows tried until they succeed (outgoing mail, webhook deliveries): ``due(now)`` says
    which may be tried now, and ``claim`` takes one for a single attempt."""

    def due(self, now: dt.datetime) -> models.QuerySet:
        raise NotImplementedError

    def claim(self, pk: int, *, now: dt.datetime, lease: dt.timedelta) -> int | None:
        """Take row ``pk`` for one attempt if it is due at ``now``: count the attempt and push
        ``next_attempt_at`` to ``now + lease``, so that no one else takes it meanwhile; the
        attempt's number, or None when the row is not due (done, given up, or taken by another
        worker)."""
        taken = (
            self.due(now)
            .filter(pk=pk)
            .update(attempts=F("attempts") + 1, next_attempt_at=now + lease)
        )
        if not taken:
            return None
        return self.filter(pk=pk).values_list("attempts", flat=True).get()


class OutgoingMailQuerySet(AttemptsQuerySet):
    def due(self, now: dt.datetime) -> OutgoingMailQuerySet:
        """Pending mail whose next attempt is due at ``now``."""
        return self.filter(status=OutgoingMail.Status.PENDING, next_attempt_at__lte=now)

    def undelivered(self) -> OutgoingMailQuerySet:
        return self.exclude(status=OutgoingMail.Status.SENT)


class OutgoingMail(models.Model):
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
    created_at = models.DateTimeField(_("created"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # A notification sent once per occasion ("ready_to_publish:12:editor@…"); blank: no limit.
    once_key = models.CharField(max_length=300, blank=True, default="", editable=False)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep's read: pending rows by due time.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outgoing_mail_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="outgoing_mail_status_valid",
            ),
            models.UniqueConstraint(
                fields=["once_key"], condition=~Q(once_key=""), name="outgoing_mail_once"
            ),
            # Sent mail has its time and nothing left to attempt; pending mail has a due time.
            models.CheckConstraint(
                condition=(
                    Q(status="sent", sent_at__isnull=False, next_attempt_at__isnull=True)
                    | Q(status="pending", sent_at__isnull=True, next_attempt_at__isnull=False)
                    | Q(status="failed", sent_at__isnull=True, next_attempt_at__isnull=True)
                ),
                name="outgoing_mail_status_fields",
            ),
        ]

    def __str__(self) -> str:
        # The subject, never the address: this shows in logs and admin messages.
        return f"{self.get_kind_display()} #{self.pk}: {self.subject}"

    def record_sent(self, *, attempt: int, now: dt.datetime) -> bool:
        """Mark this mail sent at ``now`` by its attempt number ``attempt``; False if it was
        already marked sent (by a worker whose lease this attempt outlived)."""
        DeliveryAttempt.objects.create(mail=self, number=attempt, at=now)
        marked = (
            OutgoingMail.objects.filter(pk=self.pk)
            .exclude(status=self.Status.SENT)
            .update(status=self.Status.SENT, sent_at=now, next_attempt_at=None, last_error="")
        )
        return bool(marked)

    def record_failure(
        self, *, attempt: int, error: str, now: dt.datetime, retry_at: dt.datetime | None
    ) -> None:
        """Keep attempt ``attempt``'s ``error`` and schedule the next attempt at ``retry_at``,
        or mark the mail failed when ``retry_at`` is None. Leaves the row alone if a later
        attempt has claimed it or it was sent meanwhile."""
        DeliveryAttempt.objects.create(mail=self, number=attempt, at=now, error=error)
        status = self.Status.PENDING if retry_at else self.Status.FAILED
        OutgoingMail.objects.filter(
            pk=self.pk, attempts=attempt, status=self.Status.PENDING
        ).update(status=status, next_attempt_at=retry_at, last_error=error)

    def resend(self, *, now: dt.datetime) -> None:
        """Make undelivered mail due again at ``now`` (a failed one pending again)."""
        if self.status == self.Status.SENT:
            raise InvalidTransition(gettext("This mail was already sent."))
        self.status = self.Status.PENDING
        self.next_attempt_at = now
        self.save(update_fields=["status", "next_attempt_at"])


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
