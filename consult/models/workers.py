"""The task queue's workers as the database sees them: one heartbeat row per running worker
(``consult.worker``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeatQuerySet(models.QuerySet):
    def alive(self, now: dt.datetime, lease: dt.timedelta) -> WorkerHeartbeatQuerySet:
        """Workers seen within ``lease`` of ``now``."""
        return self.filter(seen_at__gt=now - lease)

    def last_seen(self) -> dt.datetime | None:
        """When any worker was last seen; None if none ever was (or all stopped cleanly)."""
        return self.aggregate(last=models.Max("seen_at"))["last"]

    def silence(self, now: dt.datetime, lease: dt.timedelta) -> WorkerSilence | None:
        """Whether no worker has been seen within ``lease`` of ``now`` (None: one has), and
        since when; one query."""
        last = self.last_seen()
        if last is not None and last > now - lease:
            return None
        return WorkerSilence(last_seen=last, minutes=None if last is None else _minutes(now - last))


def _minutes(delta: dt.timedelta) -> int:
    return max(int(delta.total_seconds() // 60), 0)


@dataclass(frozen=True)
class WorkerSilence:
    """No worker is running: the last was seen at ``last_seen``, ``minutes`` ago (both None
    when none has been seen at all)."""

    last_seen: dt.datetime | None
    minutes: int | None


class WorkerHeartbeat(models.Model):
    """A running worker: ``seen_at`` is moved forward every ``WORKER_HEARTBEAT_SECONDS``; the
    row is deleted when the worker stops cleanly. A task left ``RUNNING`` by a worker not seen
    for ``WORKER_LEASE_SECONDS`` is run again. Holds no personal data: a random id, the
    machine's name and the process number, for an operator looking for the process."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)

    objects = WorkerHeartbeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seen_at__gte=models.F("started_at")),
                name="worker_heartbeat_seen_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
