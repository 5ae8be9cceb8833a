"""Deliveries that retry (outgoing mail, webhooks), written once.

A ``Channel`` drives the rows of one ``consult.models.Delivery`` model: it claims a due row for
one attempt, tries it, records the outcome through the row, backs off and enqueues the next
attempt, gives the row up, re-enqueues rows whose task was lost, and makes rows due again when
staff ask. A subclass says only how one attempt sends (``send``) and its policy: the lease, the
longest wait, and whether waiting is hopeless for a row.

Every attempt is a task that carries the row's id and nothing else; a row made due in a
transaction (written, resent) is enqueued once that commits. Retries back off from
``first_retry`` (30 seconds, so the first retry comes within a minute), doubling up to
``longest_wait`` between attempts; a row is given up (``failed``) once an attempt fails
``retry_period`` (24 hours) after the row was written, so every row is tried for at least that
long, or at its first failure when the channel finds waiting hopeless. ``sweep`` re-enqueues
due rows whose task was lost (a worker killed mid-task, an enqueue that failed after commit).

Log lines name the row's id and the short reason of its ``Outcome`` (an error's type, an HTTP
status), never an address: what a channel keeps out of its logs it keeps out of the reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from consult.models import Delivery, DeliveryQuerySet

RowT = TypeVar("RowT", bound=Delivery)


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: whether it ``succeeded``; the ``error`` kept with a failed
    attempt ("" when the other side answered); the ``reason`` a log line gives for a failure, by
    default ``error`` up to its first colon (an exception's type); and ``details``, further
    fields of the attempt's log entry."""

    succeeded: bool
    error: str = ""
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def log_reason(self) -> str:
        return self.reason or self.error.split(":", 1)[0]


class Channel(ABC, Generic[RowT]):
    """Claim, try, record, back off, give up, sweep and resend the rows of ``model``, each
    attempt run by ``task`` (a task that calls ``deliver`` with the row's id).

    A subclass sets ``model``, ``noun`` (how a log line names a row: "Mail") and
    ``longest_wait``, and defines ``lease`` and ``send``; it may override ``load`` and
    ``hopeless``. Log lines go to the logger of the subclass's module.
    """

    model: type[RowT]
    noun: str
    first_retry = dt.timedelta(seconds=30)
    longest_wait: dt.timedelta
    retry_period = dt.timedelta(hours=24)
    # A row is left to its own task this long after it fell due before the sweep enqueues
    # another.
    sweep_grace = dt.timedelta(minutes=1)
    # The rows one sweep re-enqueues at most, longest due first; the next sweep takes the rest.
    sweep_batch = 1000

    def __init__(self, task: Task[[int], str]) -> None:
        self.task = task
        self.logger = logging.getLogger(type(self).__module__)

    # What each channel says --------------------------------------------------------------------

    @abstractmethod
    def lease(self) -> dt.timedelta:
        """How long one attempt holds its row: longer than any attempt can take, as no one else
        takes the row meanwhile."""

    @abstractmethod
    def send(self, row: RowT, *, now: dt.datetime) -> Outcome:
        """Try ``row`` once, the attempt having begun at ``now``; what came of it. An exception
        raised here is a failed attempt too."""

    def load(self, pk: int) -> RowT:
        """Row ``pk`` with what ``send`` reads."""
        return cast(RowT, self.model._default_manager.get(pk=pk))

    def hopeless(self, row: RowT) -> bool:
        """Whether a failed attempt on ``row`` gives it up at once, waiting being of no use;
        never, unless a channel says otherwise."""
        return False

    # Written once ------------------------------------------------------------------------------

    def enqueue_after_commit(self, pk: int) -> None:
        """Enqueue an attempt on row ``pk`` once the current transaction commits (at once
        outside one); nothing if it rolls back."""
        transaction.on_commit(lambda: self.task.enqueue(pk))

    def retry_delay(self, attempt: int) -> dt.timedelta:
        """How long to wait after failed attempt number ``attempt`` (1 for the first)."""
        return min(self.first_retry * 2 ** (attempt - 1), self.longest_wait)

    def deliver(self, pk: int, *, now: dt.datetime | None = None, claimant: str = "") -> str:
        """Try row ``pk`` once if it is due at ``now`` (the present by default): claim it for
        ``lease()``, send it and record the outcome; after a failure, enqueue the next attempt
        or give the row up. What happened, as a word for the task's result: the model's done
        status (``sent``, ``delivered``), ``retry``, ``failed``, or ``skipped`` when the row was
        not due (done, given up, or taken by another worker). ``claimant``, the id of the task
        making the attempt, lets that task take the row again if it is run again after its
        worker was lost (``DeliveryQuerySet.claim``)."""
        now = now or timezone.now()
        attempt = self.model.objects.claim(pk, now=now, lease=self.lease(), claimant=claimant)
        if attempt is None:
            return "skipped"
        row = self.load(pk)
        outcome = self._attempt(row, now=now)
        finished = timezone.now()
        if not outcome.succeeded:
            return self._failed(row, attempt=attempt, outcome=outcome, now=finished)
        row.record_success(attempt=attempt, now=finished, **outcome.details)
        done = str(self.model.done_status)
        self.logger.info("%s #%s %s (attempt %s).", self.noun, pk, done, attempt)
        return done

    def sweep(self, *, now: dt.datetime) -> int:
        """Re-enqueue every row that fell due more than ``sweep_grace`` before ``now`` and is
        still pending: its task was lost; how many. Should its task still be queued after all,
        whichever of the two runs second finds the row not due and does nothing."""
        due = self.model.objects.due(now - self.sweep_grace).order_by("next_attempt_at")
        due_ids = list(due.values_list("pk", flat=True)[: self.sweep_batch])
        for pk in due_ids:
            self.task.enqueue(pk)
        return len(due_ids)

    def resend(self, rows: DeliveryQuerySet, *, now: dt.datetime) -> int:
        """Make each of ``rows`` that its model lets be sent again (``resendable``) due at
        ``now``, and enqueue it once that commits; how many. A row written more than
        ``retry_period`` ago gets one more attempt, not another period of them."""
        count = 0
        with transaction.atomic():
            for row in rows.resendable().select_for_update():
                row.resend(now=now)
                self.enqueue_after_commit(row.pk)
                count += 1
        return count

    def _attempt(self, row: RowT, *, now: dt.datetime) -> Outcome:
        try:
            return self.send(row, now=now)
        except Exception as exc:
            # Whatever stops one attempt (a refused connection, a bad certificate, an address
            # the client will not send to) is that attempt's error: the row is retried or given
            # up, never left claimed.
            return Outcome(succeeded=False, error=f"{type(exc).__name__}: {exc}")

    def _failed(self, row: RowT, *, attempt: int, outcome: Outcome, now: dt.datetime) -> str:
        """Record failed attempt ``attempt``, finished at ``now``, and enqueue the next one
        unless the row is given up; ``retry`` or ``failed``."""
        give_up = self.hopeless(row) or now >= row.created_at + self.retry_period
        retry_at = None if give_up else now + self.retry_delay(attempt)
        row.record_failure(
            attempt=attempt, error=outcome.error, now=now, retry_at=retry_at, **outcome.details
        )
        self.logger.warning(
            "%s #%s attempt %s failed (%s); %s",
            self.noun,
            row.pk,
            attempt,
            outcome.log_reason,
            "given up" if retry_at is None else f"next attempt at {retry_at:%Y-%m-%d %H:%M:%S%z}",
        )
        if retry_at is None:
            return "failed"
        self.task.using(run_after=retry_at).enqueue(row.pk)
        return "retry"
