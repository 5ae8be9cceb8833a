"""The worker as an operator runs it: ``manage.py run_worker`` in its own process on SQLite
delivers a receipt, and bad configuration stops it with a message naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tasks.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def sqlite_env(tmp_path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "EMAIL_PORT"}
    }
    env.update(SQLITE_PATH=str(tmp_path / "worker.sqlite3"), MEDIA_ROOT=str(tmp_path / "media"))
    return env


WRITE_RECEIPT = """
from django.utils import timezone
from consult.delivery import outbox
from consult.models import OutgoingMail
from django.db import transaction
with transaction.atomic():
    outbox.write_mail(kind="receipt", recipient="li@example.org", language="en",
                      subject="Your comment 7KQ4-M2XD-93TR was received", body="Thanks.",
                      now=timezone.now())
"""


def test_a_worker_process_delivers_a_receipt_on_sqlite(sqlite_env):
    assert _manage("migrate", "--noinput", "-v", "0", env=sqlite_env).returncode == 0
    assert _manage("shell", "-c", WRITE_RECEIPT, env=sqlite_env).returncode == 0
    worker = _manage("run_worker", "--batch", env=sqlite_env)
    assert worker.returncode == 0, worker.stderr
    # The console backend prints the message; the worker's log says what ran.
    assert "Subject: Your comment 7KQ4-M2XD-93TR was received" in worker.stdout
    assert "consult.delivery.outbox.deliver_mail" in worker.stdout + worker.stderr
    status = _manage(
        "shell",
        "-c",
        "from consult.models import OutgoingMail; print(OutgoingMail.objects.get().status)",
        env=sqlite_env,
    )
    assert status.stdout.strip().splitlines()[-1] == "sent"


def test_an_unreachable_database_is_named_not_traced(sqlite_env):
    env = {**sqlite_env, "DATABASE_URL": f"postgres://consult:secret@127.0.0.1:{free_port()}/x"}
    worker = _manage("run_worker", "--batch", env=env)
    assert worker.returncode != 0
    assert "DATABASE_URL" in worker.stderr
    assert "cannot reach its database" in worker.stderr
    assert "Traceback" not in worker.stderr
    assert "secret" not in worker.stderr


def test_an_unmigrated_database_says_to_migrate(sqlite_env):
    worker = _manage("run_worker", "--batch", env=sqlite_env)
    assert worker.returncode != 0
    assert "manage.py migrate" in worker.stderr
    assert "Traceback" not in worker.stderr
