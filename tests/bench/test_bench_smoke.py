"""Every benchmark runs for real at the tiny scale: its own database, loadseeds, the
generator, gunicorn, short headless locust runs against the comment form, the bare insert
view, the API and the bare DRF list, the admin changelist and the CSV export in a subprocess.
Nothing is timed here; the run only has to work and count right.

Uses PostgreSQL (a throw-away database next to the test database) when the tests run on
PostgreSQL, else a SQLite file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LOCUST = Path(sys.executable).parent / "locust"
GUNICORN = Path(sys.executable).parent / "gunicorn"

pytestmark = pytest.mark.skipif(
    not (LOCUST.exists() and GUNICORN.exists()),
    reason="needs locust and gunicorn in the environment (pip install '.[bench]')",
)


def _database_options() -> list[str]:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        redis = os.environ.get("REDIS_URL", "")
        return [
            "--db",
            "postgres",
            "--database-name",
            f"consult_bench_smoke_{os.getpid()}",
            "--redis-url",
            redis,
        ]
    return ["--db", "sqlite", "--database-name", "bench-smoke", "--redis-url", ""]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict[str, dict]:
    results = tmp_path_factory.mktemp("bench-results")
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "tiny", "--results", str(results),
         *_database_options()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=420,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    summary = json.loads((results / "summary.json").read_text())
    return {result["name"]: result for result in summary["results"]}


def rows(result: dict) -> dict[str, dict]:
    return {row["metric"]: row for row in result["rows"]}


def test_every_benchmark_ran(run):
    assert set(run) == {
        "seeds",
        "generate",
        "api",
        "intake",
        "changelist",
        "export",
        "campaigns",
        "record",
        "similar",
        "downloads",
    }
    assert not [name for name, result in run.items() if "error" in result]


def test_seeds_load_on_the_empty_database(run):
    assert rows(run["seeds"])["loadseeds wall time"]["value"] > 0


def test_intake_stores_one_comment_per_success_response(run):
    details = run["intake"]["details"]
    assert details["product"]["requests"] > 0
    assert details["product"]["failures"] == 0
    assert details["with_clustering"]["requests"] > 0
    assert details["with_clustering"]["failures"] == 0
    assert (
        details["stored_comments"]
        == details["product"]["requests"] + details["with_clustering"]["requests"]
    )
    assert details["stored_baseline_rows"] >= details["baseline"]["requests"] > 0
    # Both sides ran in turns, and each round's ratio is reported.
    assert details["rounds"] == 2
    assert len(details["round_ratios"]) == 2 and all(details["round_ratios"])
    assert "requests/s ratio in each of 2 rounds" in rows(run["intake"])
    # The same rounds again with a worker beside the server, its schedule assigning campaigns.
    measured = rows(run["intake"])
    assert measured["comment POST requests/s with a worker clustering beside the server"]["value"]
    beside_both = measured["comment POST / bare insert requests/s, the worker beside both"]
    assert beside_both["ratio"] == pytest.approx(
        details["with_clustering"]["rps"] / details["baseline_with_clustering"]["rps"], abs=1e-3
    )
    assert len(details["round_ratios_with_clustering"]) == 2
    assert all(details["round_ratios_with_clustering"])
    assert measured["baseline rows = success responses"]["met"] is True


def test_api_pages_and_304s_are_served(run):
    details = run["api"]["details"]
    assert details["status_304"] == 304
    for key in ("product", "baseline", "not_modified"):
        assert details[key]["requests"] > 0
        assert details[key]["failures"] == 0
    assert rows(run["api"])["queries per list page"]["value"] > 0


def test_the_changelist_pages_render(run):
    pages = run["changelist"]["details"]["pages"]
    assert {page["status"] for page in pages.values()} == {200}
    assert all(page["queries"] > 0 for page in pages.values())


def test_the_export_streams_every_comment(run):
    details = run["export"]["details"]
    assert details["rows"] == details["expected_rows"] > 3_000
    assert details["peak_rss_kb"] > 0


def test_the_campaigns_are_clustered_measured_and_found(run):
    """The campaign benchmark clusters its comments in a process of its own, measures it, and
    finds the labelled campaigns (the quality target holds at this size too)."""
    measured = rows(run["campaigns"])
    comments = measured["comments"]["value"]
    assert 2_500 <= comments <= 3_500
    assert measured["campaigns (labelled)"]["value"] >= 20
    assert measured["bulk clustering wall time"]["value"] > 0
    assert measured["bulk clustering peak RSS"]["value"] > 0
    assert measured["pairwise precision"]["met"] and measured["pairwise recall"]["met"]
    details = run["campaigns"]["details"]
    assert f"{comments:,} comments" in details["command_output"]
    assert len(details["assign_ms"]) == 200 and min(details["assign_ms"]) > 0


def test_the_nearest_list_is_measured_and_timed(run):
    """The similar benchmark measures the labelled titles and times a draft's nearest list
    against the generated registry (the seeds and the tiny scale's 300 occupations)."""
    measured = rows(run["similar"])
    assert measured["labelled pairs"]["value"] >= 100
    assert measured["justification rule: precision"]["met"] is True
    assert measured["nearest list: recall"]["met"] is True
    assert measured["registry occupations compared"]["value"] > 300
    assert measured["one draft's nearest list, median"]["value"] > 0


def test_the_comment_record_is_computed_and_its_proofs_verify(run):
    """The record benchmark computes the record of its closed consultation in a process of its
    own, and every proof the API served verifies against the root with the standalone
    verifier."""
    measured = rows(run["record"])
    assert measured["comments in the record"]["met"] is True
    assert measured["comments in the record"]["value"] == 3_000
    assert measured["record computation peak RSS"]["value"] > 0
    assert measured["proofs that verify against the root"]["met"] is True
    details = run["record"]["details"]
    assert "3000 comments, root " + details["root"] in details["command_output"]
    assert len(details["proof_ms"]) == 200 and min(details["proof_ms"]) > 0


def test_the_downloads_hold_every_occupation_and_are_timed(run):
    details = run["downloads"]["details"]
    records = details["records"]
    assert records["json"] == records["api"] == records["api_release"] > 0
    assert rows(run["downloads"])["occupations in the release"]["met"] is True
    assert details["build_outcome"] == "built"
    assert details["build_seconds"] > 0 and details["json_fetch_seconds"] > 0
    assert set(details["file_sizes"]) == {
        "batches.csv",
        "occupations.csv",
        "standards.csv",
        "registry.xlsx",
        "registry.json",
        "README",
        "SHA256SUMS",
    }
