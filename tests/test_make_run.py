"""`make run` from the README serves the public pages and the admin, with a worker of the task
queue beside the server that sends a comment's receipt.

Runs the real Makefile target in a subprocess against a throw-away SQLite file (the virtual
environment is already installed, so the install step is a no-op), waits for the server, fetches
pages over HTTP, then stops the server. Not marked django_db: it never touches the test database.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


@pytest.fixture
def served(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        SQLITE_PATH=str(tmp_path / "run.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
        DEMO_ADMIN_PASSWORD="a-long-demo-password-for-tests",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "make-run.log").open("w")
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        up = False
        while not up and time.monotonic() < deadline and process.poll() is None:
            try:
                up = _get(f"{base}/admin/login/")[0] == 200
            except OSError:
                time.sleep(0.5)
        if not up:
            log.flush()
            pytest.fail("make run did not serve:\n" + (tmp_path / "make-run.log").read_text())
        yield base, tmp_path / "make-run.log"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_make_run_serves_the_home_page_and_the_admin(served):
    base, log = served
    status, home = _get(f"{base}/")
    assert status == 200
    # The seeded history and the open sample consultation are what a newcomer sees first.
    assert "[Sample]" in home or "示例" in home
    status, login = _get(f"{base}/admin/login/")
    assert status == 200
    assert 'name="auth-username"' in login
    status, api = _get(f"{base}/api/v1/batches/?format=json")
    assert status == 200
    assert '"count":6' in api.replace(" ", "")
    output = log.read_text()
    assert "admin" in output


def _post_comment(base: str, slug: str, email: str) -> str:
    """Post a comment through the public form (with its CSRF cookie); the receipt's URL."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/consultations/{slug}/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"csrfmiddlewaretoken": token, "body": "A comment from make run.", "email": email}
    request = urllib.request.Request(
        f"{base}/consultations/{slug}/comment/",
        data=urllib.parse.urlencode(data).encode(),
        headers={"Referer": f"{base}/"},
    )
    with opener.open(request, timeout=10) as response:
        return response.url


def test_make_run_sends_a_receipt_through_its_worker(served):
    base, log = served
    receipt_url = _post_comment(base, "sample-draft-list", "visitor@example.org")
    number = receipt_url.rstrip("/").rsplit("/", 1)[-1]
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", number)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "Mail #" not in log.read_text():
        time.sleep(0.5)
    output = log.read_text()
    # The console backend prints the receipt from the worker's process, not the server's.
    assert "consult.delivery.outbox.deliver_mail state=SUCCESSFUL" in output
    assert "To: visitor@example.org" in output
    assert "Mail #1 sent (attempt 1)." in output
