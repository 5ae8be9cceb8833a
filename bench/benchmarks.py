"""The benchmarks. Each returns a ``Result``: rows of (metric, value, baseline, ratio, target)
and the raw details, written to bench/results/<name>.json by the runner.

``seeds`` and ``generate`` run manage.py in a subprocess; ``api`` and ``intake`` drive gunicorn
with locust (a separate process) and count queries in-process with the test client;
``changelist`` runs in-process; ``export`` runs the export in a subprocess and reads its peak
RSS. Django must be set up (``bench.__main__`` does it) before calling any of them.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import harness
from bench.harness import PYTHON, ROOT, LoadResult, Scale, Target

OPEN_CONSULTATION = "load-open"
ADMIN_USERNAME = "bench-admin"


@dataclass
class Row:
    metric: str
    value: float | int | str
    unit: str = ""
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None


@dataclass
class Result:
    name: str
    rows: list[Row] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def add(self, *args, **kwargs) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def as_dict(self) -> dict:
        return {"name": self.name, "rows": [asdict(r) for r in self.rows], "details": self.details}


def _ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 3) if baseline else None


def _listed(ratios: list[float | None]) -> str:
    """Each round's ratio, "n/a" where the bare side served nothing."""
    return " / ".join("n/a" if ratio is None else f"{ratio:.2f}×" for ratio in ratios)


# Seeds and load data ----------------------------------------------------------------------

SEED_TIME = re.compile(r"in ([0-9.]+) s")


def seeds(target: Target) -> Result:
    """``loadseeds`` on a migrated, empty database: wall time of the command (interpreter and
    Django start-up included) and the time the command reports for the load itself."""
    result = Result("seeds")
    wall, output = harness.manage(target, "loadseeds", "-v", "0")
    match = SEED_TIME.search(output)
    reported = float(match.group(1)) if match else float("nan")
    result.add("loadseeds wall time", round(wall, 2), "s", target="≤ 5 s", met=wall <= 5)
    result.add("load time reported by the command", reported, "s")
    result.details = {"wall_seconds": wall, "reported_seconds": reported}
    return result


def generate(target: Target, scale: Scale, seed: int) -> Result:
    result = Result("generate")
    wall, output = harness.manage(
        target,
        "generate_load_data",
        "--occupations",
        str(scale.occupations),
        "--comments",
        str(scale.comments),
        "--seed",
        str(seed),
        echo_stderr=scale.name != "tiny",
    )
    result.add("occupations", scale.occupations)
    result.add("comments", scale.comments)
    result.add("wall time", round(wall, 1), "s")
    result.add("comments per second", round(scale.comments / wall), "rows/s")
    result.details = {"output": output.strip()}
    return result


def settle(target: Target) -> None:
    """Leave the database as a server in service would be some time after a bulk load, and do
    it before measuring rather than during: ``VACUUM (ANALYZE)`` (fresh planner statistics,
    and the new rows' visibility map, as autovacuum would set it; index-only scans need it)
    and a ``CHECKPOINT`` (the load's dirty pages written out)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")


def prepare_baselines() -> None:
    from bench.baseline.views import create_table

    create_table()


# API --------------------------------------------------------------------------------------


def _queries(client, url: str, **headers) -> tuple[int, int, list[str], object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    return response.status_code, len(captured), [q["sql"] for q in captured], response


def api(base_url: str, scale: Scale, outdir: Path) -> Result:
    """100-item pages of /api/v1/occupations/ against a plain DRF ListAPIView over the same
    rows, and revalidation with If-None-Match."""
    from django.test import Client

    from occupations.models import Occupation

    result = Result("api")
    total = Occupation.objects.count()
    pages = max(1, total // 100)
    client = Client()
    url = "/api/v1/occupations/?page_size=100&page=2"
    status, queries, sql, response = _queries(client, url)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    etag = response.get("ETag", "")
    status_304, queries_304, sql_304, _r = _queries(client, url, HTTP_IF_NONE_MATCH=etag)
    base_status, base_queries, _s, _r = _queries(
        client, "/bench-baseline/occupations/?page_size=100&page=2"
    )
    env = {"BENCH_API_PAGES": str(pages)}
    harness.warm_up(base_url, [url, "/bench-baseline/occupations/?page_size=100&page=2"])
    common = {"host": base_url, "users": scale.users, "seconds": scale.duration, "outdir": outdir}
    product = harness.locust("ApiListUser", request_name="api list (GET)", env=env, **common)
    baseline = harness.locust(
        "BaselineListUser", request_name="baseline list (GET)", env=env, **common
    )
    not_modified = harness.locust(
        "ApiNotModifiedUser", request_name="api list 304 (GET)", env=env, **common
    )
    ratio = _ratio(product.rps, baseline.rps)
    result.add(
        "list page (100 items) requests/s",
        round(product.rps, 1),
        "req/s",
        baseline=round(baseline.rps, 1),
        ratio=ratio,
        target="≥ 0.8× bare DRF list",
        met=ratio is not None and ratio >= 0.8,
    )
    result.add("list page p50 / p99", f"{product.p50:.0f} / {product.p99:.0f}", "ms",
               baseline=None, target="")  # fmt: skip
    result.add("bare DRF list p50 / p99", f"{baseline.p50:.0f} / {baseline.p99:.0f}", "ms")
    ratio_304 = _ratio(not_modified.rps, product.rps)
    result.add(
        "304 (If-None-Match) requests/s",
        round(not_modified.rps, 1),
        "req/s",
        baseline=round(product.rps, 1),
        ratio=ratio_304,
        target="≥ 5× the full page",
        met=ratio_304 is not None and ratio_304 >= 5 and status_304 == 304,
    )
    result.add("304 p50 / p99", f"{not_modified.p50:.0f} / {not_modified.p99:.0f}", "ms")
    result.add("queries per list page", queries, baseline=base_queries)
    result.add("queries per 304", queries_304)
    failures = product.failures + baseline.failures + not_modified.failures
    result.add("failed requests", failures, target="0", met=failures == 0)
    result.details = {
        "occupations": total,
        "pages": pages,
        "product": asdict(product),
        "baseline": asdict(baseline),
        "not_modified": asdict(not_modified),
        "status_304": status_304,
        "sql_list_page": sql,
        "sql_304": sql_304,
        "baseline_status": base_status,
    }
    return result


# Comment intake ---------------------------------------------------------------------------

# The comment POST's requests/s against the bare insert view's: the floor the plain path must
# hold (a path between it and 0.5× stays plain rather than gain machinery).
INTAKE_FLOOR = 0.45


def intake(target: Target, base_url: str, scale: Scale, outdir: Path) -> Result:
    """Valid comment-form POSTs against a bare view inserting one row, same server, same run;
    then the stored rows are counted against the success responses. Then the same rounds
    again with a task worker running beside the server, putting comments in their campaigns
    (``consult.clustering``) as production does: the comment POST's requests/s with the
    clustering on."""
    from bench.baseline.views import count_rows
    from consult.models import Comment

    result = Result("intake")
    comments = Comment.objects.filter(consultation__slug=OPEN_CONSULTATION)
    comments_before = comments.count()
    rows_before = count_rows()
    harness.warm_up(base_url, [f"/consultations/{OPEN_CONSULTATION}/", "/bench-baseline/form/"])
    common = {"host": base_url, "users": scale.users, "seconds": scale.duration, "outdir": outdir}

    def run_product() -> LoadResult:
        return harness.locust(
            "CommentUser",
            request_name="comment (POST)",
            env={"BENCH_CONSULTATION": OPEN_CONSULTATION},
            **common,
        )

    def run_baseline() -> LoadResult:
        return harness.locust("BaselineInsertUser", request_name="baseline insert (POST)", **common)

    products, baselines = _in_turns(run_product, run_baseline, scale.intake_rounds)
    clustered = Comment.objects.filter(cluster__isnull=False)
    clustered_before = clustered.count()
    with harness.worker(target, logdir=outdir):
        _wait_for_first_assignment()
        clustering, clustering_baselines = _in_turns(run_product, run_baseline, scale.intake_rounds)
    assigned = clustered.count() - clustered_before
    product = harness.combine(products)
    baseline = harness.combine(baselines)
    with_clustering = harness.combine(clustering)
    baseline_with_clustering = harness.combine(clustering_baselines)
    stored = comments.count() - comments_before
    stored_baseline = count_rows() - rows_before
    rps_ratio = _ratio(product.rps, baseline.rps)
    p99_ratio = _ratio(product.p99, baseline.p99)
    round_ratios = [_ratio(p.rps, b.rps) for p, b in zip(products, baselines, strict=True)]
    result.add(
        "comment POST requests/s",
        round(product.rps, 1),
        "req/s",
        baseline=round(baseline.rps, 1),
        ratio=rps_ratio,
        target=f"≥ {INTAKE_FLOOR}× bare insert",
        met=rps_ratio is not None and rps_ratio >= INTAKE_FLOOR,
    )
    result.add(
        "comment POST p99",
        product.p99,
        "ms",
        baseline=baseline.p99,
        ratio=p99_ratio,
        target="≤ 3× bare insert",
        met=p99_ratio is not None and p99_ratio <= 3,
    )
    result.add("comment POST p50", product.p50, "ms", baseline=baseline.p50,
               ratio=_ratio(product.p50, baseline.p50))  # fmt: skip
    if len(round_ratios) > 1:
        result.add(
            f"requests/s ratio in each of {len(round_ratios)} rounds",
            _listed(round_ratios),
        )
    page = product.others.get("comment page (GET)", {})
    if page:
        result.add(
            "consultation page with the form, GET p50 / max (once per user)",
            f"{page['p50']:.0f} / {page['max']:.0f}",
            "ms",
        )
    # The worker shares the machine's two cores with the server, the load generator and the
    # database, so every request slows with it, the bare insert's as much as the comment's.
    # Whether the clustering costs the comment POST anything of its own shows against the bare
    # insert measured beside the same worker.
    result.add(
        "comment POST requests/s with a worker clustering beside the server",
        round(with_clustering.rps, 1),
        "req/s",
        baseline=round(product.rps, 1),
        ratio=_ratio(with_clustering.rps, product.rps),
    )
    result.add(
        "bare insert requests/s with the worker beside the server",
        round(baseline_with_clustering.rps, 1),
        "req/s",
        baseline=round(baseline.rps, 1),
        ratio=_ratio(baseline_with_clustering.rps, baseline.rps),
    )
    ratio_with_clustering = _ratio(with_clustering.rps, baseline_with_clustering.rps)
    rounds_with_clustering = [
        _ratio(p.rps, b.rps) for p, b in zip(clustering, clustering_baselines, strict=True)
    ]
    lowest_round = min((ratio for ratio in round_ratios if ratio is not None), default=None)
    result.add(
        "comment POST / bare insert requests/s, the worker beside both",
        round(with_clustering.rps, 1),
        "req/s",
        baseline=round(baseline_with_clustering.rps, 1),
        ratio=ratio_with_clustering,
        target="≥ the lowest round without the worker",
        met=None not in (ratio_with_clustering, lowest_round)
        and ratio_with_clustering >= lowest_round,
    )
    result.add("the same in each round", _listed(rounds_with_clustering))
    result.add("comments the worker put in campaigns meanwhile", assigned)
    successes = product.successes + with_clustering.successes
    failures = product.failures + with_clustering.failures
    result.add(
        "stored comments = success responses",
        f"{stored} = {successes}",
        target="equal, no failures",
        met=stored == successes and failures == 0 and stored > 0,
    )
    baseline_successes = baseline.successes + baseline_with_clustering.successes
    baseline_failures = baseline.failures + baseline_with_clustering.failures
    result.add(
        "baseline rows = success responses",
        f"{stored_baseline} = {baseline_successes}",
        met=stored_baseline == baseline_successes and baseline_failures == 0,
    )
    result.details = {
        "product": asdict(product),
        "baseline": asdict(baseline),
        "stored_comments": stored,
        "stored_baseline_rows": stored_baseline,
        "users": scale.users,
        "seconds": scale.duration,
        "rounds": scale.intake_rounds,
        "round_ratios": round_ratios,
        "with_clustering": asdict(with_clustering),
        "baseline_with_clustering": asdict(baseline_with_clustering),
        "round_ratios_with_clustering": rounds_with_clustering,
        "comments_assigned_during": assigned,
    }
    return result


def _in_turns(first, second, rounds: int) -> tuple[list[LoadResult], list[LoadResult]]:
    """``rounds`` runs of each side, each first in every other round: a machine slowing down
    or speeding up during the run weighs on both sides alike."""
    firsts: list[LoadResult] = []
    seconds: list[LoadResult] = []
    for round_number in range(rounds):
        if round_number % 2 == 0:
            firsts.append(first())
            seconds.append(second())
        else:
            seconds.append(second())
            firsts.append(first())
    return firsts, seconds


def _wait_for_first_assignment(timeout: float = 120) -> None:
    """Until the worker's schedule has started the campaign assignment (its first tick comes
    ``consult.schedules.TICK`` seconds after it starts)."""
    from consult.models import ScheduledRun

    deadline = time.monotonic() + timeout
    runs = ScheduledRun.objects.filter(
        name="assign_new_comments_to_campaigns", last_run_at__isnull=False
    )
    while not runs.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not assign campaigns within {timeout:.0f} s")
        time.sleep(1)


# Admin changelist -------------------------------------------------------------------------

CHANGELIST_TIMEOUT_S = 120


@contextlib.contextmanager
def _statement_timeout(seconds: int):
    """On PostgreSQL, cancel any one query running longer than ``seconds``, so that a page
    that would never finish at this size is reported as such instead of stalling the run."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


FULL_COUNT = re.compile(r'COUNT\(\*\).*FROM "consult_comment"(?!.*\bWHERE\b)', re.S | re.I)


def _admin_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user_model = get_user_model()
    user = user_model.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user = user_model.objects.create_superuser(
            ADMIN_USERNAME, f"{ADMIN_USERNAME}@example.org", "bench-not-a-secret"
        )
    client = Client()
    client.force_login(user)
    return client


def changelist(scale: Scale) -> Result:
    """The admin comment changelist as a logged-in superuser: time and queries per page,
    and whether any query counts the whole comment table."""
    from django.db import OperationalError, connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from consult.models import Comment

    result = Result("changelist")
    client = _admin_client()
    base = reverse("admin:consult_comment_changelist")
    total = Comment.objects.count()
    middle = max(1, total // 100 // 2)  # the admin shows 100 comments a page
    pages = {
        "first page": base,
        f"page {middle} (middle)": f"{base}?p={middle}",
        "filtered (status=received)": f"{base}?status__exact=received",
        "search": f"{base}?q=classification",
    }
    details = {"comments": total, "pages": {}}
    for label, url in pages.items():

        def fetch(url=url):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            return response, [q["sql"] for q in captured]

        try:
            with _statement_timeout(CHANGELIST_TIMEOUT_S):
                # The first request warms caches (templates, content types), as on a live
                # server; a page that slow is measured once, not again and again.
                first, (response, sql) = harness.median_time(fetch, 1)
                seconds = first
                if first < 3 and scale.changelist_repeats > 1:
                    seconds, (response, sql) = harness.median_time(fetch, scale.changelist_repeats)
        except OperationalError as exc:
            result.add(f"{label}: time", f"> {CHANGELIST_TIMEOUT_S} s (cancelled)", met=False)
            details["pages"][label] = {"url": url, "status": None, "error": str(exc)[:300]}
            continue
        full_counts = [q for q in sql if FULL_COUNT.search(q)]
        ok = response.status_code == 200
        result.add(f"{label}: time", round(seconds * 1000), "ms", met=None if ok else False)
        result.add(
            f"{label}: queries",
            len(sql),
            target="≤ 10, no full-table count",
            met=ok and len(sql) <= 10 and not full_counts,
        )
        details["pages"][label] = {
            "url": url,
            "status": response.status_code,
            "seconds": seconds,
            "first_seconds": first,
            "queries": len(sql),
            "full_table_counts": full_counts,
            "sql": sql,
        }
    result.details = details
    return result


# Export -----------------------------------------------------------------------------------


def export(target: Target, outdir: Path) -> Result:
    """The comment CSV export, run to the end in a subprocess: rows/s and the process's peak
    resident memory."""
    from consult.models import Comment

    result = Result("export")
    _admin_client()  # the worker logs in as this user
    expected = Comment.objects.count()
    completed = subprocess.run(
        [PYTHON, "-m", "bench.export_worker", "--username", ADMIN_USERNAME],
        cwd=ROOT,
        env=target.process_env(),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"export worker failed:\n{completed.stderr[-3000:]}")
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    rows_per_second = report["rows"] / report["seconds"] if report["seconds"] else 0
    peak_mb = report["peak_rss_kb"] / 1024
    result.add("rows exported", report["rows"], target=f"= {expected:,} comments",
               met=report["rows"] == expected)  # fmt: skip
    result.add("export time", round(report["seconds"], 1), "s")
    result.add("rows per second", round(rows_per_second), "rows/s", target="≥ 50,000",
               met=rows_per_second >= 50_000)  # fmt: skip
    result.add("peak RSS of the process", round(peak_mb, 1), "MB", target="≤ 150 MB",
               met=peak_mb <= 150)  # fmt: skip
    result.add("RSS before the export", round(report["start_rss_kb"] / 1024, 1), "MB")
    result.add("CSV size", round(report["bytes"] / 1024 / 1024, 1), "MB")
    result.details = {**report, "expected_rows": expected}
    return result


def elapsed_since(started: float) -> float:
    return round(time.perf_counter() - started, 1)


# Campaigns --------------------------------------------------------------------------------


def campaigns(target: Target, scale: Scale, seed: int) -> Result:
    """Near-duplicate campaign clustering: bulk time and memory, quality, one assignment
    (``bench.campaign_bench``)."""
    from bench import campaign_bench

    result = Result("campaigns")
    campaign_bench.run(target, scale, seed, result)
    return result


def record(target: Target, scale: Scale, seed: int) -> Result:
    """The comment record computed over the scale's comments, and proofs served
    (``bench.record_bench``)."""
    from bench import record_bench

    result = Result("record")
    record_bench.run(target, scale, seed, result)
    return result


def similar() -> Result:
    """The "nearest" list of a draft: precision and recall on labelled titles, and its time
    (``bench.similar_bench``)."""
    from bench import similar_bench

    result = Result("similar")
    similar_bench.run(result)
    return result
