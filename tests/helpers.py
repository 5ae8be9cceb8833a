"""Assertions shared by several test areas."""

import pytest
from django.db import IntegrityError, connection, transaction


def assert_refused(write, constraint: str) -> None:
    """``write()`` fails in the database, and the error names the constraint (PostgreSQL names
    every constraint; SQLite names check constraints only)."""
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        write()
    if connection.vendor == "postgresql" or not constraint.startswith("unique:"):
        assert constraint.removeprefix("unique:") in str(exc.value)


def plan(sql: str) -> str:
    """PostgreSQL's plan of ``sql`` with sequential scans, bitmap scans and sorts priced out: on a
    test's small table the planner would take any of them; left with plain index scans, the
    index that fits the WHERE and the ORDER BY wins, if there is one."""
    switches = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET {switch} = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            for switch in switches:
                cursor.execute(f"RESET {switch}")


def run_queued_tasks(worker_id: str = "test-worker") -> None:
    """Run every task that is ready, as ``manage.py run_worker --batch`` would, in this
    process (without the worker's signal handlers, which belong to pytest here). The worker
    closes the connection between tasks, as a request does; in a test that would close the
    connection holding the test's transaction, so it is kept open."""
    from unittest import mock

    from django_tasks_db.management.commands import db_worker

    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        _worker(worker_id).run()


def _worker(worker_id: str):
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def wait_for(condition, *, timeout: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds have passed; whether it held."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True
