"""A shared cache that is down is not an outage: a running server, its Redis at a closed port
or at one that accepts and never answers, still takes comments (the limit then counted from
the database), answers the API, and spends well under a second on each request."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.utils import timezone

from consult.models import Comment, Consultation
from tests.factories import ConsultationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# A request that waited on the cache's time-outs (0.2 s each) is still well under this.
SLOW = 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A local port that accepts connections and never answers a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def serve(redis_port: int, stderr: Path) -> tuple[subprocess.Popen, str]:
    """``manage.py runserver`` on this test's PostgreSQL database, its Redis at
    ``redis_port``, three comments an hour per client."""
    port = free_port()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "COMMENT_RATE_LIMIT": "3/h",
        "API_THROTTLE_RATE": "1000/h",
        "DEBUG": "false",
        "DJANGO_ENV": "development",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/api/v1/", timeout=2)
            return server, base
        except requests.ConnectionError:
            time.sleep(0.2)
    server.kill()
    pytest.fail("the server did not start: " + stderr.read_text()[-2000:])


def open_consultation() -> Consultation:
    now = timezone.now()
    return ConsultationFactory(
        slug="open-now",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=1),
    )


def post_comment(session: requests.Session, base: str, slug: str, body: str):
    page = session.get(f"{base}/consultations/{slug}/", timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    started = time.monotonic()
    response = session.post(
        f"{base}/consultations/{slug}/comment/",
        data={"csrfmiddlewaretoken": token.group(1), "body": body, "website": ""},
        headers={"Referer": base + "/"},
        allow_redirects=False,
        timeout=10,
    )
    return response, time.monotonic() - started


@pytest.mark.parametrize("outage", ["closed port", "black hole"])
def test_a_server_whose_redis_is_down_still_takes_comments_and_answers_the_api(
    outage, black_hole, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("the server process shares the test database: PostgreSQL")
    consultation = open_consultation()
    redis_port = free_port() if outage == "closed port" else black_hole
    log = tmp_path / "server.log"
    server, base = serve(redis_port, log)
    try:
        session = requests.Session()
        answers = [post_comment(session, base, consultation.slug, f"Comment {n}") for n in range(5)]
        api = []
        for path in ("occupations", "batches", "consultations", "standards"):
            started = time.monotonic()
            response = session.get(f"{base}/api/v1/{path}/", timeout=10)
            api.append((response.status_code, time.monotonic() - started))
    finally:
        server.terminate()
        server.wait(timeout=10)

    # Three an hour, counted from the stored comments while the cache is down.
    assert [response.status_code for response, _ in answers] == [302, 302, 302, 429, 429]
    assert Comment.objects.filter(consultation=consultation).count() == 3
    assert [status for status, _ in api] == [200, 200, 200, 200]
    times = [seconds for _, seconds in answers] + [seconds for _, seconds in api]
    print(f"{outage}: seconds per request", [round(t, 3) for t in times])
    assert max(times) < SLOW, times
    errors = log.read_text()
    assert "Internal Server Error" not in errors
    # One warning a minute per kind of failure, not one per request.
    assert errors.count("Shared cache unavailable (rate limit comment)") == 1
    assert errors.count("Shared cache unavailable (API throttle)") == 1
