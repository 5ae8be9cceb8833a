"""``/healthz`` for load balancers and monitors, and the notice that no worker runs on every
page that waits for one."""

from __future__ import annotations

import ast
import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from consult.admin import exports
from consult.models import WorkerHeartbeat
from tests.factories import ConsultationFactory
from tests.site.test_report_pdf import world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NO_WORKER = "No worker has been seen for"


def _beat(seconds_ago: float) -> WorkerHeartbeat:
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id=f"w{seconds_ago}",
        host="node-1",
        pid=42,
        started_at=now - dt.timedelta(hours=1),
        seen_at=now - dt.timedelta(seconds=seconds_ago),
    )


def test_healthy_with_a_live_worker(client, django_assert_max_num_queries):
    _beat(2)
    with django_assert_max_num_queries(3):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] is body["cache"] is body["worker"] is True
    assert 1 <= body["worker_heartbeat_age_seconds"] < 30
    assert body["queue_ready"] == 0
    # Nothing about the worker beyond its age: no host, no process.
    assert "node-1" not in response.content.decode()


def test_no_worker_seen_is_a_503_with_the_age(client, settings):
    settings.WORKER_LEASE_SECONDS = 30
    _beat(600)
    ConsultationFactory()  # enqueues nothing by itself
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["worker"]) == ("failing", False)
    assert body["worker_heartbeat_age_seconds"] >= 600


def test_a_failing_cache_is_a_503_but_the_node_scope_stays_up(client, monkeypatch):
    _beat(1)

    def broken(*args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr(cache, "set", broken)
    assert client.get("/healthz").json()["cache"] is False
    assert client.get("/healthz").status_code == 503
    node = client.get("/healthz?scope=node")
    assert node.status_code == 200
    assert node.json()["cache"] is False


def test_a_bad_scope_is_named(client):
    response = client.get("/healthz?scope=everything")
    assert response.status_code == 400
    assert response.json()["field"] == "scope"


def test_head_answers_for_monitors(client):
    _beat(1)
    assert client.head("/healthz").status_code == 200


# The notice on pages that wait for a worker -----------------------------------------------


def test_the_admin_index_says_how_long_no_worker_was_seen(client, superuser, settings):
    settings.WORKER_LEASE_SECONDS = 30
    client.force_login(superuser)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No worker of the task queue has been seen" in page
    _beat(7 * 60 + 5)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{NO_WORKER} 7 minutes" in page
    _beat(1)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert NO_WORKER not in page and "worker-notice" not in page


def test_a_waiting_export_says_no_worker_runs(client, moderator):
    _beat(5 * 60)
    client.force_login(moderator)
    job = exports.request_comment_export(by=moderator, filters="", now=timezone.now())
    page = client.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{NO_WORKER} 5 minutes" in page


def test_the_pdf_being_made_says_no_worker_runs(world, settings):  # noqa: F811
    settings.LANGUAGE_CODE = "en"
    _beat(3 * 60)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(f"/consultations/{world.closed.slug}/report.pdf")
    assert response.status_code == 202
    assert f"{NO_WORKER} 3 minutes" in response.content.decode()
    _beat(1)
    again = client.get(f"/consultations/{world.closed.slug}/report.pdf").content.decode()
    assert NO_WORKER not in again


def test_the_notice_is_translated(client, superuser):
    _beat(7 * 60)
    client.force_login(superuser)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "7 分钟" in page


def test_a_plain_http_check_is_answered_in_production(client, settings):
    from tests.test_project import manage, production

    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECURE_REDIRECT_EXEMPT)",
        **production(),
    )
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = ast.literal_eval(shown.stdout.strip().splitlines()[-1])
    _beat(1)
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz?scope=node").status_code == 200
    assert client.get("/privacy/").status_code == 301
