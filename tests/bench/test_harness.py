"""The harness's arithmetic: runs of one request in turns are combined into one result."""

from __future__ import annotations

import pytest

from bench.harness import LoadResult, combine


def run(rps: float, times: dict[str, int], *, failures: int = 0) -> LoadResult:
    requests = sum(times.values())
    slowest = max(times, key=float)
    return LoadResult(
        name="comment (POST)",
        requests=requests,
        failures=failures,
        rps=rps,
        p50=0.0,
        p90=0.0,
        p99=0.0,
        max=float(slowest),
        seconds=10.0,
        response_times=times,
    )


def test_combined_runs_add_up_their_requests_and_take_percentiles_of_all_of_them():
    fast = run(400.0, {"5": 90, "10": 10})
    slow = run(200.0, {"10": 50, "40": 48, "90": 2}, failures=3)
    combined = combine([fast, slow])
    assert combined.requests == 200
    assert combined.failures == 3
    assert combined.rps == pytest.approx(300.0)
    assert combined.response_times == {"5": 90, "10": 60, "40": 48, "90": 2}
    # 90 of 200 within 5 ms, 150 within 10 ms, 198 within 40 ms.
    assert (combined.p50, combined.p90, combined.p99) == (10.0, 40.0, 40.0)
    assert combined.max == 90.0
    assert combined.seconds == 20.0


def test_one_run_is_its_own_combination():
    only = run(123.0, {"7": 1})
    assert combine([only]) is only
