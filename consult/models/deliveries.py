"""Rows that the task queue delivers with retries (outgoing mail, webhook deliveries): what they
share, for ``consult.delivery.retries`` to drive.

A row is claimed for one attempt by a conditional UPDATE (``DeliveryQuerySet.claim``): it moves
``next_attempt_at`` past the attempt's lease, so a second worker holding the same task, or the
sweep, finds the row not due and leaves it alone. Nothing holds a row lock while talking to the
other side: on SQLite that would hold the whole database's write lock.

A row is ``pending`` while attempts remain, then done (each model names that status: ``sent``,
``delivered``) or ``failed``; the index and the constraint below keep the due time and the
time of success in step with the status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Self

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

PENDING = "pending"
FAILED = "failed"


def due_index(*, name: str) -> models.Index:
    """The sweep's read: pending rows by due time."""
    return models.Index(fields=["next_attempt_at"], condition=Q(status=PENDING), name=name)


def status_fields_constraint(*, done: str, done_at: str, name: str) -> models.CheckConstraint:
    """Done rows have the time of their success and nothing left to attempt; pending rows have
    a due time; failed rows have neither."""
    return models.CheckConstraint(
        condition=(
            Q(status=done, next_attempt_at__isnull=True, **{f"{done_at}__isnull": False})
            | Q(status=PENDING, next_attempt_at__isnull=False, **{f"{done_at}__isnull": True})
            | Q(status=FAILED, next_attempt_at__isnull=True, **{f"{done_at}__isnull": True})
        ),
        name=name,
    )


class DeliveryQuerySet(models.QuerySet):
    """``due(now)`` says which rows may be tried now, ``claim`` takes one for a single attempt,
    ``resendable`` which of them staff may make due again."""

    def due(self, now: dt.datetime) -> Self:
        """Pending rows whose next attempt is due at ``now``."""
        return self.filter(status=PENDING, next_attempt_at__lte=now)

    def claim(
        self, pk: int, *, now: dt.datetime, lease: dt.timedelta, claimant: str = ""
    ) -> int | None:
        """Take row ``pk`` for one attempt if it is due at ``now``: count the attempt and push
        ``next_attempt_at`` to ``now + lease``, so that no one else takes it meanwhile; the
        attempt's number, or None when the row is not due (done, given up, or taken by another
        worker). A ``claimant`` (the id of the task making the attempt) may take the row again
        within its own lease: the same task run again after its worker was lost
        (``consult.worker``) need not wait for the lease to run out."""
        due = Q(status=PENDING, next_attempt_at__lte=now)
        if claimant:
            due |= Q(status=PENDING, claimed_by=claimant)
        taken = self.filter(due, pk=pk).update(
            attempts=F("attempts") + 1, next_attempt_at=now + lease, claimed_by=claimant
        )
        if not taken:
            return None
        return self.filter(pk=pk).values_list("attempts", flat=True).get()

    def resendable(self) -> Self:
        """The rows that ``Delivery.resend`` accepts: all of them, unless a model says
        otherwise."""
        return self.all()


class Delivery(models.Model):
    """Something tried until it succeeds or its time is up.

    A concrete model adds a ``status`` field whose choices are ``pending``, its own done status
    (``done_status``) and ``failed``; a time field named by ``done_at_field``; and an attempt
    log, a model whose foreign key to it has ``related_name="attempt_log"`` and which has the
    fields ``number``, ``at`` and ``error``. Its own manager, if any, comes from a
    ``DeliveryQuerySet``.
    """

    created_at = models.DateTimeField(_("created"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # The task whose attempt holds the row until ``next_attempt_at`` ("" when none does).
    claimed_by = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = DeliveryQuerySet.as_manager()

    done_status: ClassVar[str]
    done_at_field: ClassVar[str]

    class Meta:
        abstract = True

    def record_success(self, *, attempt: int, now: dt.datetime, **details: Any) -> bool:
        """Log attempt ``attempt`` (with ``details`` for the attempt log) and mark the row done
        at ``now``; False if it was done already (by an attempt whose lease this one outlived).
        A success counts even when a later attempt has claimed or given up the row meanwhile:
        the other side did get it."""
        self.attempt_log.create(number=attempt, at=now, **details)
        marked = (
            type(self)
            ._default_manager.filter(pk=self.pk)
            .exclude(status=self.done_status)
            .update(
                status=self.done_status,
                next_attempt_at=None,
                **{self.done_at_field: now},
                **self.error_fields(""),
            )
        )
        return bool(marked)

    def record_failure(
        self,
        *,
        attempt: int,
        error: str,
        now: dt.datetime,
        retry_at: dt.datetime | None,
        **details: Any,
    ) -> None:
        """Log attempt ``attempt``'s ``error`` (with ``details`` for the attempt log) and
        schedule the next attempt at ``retry_at``, or mark the row failed when ``retry_at`` is
        None. Leaves the row alone if a later attempt has claimed it or it is done meanwhile."""
        self.attempt_log.create(number=attempt, at=now, error=error, **details)
        status = PENDING if retry_at else FAILED
        type(self)._default_manager.filter(pk=self.pk, attempts=attempt, status=PENDING).update(
            status=status, next_attempt_at=retry_at, claimed_by="", **self.error_fields(error)
        )

    def resend(self, *, now: dt.datetime) -> None:
        """Make this row due again at ``now``, pending, whatever became of it."""
        self.status = PENDING
        setattr(self, self.done_at_field, None)
        self.next_attempt_at = now
        self.save(update_fields=["status", self.done_at_field, "next_attempt_at"])

    def error_fields(self, error: str) -> dict[str, str]:
        """The fields of the row itself that keep the last attempt's ``error`` ("" after a
        success); none unless a model keeps one."""
        return {}
