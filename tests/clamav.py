"""A real clamd for the tests, with a signature database the tests write themselves (no
signature download): the EICAR test file by its MD5, and a marker string by its bytes, so that
a match inside an otherwise valid PDF is found too.

CI (``CI=true`` with ``DATABASE_URL`` set) must have clamd (Debian's ``clamav-daemon``): there the
tests fail rather than skip without it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from core.clamd import Scanner

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"
MARKER = b"consult-clamav-test-marker-5b1e"
STARTUP_SECONDS = 60


def find_clamd() -> str | None:
    return shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")


def start_clamd() -> tuple[subprocess.Popen, Path]:
    """clamd in the foreground with its own configuration, socket and database in a fresh
    folder under /tmp (a Unix socket path must stay short); returns the process and socket."""
    binary = find_clamd()
    if binary is None:
        if os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL"):
            pytest.fail("clamd is not installed; CI installs clamav-daemon (.ci/run).")
        pytest.skip("clamd is not installed (Debian package clamav-daemon)")
    home = Path(tempfile.mkdtemp(prefix="clamd-"))
    database = home / "db"
    database.mkdir()
    (database / "consult-test.hdb").write_text(f"{EICAR_MD5}:{len(EICAR)}:Consult.Test.EICAR\n")
    (database / "consult-test.ndb").write_text(f"Consult.Test.Marker:0:*:{MARKER.hex()}\n")
    socket_path = home / "clamd.sock"
    config = home / "clamd.conf"
    config.write_text(
        f"LocalSocket {socket_path}\n"
        f"DatabaseDirectory {database}\n"
        f"TemporaryDirectory {home}\n"
        f"LogFile {home / 'clamd.log'}\n"
        "Foreground yes\n"
        "StreamMaxLength 20M\n"
    )
    process = subprocess.Popen(
        [binary, "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    scanner = Scanner(socket_path=str(socket_path), timeout=2)
    deadline = time.monotonic() + STARTUP_SECONDS
    while not scanner.ping():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = (home / "clamd.log").read_text() if (home / "clamd.log").exists() else ""
            pytest.fail(f"clamd did not start:\n{log}")
        time.sleep(0.1)
    return process, socket_path


def stop_clamd(process: subprocess.Popen, socket_path: Path) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(socket_path.parent, ignore_errors=True)
