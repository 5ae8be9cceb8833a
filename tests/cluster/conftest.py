"""The local cluster (deploy/local-cluster/) built once for these tests, on the test database.

The web nodes and the worker run in their own network namespaces and reach the test run's
PostgreSQL database and Redis through the bridge, so what a test writes with the ORM (in a
committed transaction: ``transaction=True``) the nodes read, and what they store the test
reads back.

On SQLite the tests are skipped: the shape they prove is the production one. On PostgreSQL they
need Redis, root, ``ip netns``, HAProxy, socat and openssl; without them they are skipped with
the reason, except in CI (``CI=true``), where a cluster that cannot be built is a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from consult.models import Consultation
from tests.cluster.traffic import Proxy
from tests.factories import ConsultationFactory
from tests.site.conftest import make_draft

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "local-cluster"))
import localcluster  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
FIGURES = ARTIFACTS / "cluster-figures.json"
# Small, so that a test of the limit needs few requests; loads send from many addresses.
COMMENT_RATE_LIMIT = "5/h"


def why_not_here() -> tuple[str, bool]:
    """Why the cluster cannot run here (empty if it can), and whether CI tolerates that."""
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return "the cluster runs on PostgreSQL and Redis (DATABASE_URL): this run is SQLite", True
    if not os.environ.get("REDIS_URL"):
        return "the cluster shares Redis between its nodes: set REDIS_URL", False
    if os.geteuid() != 0:
        return "the cluster needs root (network namespaces, a bridge)", False
    missing = localcluster.missing_tools()
    if missing:
        return (
            f"the cluster needs {', '.join(missing)}: run deploy/local-cluster/packages.sh",
            False,
        )
    return "", True


class Figures:
    """What each test measured, kept in test-artifacts/cluster-figures.json as it comes and
    shown at the end of the run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.by_test: dict[str, dict] = {}

    def record(self, test: str, **figures) -> None:
        self.by_test[test] = figures
        print(f"cluster figures, {test}: {json.dumps(figures)}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.by_test, indent=2) + "\n")


_figures = Figures(FIGURES)


def pytest_terminal_summary(terminalreporter):
    if _figures.by_test:
        terminalreporter.section("cluster figures")
        for test, figures in _figures.by_test.items():
            terminalreporter.write_line(f"{test}: {json.dumps(figures)}")
        terminalreporter.write_line(f"(also in {FIGURES.relative_to(ROOT)})")


@pytest.fixture(scope="session")
def figures() -> Figures:
    return _figures


@pytest.fixture(scope="package")
def cluster(django_db_setup):
    """The running cluster on the test database; torn down after the last cluster test, or
    as soon as building it fails."""
    reason, ci_tolerates = why_not_here()
    if reason:
        if os.environ.get("CI") == "true" and not ci_tolerates:
            pytest.fail(f"CI on PostgreSQL must run the cluster tests, but {reason}")
        pytest.skip(reason)
    database = urlsplit(os.environ["DATABASE_URL"])._replace(
        path="/" + settings.DATABASES["default"]["NAME"]
    )
    run_dir = ARTIFACTS / "cluster"
    shutil.rmtree(run_dir, ignore_errors=True)
    built = localcluster.Cluster(
        run_dir,
        database_url=database.geturl(),
        redis_url=os.environ["REDIS_URL"],
        settings={"COMMENT_RATE_LIMIT": COMMENT_RATE_LIMIT},
    )
    try:
        built.collect_static()
        built.up()
    except localcluster.ClusterError as error:
        built.down()
        pytest.fail(f"the local cluster could not be built: {error}")
    try:
        yield built
    finally:
        built.down()


@pytest.fixture
def proxy(cluster) -> Proxy:
    host, port = localcluster.PROXY_ADDRESS
    return Proxy(host, port, cluster.certificate)


@pytest.fixture
def mailbox(cluster) -> Path:
    """The SMTP server's mailbox, emptied for this test (held marks of a server killed while it
    held a message included)."""
    for pattern in ("*.eml", ".*.held"):
        for path in cluster.mailbox.glob(pattern):
            path.unlink()
    return cluster.mailbox


@pytest.fixture
def open_consultation(transactional_db) -> Consultation:
    """A consultation open for comments now, committed so that the nodes see it.

    The worker's campaign schedule is held off for the test: assigning thousands of load
    comments outlasts the test, and its writes would then race the flush of the test
    database between tests (a deadlock with its TRUNCATE). Campaigns are tested in
    tests/consult; here the worker only sends mail."""
    from consult.models import ScheduledRun

    ScheduledRun.objects.update_or_create(
        name="assign_new_comments_to_campaigns",
        defaults={"next_run_at": timezone.now() + dt.timedelta(days=1)},
    )
    consultation = ConsultationFactory(status=Consultation.Status.CONSULTATION)
    make_draft(consultation, 1, name="Hydrogen producer")
    return consultation


def sweep_as_if_time_passed() -> int:
    """Let the outbox's sweep run now on what it would take up later; how many mails it gets.

    The sweep takes a pending mail once ``outbox.SWEEP_GRACE`` has passed since it fell due,
    a leased one only after its lease (minutes), and runs once a minute. Rather than wait that
    long, this moves each pending mail's due time back past the grace, as the clock would, and
    the sweep's next run to now; the worker's next tick then runs the sweep itself.
    """
    from consult.delivery import outbox
    from consult.models import OutgoingMail, ScheduledRun

    now = timezone.now()
    pending = OutgoingMail.objects.filter(status=OutgoingMail.Status.PENDING)
    count = pending.update(next_attempt_at=now - outbox.SWEEP_GRACE)
    ScheduledRun.objects.filter(name="sweep").update(next_run_at=now)
    return count
