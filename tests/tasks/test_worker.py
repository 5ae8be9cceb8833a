"""The worker as an operator runs it: ``manage.py run_worker`` in its own process on SQLite
delivers a receipt, and bad configuration stops it with a message naming the setting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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


def test_a_database_that_never_answers_times_out_naming_the_setting(sqlite_env):
    # A listening socket that accepts and never answers a byte.
    with socket.socket() as black_hole:
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(8)
        port = black_hole.getsockname()[1]
        env = {
            **sqlite_env,
            "DATABASE_URL": f"postgres://consult:secret@127.0.0.1:{port}/x",
            "DATABASE_CONNECT_TIMEOUT": "2",
        }
        started = time.monotonic()
        worker = _manage("run_worker", "--batch", env=env, timeout=60)
        elapsed = time.monotonic() - started
    assert worker.returncode != 0
    assert "DATABASE_CONNECT_TIMEOUT (2 s)" in worker.stderr, worker.stderr
    assert "Traceback" not in worker.stderr
    assert "secret" not in worker.stderr
    assert elapsed < 30
