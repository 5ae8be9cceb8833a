"""The task queue's worker, made to survive its database: django-tasks-db's ``Worker`` with

- a loop that never exits on a database error: the connection is dropped and the worker tries
  again with a backoff (up to ``MAX_BACKOFF`` seconds), logging at most once a minute;
- a task whose database connection failed (``OperationalError``, ``InterfaceError``, raised
  by the task or while its outcome was recorded) recorded on a fresh connection and run again
  after a backoff, up to ``TASK_DATABASE_ATTEMPTS`` attempts in all (the attempts are the row's
  ``worker_ids``, as django-tasks counts them); other failures are recorded as before;
- a heartbeat (``WorkerHeartbeat``) every ``WORKER_HEARTBEAT_SECONDS``, in its own thread and
  so its own connection, and with it the reclaiming of tasks left ``RUNNING`` by a worker not
  seen for ``WORKER_LEASE_SECONDS`` (killed, its machine gone): they are made ready again (or
  failed, their attempts spent).

Every task of this project may run twice (a delivery claims its row, an export or a PDF is
rebuilt): the queue runs each at least once, never silently not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import os
import socket
import threading
import time
from traceback import format_exception

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from consult.models import WorkerHeartbeat
from core.outages import warn_at_most_once_a_minute

logger = logging.getLogger("consult.worker")

# A lost connection: the database restarted, failed over, or killed this session.
CONNECTION_ERRORS = (OperationalError, InterfaceError)
MAX_BACKOFF = 30.0


def backoff(attempt: int) -> float:
    """Seconds to wait before try number ``attempt + 1`` (1, 2, 4 … up to ``MAX_BACKOFF``)."""
    return min(2.0 ** max(attempt - 1, 0), MAX_BACKOFF)


def drop_connections() -> None:
    """Close every connection of this thread, broken or not, so the next query opens one."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None  # closing a dead connection may itself fail


def reclaim_orphans(*, now: dt.datetime) -> int:
    """Make ready again (or fail, attempts spent) every RUNNING task whose last worker has not
    been seen for ``WORKER_LEASE_SECONDS`` and that started before that; how many. A
    conditional UPDATE on the claim's ``started_at``: of two workers reclaiming at once, one
    does it."""
    lease = dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    alive = set(WorkerHeartbeat.objects.alive(now, lease).values_list("worker_id", flat=True))
    running = DBTaskResult.objects.running().filter(started_at__lt=now - lease)
    count = 0
    for row in running.only("id", "started_at", "worker_ids"):
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue
        spent = len(row.worker_ids) >= settings.TASK_DATABASE_ATTEMPTS
        changed = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        ).update(
            status=TaskResultStatus.FAILED if spent else TaskResultStatus.READY,
            run_after=now,
            finished_at=now if spent else None,
            exception_class_path="consult.worker.WorkerLost",
            traceback=f"The worker running this task was not seen for {lease}.",
        )
        if changed:
            count += 1
            logger.warning(
                "Task id=%s left running by a lost worker: %s.",
                row.pk,
                "failed, its attempts spent" if spent else "ready to run again",
            )
    return count


class Heartbeat(threading.Thread):
    """Records this worker as alive every ``WORKER_HEARTBEAT_SECONDS`` and reclaims the tasks
    of lost workers; a database error is logged at most once a minute and tried again at the
    next beat."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopped = threading.Event()
        self.last_reclaim = -math.inf

    def beat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": now},
            create_defaults={
                "seen_at": now,
                "started_at": self.started_at,
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )
        # Reading the RUNNING rows every beat would be waste: a lost worker's tasks are
        # reclaimed within half a lease of its lease running out.
        if time.monotonic() - self.last_reclaim >= settings.WORKER_LEASE_SECONDS / 2:
            reclaim_orphans(now=now)
            self.last_reclaim = time.monotonic()

    def run(self) -> None:
        while True:
            try:
                self.beat()
            except DatabaseError as exc:
                warn_at_most_once_a_minute(
                    logger, "heartbeat", "Worker heartbeat not recorded: %s", type(exc).__name__
                )
                drop_connections()
            if self.stopped.wait(settings.WORKER_HEARTBEAT_SECONDS):
                break
        connections.close_all()

    def stop(self) -> None:
        """Stop beating and remove this worker's row (best effort: the database may be down,
        and then the row simply ages past the lease)."""
        self.stopped.set()
        self.join(timeout=settings.WORKER_HEARTBEAT_SECONDS + settings.DATABASE_CONNECT_TIMEOUT)
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


class ResilientWorker(Worker):
    """django-tasks-db's worker that outlives its database's failures (see the module)."""

    def run(self) -> None:
        failures = 0
        while self.running:
            try:
                super().run()
                return  # --batch or --max-tasks reached
            except DatabaseError as exc:
                failures += 1
                wait = backoff(failures)
                warn_at_most_once_a_minute(
                    logger,
                    "worker loop",
                    "The worker's database failed (%s: %s); trying again in %.0f s.",
                    type(exc).__name__,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                    wait,
                )
                drop_connections()
                time.sleep(wait)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except DatabaseError as exc:  # the outcome could not be recorded: the connection is gone
            self._record_lost_connection(db_task_result, exc.__context__ or exc)
            return
        if db_task_result.status == TaskResultStatus.FAILED and (
            db_task_result.exception_class_path
            in {f"{cls.__module__}.{cls.__qualname__}" for cls in CONNECTION_ERRORS}
        ):
            self._record_lost_connection(db_task_result, None)

    def _record_lost_connection(self, row: DBTaskResult, exc: BaseException | None) -> None:
        """Record on a fresh connection that ``row``'s attempt failed for its database
        connection, and make it ready again after a backoff unless its attempts are spent;
        tried until the database answers (or the worker is stopped: the row is then reclaimed
        once this worker's heartbeat is older than the lease)."""
        attempts = len(row.worker_ids)
        spent = attempts >= settings.TASK_DATABASE_ATTEMPTS
        fields = {
            "status": TaskResultStatus.FAILED if spent else TaskResultStatus.READY,
            "finished_at": None,
            "return_value": None,
        }
        if exc is not None:
            fields["exception_class_path"] = f"{type(exc).__module__}.{type(exc).__qualname__}"
            fields["traceback"] = "".join(format_exception(exc))
        tries = 0
        while True:
            drop_connections()
            now = timezone.now()
            fields["finished_at"] = now if spent else None
            fields["run_after"] = now + dt.timedelta(seconds=0 if spent else backoff(attempts))
            try:
                DBTaskResult.objects.filter(pk=row.pk, started_at=row.started_at).update(**fields)
            except DatabaseError as error:
                tries += 1
                warn_at_most_once_a_minute(
                    logger,
                    "task outcome",
                    "Task id=%s: its outcome waits for the database (%s).",
                    row.pk,
                    type(error).__name__,
                )
                if not self.running:
                    return
                time.sleep(backoff(tries))
                continue
            break
        logger.warning(
            "Task id=%s lost its database connection on attempt %s: %s.",
            row.pk,
            attempts,
            "failed, its attempts spent" if spent else f"to run again in {backoff(attempts):.0f} s",
        )
