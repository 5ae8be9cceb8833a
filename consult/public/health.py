"""``/healthz``: whether this node can serve and the queue behind it works, for load balancers
and monitors. JSON with the database, the cache, the age of the newest worker heartbeat and the
number of tasks ready to run; 200 when all is well, 503 otherwise. No personal data, a handful
of cheap queries, never cached.

``?scope=node`` answers 503 only when this node cannot reach its database (what a load balancer
should act on: taking every node out because Redis or the workers are down would turn a
degraded service into an outage); the other checks are still reported.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult

from consult.models import WorkerHeartbeat

SCOPES = {"all", "node"}


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _cache() -> bool:
    key, value = "healthz", get_random_string(8)
    try:
        cache.set(key, value, timeout=10)
        return cache.get(key) == value
    except Exception:
        return False


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    scope = request.GET.get("scope", "all")
    if scope not in SCOPES:
        return JsonResponse(
            {"error": "scope must be 'all' or 'node'.", "field": "scope"}, status=400
        )
    now = timezone.now()
    report: dict = {"database": _database(), "cache": _cache()}
    lease = dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    if report["database"]:
        try:
            last = WorkerHeartbeat.objects.last_seen()
            depth = DBTaskResult.objects.ready().count()
        except DatabaseError:
            report["database"], last, depth = False, None, None
    else:
        last, depth = None, None
    age = None if last is None else max((now - last).total_seconds(), 0.0)
    report["worker_heartbeat_age_seconds"] = None if age is None else round(age, 1)
    report["worker"] = age is not None and age < lease.total_seconds()
    report["queue_ready"] = depth
    healthy = (
        report["database"]
        if scope == "node"
        else all(report[check] for check in ("database", "cache", "worker"))
    )
    report["status"] = "ok" if healthy else "failing"
    return JsonResponse(report, status=200 if healthy else 503)
