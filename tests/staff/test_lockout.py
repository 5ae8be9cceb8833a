"""Lockout: five failed sign-ins for one (username, client address) pair lock that pair, and
only that pair, for 15 minutes; the count lives in the database, shared by every process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client

from tests.staff.conftest import sign_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def from_address(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def fail(client: Client, username: str, times: int) -> list[int]:
    return [sign_in(client, username, "wrong password").status_code for _ in range(times)]


def test_five_failures_lock_the_pair_with_a_clear_429(editor):
    attacker = from_address("203.0.113.7")
    assert fail(attacker, "editor", 4) == [200] * 4
    locked = sign_in(attacker, "editor", "wrong password")
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in locked.text
    assert "locked for 15 more minutes" in locked.text
    # Even the right password is refused from that address now.
    right = sign_in(attacker, "editor")
    assert right.status_code == 429
    assert attacker.get("/admin/").status_code == 302


def test_the_lock_holds_that_pair_only(editor, moderator):
    fail(from_address("203.0.113.7"), "editor", 5)
    # The same account from another address signs in.
    colleague = from_address("198.51.100.20")
    assert sign_in(colleague, "editor").status_code == 302
    # Another account from the locked address signs in.
    same_office = from_address("203.0.113.7")
    assert sign_in(same_office, "moderator").status_code == 302


def test_the_lock_ends_15_minutes_after_the_last_failure(editor):
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        fail(from_address("203.0.113.7"), "editor", 5)
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(from_address("203.0.113.7"), "editor").status_code == 302


def test_trying_again_while_locked_restarts_the_15_minutes(editor):
    """Each refused try counts as a failure: a client that keeps guessing stays locked."""
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        fail(from_address("203.0.113.7"), "editor", 5)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert sign_in(from_address("203.0.113.7"), "editor").status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        locked = sign_in(from_address("203.0.113.7"), "editor")
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60


def test_the_address_is_read_behind_trusted_proxies(settings, editor):
    """Behind one proxy every request comes from the proxy: the pair uses the client's address
    from X-Forwarded-For, so one client's failures lock no one else behind the same proxy."""
    settings.TRUSTED_PROXY_COUNT = 1

    def via_proxy(client_ip: str) -> Client:
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_ip)

    fail(via_proxy("203.0.113.7"), "editor", 5)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    assert sign_in(via_proxy("198.51.100.20"), "editor").status_code == 302
    assert sign_in(via_proxy("203.0.113.7"), "editor").status_code == 429


def test_failures_from_two_clients_add_up(editor):
    """Two web nodes each see some of the failures; the shared store counts them together."""
    node_a, node_b = from_address("203.0.113.7"), from_address("203.0.113.7")
    assert fail(node_a, "editor", 3) == [200] * 3
    assert fail(node_b, "editor", 1) == [200]
    assert sign_in(node_a, "editor", "wrong").status_code == 429
    assert sign_in(node_b, "editor").status_code == 429


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_failures_in_another_process_count_here(editor):
    """Three failures in a separate Python process, two here: the pair is locked here."""
    if connection.vendor != "postgresql":
        pytest.skip("The test database on SQLite is in memory: no second process can open it.")
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(REMOTE_ADDR='203.0.113.7')\n"
        "for _ in range(3):\n"
        "    r = c.post('/admin/account/login/', {'login_view-current_step': 'auth',\n"
        "               'auth-username': 'editor', 'auth-password': 'wrong'})\n"
        "    print(r.status_code)\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLOWED_HOSTS": "testserver",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["200", "200", "200"]
    here = from_address("203.0.113.7")
    assert fail(here, "editor", 1) == [200]
    assert sign_in(here, "editor", "wrong").status_code == 429
    assert sign_in(from_address("198.51.100.20"), "editor").status_code == 302


def test_staff_with_the_permission_see_attempts_and_unlock(superuser, editor):
    fail(from_address("203.0.113.7"), "editor", 5)
    admin_client = Client()
    admin_client.force_login(superuser)
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "203.0.113.7" in listing.text
    attempt = AccessAttempt.objects.get()
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(from_address("203.0.113.7"), "editor").status_code == 302


def test_a_role_without_the_permission_does_not_see_attempts(publisher):
    client = Client()
    client.force_login(publisher)
    assert client.get("/admin/axes/accessattempt/").status_code == 403
