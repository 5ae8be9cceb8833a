"""What every benchmark needs: a database of its own, manage.py in a subprocess, gunicorn on a
free local port, a bounded headless locust run, and timing helpers.

Nothing here imports Django at module level: the runner sets the environment first (database,
Redis, rate limit off, baselines on), then sets Django up for the in-process measurements.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


@dataclass(frozen=True)
class Scale:
    name: str
    occupations: int
    comments: int
    users: int
    duration: int  # seconds of load per locust run
    changelist_repeats: int
    # Intake runs the comment form and the bare insert view in turns, this many times each:
    # the machine's speed drifts between runs, and turns give both sides the same drift.
    intake_rounds: int


SCALES = {
    "tiny": Scale("tiny", occupations=300, comments=3_000, users=2, duration=2,
                  changelist_repeats=1, intake_rounds=2),
    "small": Scale("small", occupations=2_000, comments=100_000, users=8, duration=10,
                   changelist_repeats=3, intake_rounds=3),
    "full": Scale("full", occupations=20_000, comments=1_000_000, users=8, duration=20,
                  changelist_repeats=5, intake_rounds=3),
}  # fmt: skip


@dataclass
class Target:
    """The database and cache one bench run uses, as environment variables for every process
    it starts (gunicorn, manage.py, the export worker) and for itself."""

    db: str  # "postgres" or "sqlite"
    database_url: str = ""
    sqlite_path: str = ""
    redis_url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, *, db: str, name: str, redis_url: str, workdir: Path) -> Target:
        env = {
            # The project's settings plus the bench app and the baselines' URLs.
            "DJANGO_SETTINGS_MODULE": "config.bench_settings",
            "DEBUG": "false",
            "COMMENT_RATE_LIMIT": "0",
            # Every load request comes from one address: the per-client throttle would cap the
            # run at its hourly allowance, so it is off, as the comment rate limit is.
            "API_THROTTLE_RATE": "0",
            "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": str(workdir / "media"),
            "PYTHONPATH": str(ROOT),
        }
        target = cls(db=db, redis_url=redis_url)
        if db == "postgres":
            target.database_url = f"postgres://postgres@127.0.0.1:5432/{name}"
            env["DATABASE_URL"] = target.database_url
            _recreate_postgres_database(name)
        else:
            target.sqlite_path = str(workdir / f"{name}.sqlite3")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target.sqlite_path)
            env["SQLITE_PATH"] = target.sqlite_path
        if redis_url:
            env["REDIS_URL"] = redis_url
            env["CACHE_KEY_PREFIX"] = f"bench-{name}"
        target.env = env
        return target

    def apply(self) -> None:
        """Make this process use the target (before Django is set up)."""
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        os.environ.update(self.env)

    def process_env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(self.env)
        env.update(extra)
        return env

    def drop(self) -> None:
        if self.db == "postgres":
            _drop_postgres_database(self.database_url.rsplit("/", 1)[1])
        elif self.sqlite_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.sqlite_path)


def _admin_connection():
    import psycopg

    return psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)


def _drop_postgres_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _recreate_postgres_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    if not url:
        return
    import redis

    redis.Redis.from_url(url).flushdb()


def manage(target: Target, *args: str, echo_stderr: bool = False) -> tuple[float, str]:
    """Run ``manage.py *args``; returns (wall seconds, stdout). Raises on failure."""
    started = time.perf_counter()
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=target.process_env(),
        stdout=subprocess.PIPE,
        stderr=None if echo_stderr else subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr or ''}"
        )
    return elapsed, result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen, log: IO[str]) -> None:
    """TERM, then KILL if ``process`` has not ended within 30 s; its log closed."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@contextlib.contextmanager
def gunicorn(target: Target, *, workers: int, logdir: Path) -> Iterator[str]:
    """gunicorn with ``workers`` sync workers on 127.0.0.1; yields the base URL."""
    port = free_port()
    log = open(logdir / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=target.process_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {logdir / 'gunicorn.log'}")
            try:
                with urllib.request.urlopen(f"{base}/bench-baseline/form/", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        _stop(process, log)


@contextlib.contextmanager
def worker(target: Target, *, logdir: Path) -> Iterator[subprocess.Popen]:
    """One task worker (``manage.py run_worker``, its schedule ticking) beside the server, as
    production runs one; stopped on exit."""
    log = open(logdir / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [PYTHON, "manage.py", "run_worker"],
        cwd=ROOT,
        env=target.process_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        _stop(process, log)


@dataclass
class LoadResult:
    """One locust run, for the request named ``name``."""

    name: str
    requests: int
    failures: int
    rps: float  # mean over the whole seconds between the first and the last one
    p50: float
    p90: float
    p99: float
    max: float
    seconds: float
    # The run's other requests (pages fetched before the measured ones): name -> p50, count.
    others: dict = field(default_factory=dict)
    # Locust's histogram of the measured requests: rounded milliseconds -> count.
    response_times: dict = field(default_factory=dict)

    @property
    def successes(self) -> int:
        return self.requests - self.failures


def _percentile(response_times: dict[str, int], fraction: float) -> float:
    """Locust's own method: the smallest recorded (rounded) time covering ``fraction``."""
    total = sum(response_times.values())
    if not total:
        return float("nan")
    covered = 0
    for milliseconds in sorted(response_times, key=float):
        covered += response_times[milliseconds]
        if covered >= fraction * total:
            return float(milliseconds)
    return float(max(response_times, key=float))


def _steady_rps(entry: dict) -> float:
    """Requests per second over the whole seconds of the run: the first second (users still
    fetching their pages) and the last (users stopping) are left out when there are enough."""
    per_second = {int(k): v for k, v in entry["num_reqs_per_sec"].items()}
    if len(per_second) >= 4:
        seconds = sorted(per_second)[1:-1]
        return sum(per_second[s] for s in seconds) / (seconds[-1] - seconds[0] + 1)
    span = (entry["last_request_timestamp"] or 0) - entry["start_time"]
    return entry["num_requests"] / span if span > 0 else float(entry["num_requests"])


def locust(
    user_class: str,
    *,
    host: str,
    users: int,
    seconds: int,
    request_name: str,
    outdir: Path,
    env: dict[str, str] | None = None,
) -> LoadResult:
    """One headless locust run in its own process: every user fetches its page, then the
    measured requests run for ``seconds``. Users finish the request in flight before they
    stop, and the statistics are read from the JSON locust writes once every user has
    stopped (its CSV is refreshed only once a second)."""
    stats_file = outdir / f"locust-{user_class}"
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(users),
        # A cap only: the measured part is BENCH_MEASURE_SECONDS from the start line.
        "-t",
        f"{seconds + 240}s",
        "--stop-timeout",
        "30",
        "--json-file",
        str(stats_file),
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        user_class,
    ]
    started = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {}), "BENCH_MEASURE_SECONDS": str(seconds)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=seconds + 420,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"locust {user_class} failed:\n{result.stdout[-3000:]}")
    entries = json.loads(Path(f"{stats_file}.json").read_text())
    entry = next((e for e in entries if e["name"] == request_name), None)
    if entry is None:
        raise RuntimeError(
            f"locust {user_class}: no request named {request_name!r}:\n{result.stdout[-3000:]}"
        )
    times = entry["response_times"]
    return LoadResult(
        name=request_name,
        requests=entry["num_requests"],
        failures=entry["num_failures"],
        rps=_steady_rps(entry),
        p50=_percentile(times, 0.50),
        p90=_percentile(times, 0.90),
        p99=_percentile(times, 0.99),
        max=float(entry["max_response_time"]),
        seconds=elapsed,
        response_times=dict(times),
        others={
            e["name"]: {
                "requests": e["num_requests"],
                "failures": e["num_failures"],
                "p50": _percentile(e["response_times"], 0.5),
                "max": float(e["max_response_time"]),
            }
            for e in entries
            if e["name"] != request_name
        },
    )


def combine(runs: list[LoadResult]) -> LoadResult:
    """Several runs of the same request as one: requests and failures added up, requests/s the
    mean of the runs' (each measured for the same time), percentiles of all the requests."""
    if len(runs) == 1:
        return runs[0]
    times: dict[str, int] = {}
    for run in runs:
        for milliseconds, count in run.response_times.items():
            times[milliseconds] = times.get(milliseconds, 0) + count
    return LoadResult(
        name=runs[0].name,
        requests=sum(run.requests for run in runs),
        failures=sum(run.failures for run in runs),
        rps=sum(run.rps for run in runs) / len(runs),
        p50=_percentile(times, 0.50),
        p90=_percentile(times, 0.90),
        p99=_percentile(times, 0.99),
        max=max(run.max for run in runs),
        seconds=sum(run.seconds for run in runs),
        others=runs[0].others,
        response_times=times,
    )


def warm_up(base_url: str, paths: list[str], *, rounds: int = 5) -> None:
    """A few GETs of each path, so that every worker has imported its code and compiled its
    templates before the measured runs."""
    for _round in range(rounds):
        for path in paths:
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                urllib.request.urlopen(base_url + path, timeout=30).read()


def median_time(function, repeats: int) -> tuple[float, object]:
    """The median wall time of ``repeats`` calls, and the last call's result."""
    times = []
    result = None
    for _ in range(max(repeats, 1)):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result
