"""A worker of the task queue: ``django_tasks_db``'s worker made to survive its database
(``consult.worker``), after a check that the database it claims tasks from is reachable and
migrated, with its heartbeat and the schedule ticking beside it (``consult.schedules``)."""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from consult import schedules
from consult.worker import Heartbeat, ResilientWorker, drop_connections
from core.outages import warn_at_most_once_a_minute

logger = logging.getLogger("consult.worker")


def database_problem() -> str:
    """Why the worker cannot use its database, naming the setting to fix; empty if it can."""
    database = settings.DATABASES["default"]
    if os.environ.get("DATABASE_URL"):
        where = (
            f"DATABASE_URL ({database['ENGINE'].rsplit('.', 1)[-1]} database "
            f"{database.get('NAME')!r} on {database.get('HOST') or 'localhost'}"
            f":{database.get('PORT') or 'default port'})"
        )
    else:
        where = f"the SQLite file {database['NAME']} (SQLITE_PATH; DATABASE_URL is not set)"
    connection = connections["default"]
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        # The driver's first line: the reason (refused, unknown host, no such database),
        # never the URL's password.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "timeout" in reason.lower() or "timed out" in reason.lower():
            return (
                f"The worker cannot reach its database, {where}: it did not answer within "
                f"DATABASE_CONNECT_TIMEOUT ({settings.DATABASE_CONNECT_TIMEOUT} s): {reason}. "
                "Check DATABASE_URL, or raise DATABASE_CONNECT_TIMEOUT for a slow network."
            )
        return f"The worker cannot reach its database, {where}: {reason}. Check DATABASE_URL."
    if pending:
        return (
            f"The worker's database, {where}, is not migrated "
            f"({len(pending)} migrations to apply): "
            "run `manage.py migrate` first."
        )
    return ""


class ScheduleTicker(threading.Thread):
    """Enqueues due periodic tasks every ``schedules.TICK`` seconds, in its own thread (and so
    its own database connection) beside the worker's loop."""

    def __init__(self) -> None:
        super().__init__(name="schedules", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(schedules.TICK):
            try:
                schedules.enqueue_due(now=timezone.now())
            except DatabaseError as exc:
                warn_at_most_once_a_minute(
                    logger, "schedules", "Schedules not checked this time: %s", type(exc).__name__
                )
            finally:
                # A failed connection must not outlive this tick (close_all may fail on it).
                drop_connections()


class Command(BaseCommand):
    help = (
        "Run a worker of the task queue (mail, exports, schedules). Run one or more per "
        "machine; each claims tasks from the database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--no-schedules",
            action="store_false",
            dest="schedules",
            help="Do not enqueue periodic tasks from this worker.",
        )

    def handle(self, *args, batch: bool, max_tasks, interval: float, schedules: bool, **options):
        problem = database_problem()
        if problem:
            raise CommandError(problem)
        if schedules:
            _tick_once()
            if not batch:
                ScheduleTicker().start()
        DbWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(
            options["verbosity"]
        )
        worker = ResilientWorker(
            queue_names=list(settings.TASKS["default"]["QUEUES"]),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks or None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        heartbeat = Heartbeat(worker.worker_id)
        heartbeat.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            heartbeat.stop()


def _tick_once() -> None:
    enqueued = schedules.enqueue_due(now=timezone.now())
    if enqueued:
        logger.info("Periodic tasks enqueued: %s", ", ".join(enqueued))
