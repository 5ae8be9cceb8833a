"""A web node killed under load (SIGKILL on its gunicorn master) loses no stored comment and no
receipt: the proxy stops sending to it within its health checks, and the only failures are
requests that were in flight on it.

A gunicorn worker looks for its master only when no request waits, so under load the workers of
a killed master go on serving. The test kills them too at once (a service manager such as
systemd does so when a service's main process dies), and the node is then gone as a machine is
that lost its power: requests it was running get no answer.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest
from django_tasks_db.models import DBTaskResult

from consult.models import Comment
from tests.cluster.conftest import sweep_as_if_time_passed
from tests.cluster.traffic import Load, accepted, delivered, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# The load is under way on both nodes when web1 is killed (each has taken this many comments),
# and goes on until this many requests have started after the proxy marked web1 down; the
# load's own limit in seconds only ends one that never gets there.
SERVED_BY_EACH_BEFORE_KILL = 100
REQUESTS_AFTER_DOWN = 500
LOAD_LIMIT_SECONDS = 180
THREADS = 6


@pytest.fixture
def web1_restored(cluster):
    """web1 running and healthy again after the test, whatever happened to it."""
    yield
    cluster.clear("web1")
    cluster.start_web("web1")
    cluster.wait_for_backends({"web1": "UP", "web2": "UP"})


def test_killing_a_web_node_under_load_loses_no_comment(
    cluster, proxy, open_consultation, mailbox, web1_restored, figures
):
    load = Load(
        proxy, open_consultation.slug, tag="kill", seconds=LOAD_LIMIT_SECONDS, threads=THREADS
    )
    runner = threading.Thread(target=load.run)
    runner.start()
    try:
        under_way = wait_until(
            lambda: all(
                load.by_node().get(node, 0) >= SERVED_BY_EACH_BEFORE_KILL
                for node in ("web1", "web2")
            ),
            timeout=60,
        )
        killed_at = time.monotonic()
        cluster.signal("web1", signal.SIGKILL)
        cluster.clear("web1")
        detection = cluster.wait_for_backends({"web1": "DOWN"})
        down_at = killed_at + detection
        wait_until(
            lambda: (
                sum(1 for attempt in load.attempts if attempt.started > down_at)
                >= REQUESTS_AFTER_DOWN
            ),
            timeout=60,
        )
    finally:
        load.stop()
        runner.join()

    rows = dict(
        Comment.objects.filter(consultation=open_consultation).values_list(
            "tracking_number", "email"
        )
    )

    # Receipts go out after their comments are stored: the worker works through its queue. A
    # comment committed on web1 just before it died may have its mail in the outbox but no
    # task to send it (the task is enqueued after commit); what is still pending once no task
    # is queued or running is that, and the sweep finds it.
    def everything() -> bool:
        return accepted(mailbox) >= len(rows)

    def queue_idle() -> bool:
        return not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()

    wait_until(lambda: everything() or queue_idle(), timeout=90)
    task_lost = 0 if everything() else sweep_as_if_time_passed()
    wait_until(everything, timeout=60)
    receipts = delivered(mailbox)
    after_down = [attempt for attempt in load.attempts if attempt.started > down_at]
    failures = load.failures
    figures.record(
        "web node killed under load",
        seconds=round(
            max(a.ended for a in load.attempts) - min(a.started for a in load.attempts), 1
        ),
        requests=len(load.attempts),
        successes=len(load.successes),
        stored_rows=len(rows),
        receipts_sent=sum(receipts.values()),
        receipts_whose_task_was_lost=task_lost,
        failures=len(failures),
        failure_statuses=sorted({str(attempt.status or attempt.error) for attempt in failures}),
        seconds_to_mark_node_down=round(detection, 2),
        requests_after_node_down=len(after_down),
        served_after_node_down=_count_nodes(after_down),
        successes_by_node=load.by_node(),
    )

    assert under_way, f"the load had not reached both nodes: {load.by_node()}"
    # Every comment that was answered as taken is stored, and with it its receipt.
    assert {attempt.tracking_number for attempt in load.successes} <= rows.keys()
    assert all(receipts.get(email) == 1 for email in rows.values())
    assert len(receipts) == sum(receipts.values()) == len(rows)
    # Failures are the requests in flight on web1: started before the proxy gave up on it,
    # at most one per client, and none once the proxy had marked it down.
    assert len(failures) <= THREADS
    assert all(attempt.started <= down_at for attempt in failures)
    assert len(rows) <= len(load.successes) + len(failures)
    assert len(after_down) > 50
    assert _count_nodes(after_down) == {"web2": len(after_down)}


def _count_nodes(attempts) -> dict[str, int]:
    counts: dict[str, int] = {}
    for attempt in attempts:
        counts[attempt.node] = counts.get(attempt.node, 0) + 1
    return counts
