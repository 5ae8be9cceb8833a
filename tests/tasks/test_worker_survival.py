"""A worker survives its database: a task whose connection is killed mid-task is recorded on a
fresh connection and run again, the process keeps running, and tasks left RUNNING by a lost
worker are reclaimed after the lease."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from consult.delivery import outbox
from consult.models import OutgoingMail, WorkerHeartbeat
from consult.worker import reclaim_orphans
from tests.helpers import wait_for
from tests.tasks import probe_tasks
from tests.tasks.conftest import SmtpServer, free_port
from tests.tasks.test_worker import ROOT


def _running_row(*, worker: str, started: dt.datetime, attempts: int = 1) -> DBTaskResult:
    row = probe_tasks.hold_the_database.enqueue(0).db_result  # type: ignore[attr-defined]
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=started,
        worker_ids=[f"earlier-{n}" for n in range(attempts - 1)] + [worker],
    )
    return row


@pytest.mark.django_db
def test_a_running_task_of_a_lost_worker_is_reclaimed(settings):
    settings.WORKER_LEASE_SECONDS = 30
    settings.TASK_DATABASE_ATTEMPTS = 3
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="alive", pid=1, started_at=now - dt.timedelta(hours=1), seen_at=now
    )
    WorkerHeartbeat.objects.create(
        worker_id="gone",
        pid=2,
        started_at=now - dt.timedelta(hours=1),
        seen_at=now - dt.timedelta(seconds=31),
    )
    minute_ago = now - dt.timedelta(minutes=1)
    orphan = _running_row(worker="gone", started=minute_ago)
    killed_without_a_beat = _running_row(worker="never-seen", started=minute_ago)
    spent = _running_row(worker="gone", started=minute_ago, attempts=3)
    kept = _running_row(worker="alive", started=minute_ago)
    just_claimed = _running_row(worker="gone", started=now - dt.timedelta(seconds=5))

    assert reclaim_orphans(now=now) == 3

    def status(row):
        return DBTaskResult.objects.get(pk=row.pk).status

    assert status(orphan) == status(killed_without_a_beat) == TaskResultStatus.READY
    assert status(spent) == TaskResultStatus.FAILED
    assert status(kept) == status(just_claimed) == TaskResultStatus.RUNNING
    # A second reclaimer finds nothing more to do.
    assert reclaim_orphans(now=now) == 0


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _backend_of(marker: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE %s AND pid <> pg_backend_pid()",
            [f"%{marker}%"],
        )
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_terminate_backend is PostgreSQL's; run with DATABASE_URL=postgres://…",
)
@pytest.mark.django_db(transaction=True)
def test_a_worker_outlives_a_killed_connection_and_runs_the_task_again(tmp_path):
    log = tmp_path / "worker.log"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "EMAIL_HOST"}},
        "DATABASE_URL": _database_url(),
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_LEASE_SECONDS": "5",
        "DEBUG": "false",
    }
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--no-schedules", "--interval", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        result = probe_tasks.hold_the_database.enqueue(60)
        assert wait_for(lambda: _backend_of("hold_the_database") is not None, timeout=60), (
            log.read_text()
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [_backend_of("hold_the_database")])

        def finished() -> bool:
            result.refresh()
            return result.is_finished

        assert wait_for(finished, timeout=60), log.read_text()
        assert worker.poll() is None, log.read_text()  # still running
        assert result.status == TaskResultStatus.SUCCESSFUL, log.read_text()
        assert result.return_value == "done on attempt 2"
        assert not DBTaskResult.objects.running().exists()
        assert "lost its database connection on attempt 1" in log.read_text()
        # The worker's heartbeat is recorded while it runs.
        assert WorkerHeartbeat.objects.exists()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    # Stopped cleanly, it leaves no heartbeat behind.
    assert not WorkerHeartbeat.objects.exists()


class FirstMessageHangs:
    """An SMTP handler that keeps the first message's connection waiting (a worker killed
    mid-send) and accepts the others at once; ``messages`` holds every message that arrived."""

    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope)
            first = len(self.messages) == 1
        if first:
            await asyncio.sleep(120)
        return "250 Message accepted for delivery"


def _worker_process(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-schedules", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the workers run in processes of their own on the test's database: PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_a_receipt_in_flight_when_its_worker_is_killed_goes_out_after_the_lease(tmp_path):
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = FirstMessageHangs()
    smtp = SmtpServer(handler, free_port())
    smtp.start()
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DATABASE_URL": _database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "false",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_LEASE_SECONDS": "3",
        "DEBUG": "false",
    }
    log_path = tmp_path / "workers.log"
    workers: list[subprocess.Popen] = []
    try:
        with log_path.open("w") as log:
            workers.append(_worker_process(env, log))
            mail = outbox.write_mail(
                kind=OutgoingMail.Kind.RECEIPT,
                recipient="li@example.org",
                language="en",
                subject="Your comment was received",
                body="Thank you.",
                now=timezone.now(),
            )
            assert wait_for(lambda: len(handler.messages) == 1, timeout=60), log_path.read_text()
            os.killpg(workers[0].pid, signal.SIGKILL)  # mid-send, as a machine dies
            workers[0].wait(timeout=30)
            killed_at = time.monotonic()
            workers.append(_worker_process(env, log))

            def sent() -> bool:
                mail.refresh_from_db()
                return mail.status == OutgoingMail.Status.SENT

            assert wait_for(sent, timeout=120), log_path.read_text()
            delay = time.monotonic() - killed_at
        # The worker lease (3 s here, 30 s by default) and the new worker's start (seconds, more
        # on a loaded machine), not the mail's own lease (over ten minutes).
        assert delay < 60, (delay, log_path.read_text())
        assert mail.attempts == 2
        assert len(handler.messages) == 2
        ids = {message_from_bytes(m.original_content)["Message-ID"] for m in handler.messages}
        assert ids == {mail.message_id}
        assert not DBTaskResult.objects.running().exists()
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
        smtp.stop()


def test_the_worker_loop_backs_off_on_database_errors_and_logs_once_a_minute(monkeypatch, caplog):
    from django.db import OperationalError
    from django_tasks_db.management.commands.db_worker import Worker

    from consult import worker as module
    from core import outages

    monkeypatch.setattr(outages, "_last", {})
    failures = iter([OperationalError("server closed the connection")] * 3)

    def library_run(self):
        error = next(failures, None)
        if error is not None:
            raise error

    waits: list[float] = []
    monkeypatch.setattr(Worker, "run", library_run)
    monkeypatch.setattr(module.time, "sleep", waits.append)
    monkeypatch.setattr(module, "drop_connections", lambda: None)
    worker = module.ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="loop-test",
        excluded_queue_names=[],
    )
    worker.run()  # returns once the library's loop does: the errors did not end it
    assert waits == [1.0, 2.0, 4.0]
    logged = [r for r in caplog.records if "database failed" in r.getMessage()]
    assert len(logged) == 1
    assert "OperationalError" in logged[0].getMessage()
    assert module.backoff(10) == module.MAX_BACKOFF
