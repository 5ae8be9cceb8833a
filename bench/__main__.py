"""``python -m bench``: run every benchmark on a database of its own and print the results.

    python -m bench                       # BENCH_SCALE (default full), PostgreSQL, gunicorn
    python -m bench --scale small
    python -m bench --scale tiny --db sqlite --only seeds,intake

Creates ``consult_bench`` on 127.0.0.1:5432 (user postgres) and drops it at the end, uses Redis
at 127.0.0.1:6379 db 9, serves the project with gunicorn (2 sync workers) on a free local port,
and writes one JSON file per benchmark to bench/results/ (or --results). Exits non-zero if a
benchmark could not run; a missed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import harness
from bench.harness import ROOT, SCALES, Target

BENCHMARKS = [
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
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        choices=sorted(SCALES),
        default=os.environ.get("BENCH_SCALE", "full"),
        help="Data and load sizes (default: $BENCH_SCALE or full).",
    )
    parser.add_argument(
        "--db", choices=["postgres", "sqlite"], default=os.environ.get("BENCH_DB", "postgres")
    )
    parser.add_argument(
        "--database-name",
        default=os.environ.get("BENCH_DATABASE", "consult_bench"),
        help="Database the run creates and drops (default consult_bench).",
    )
    parser.add_argument(
        "--redis-url",
        default=None,
        help="Cache for the server processes (default redis://127.0.0.1:6379/9 with "
        "PostgreSQL, none with SQLite).",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--only", default="", help=f"Comma-separated subset of: {', '.join(BENCHMARKS)}."
    )
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--keep-db", action="store_true", help="Do not drop the database.")
    parser.add_argument("--markdown", action="store_true", help="Print the table as Markdown.")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="SUMMARY_JSON",
        help="Only print the table of an earlier run's summary.json; run nothing.",
    )
    args = parser.parse_args(argv)
    args.only = [name for name in args.only.split(",") if name] or BENCHMARKS
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if args.redis_url is None:
        args.redis_url = "redis://127.0.0.1:6379/9" if args.db == "postgres" else ""
    return args


def machine(target: Target) -> dict:
    """What the numbers ran on, and what else was busy on the machine."""
    from django.db import connection

    with open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("select sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    busy = subprocess.run(
        ["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
        capture_output=True,
        text=True,
    ).stdout.splitlines()[:8]
    import django

    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "load_average": os.getloadavg(),
        "busiest_processes": [line.strip() for line in busy],
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(results: list[dict], *, markdown: bool) -> str:
    header = ["benchmark", "metric", "value", "baseline", "ratio", "target", "met"]
    lines = []
    for result in results:
        for row in result["rows"]:
            value = format_value(row["value"]) + (f" {row['unit']}" if row["unit"] else "")
            baseline = "" if row["baseline"] is None else format_value(row["baseline"])
            ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}×"
            met = {True: "yes", False: "NO", None: ""}[row["met"]]
            target = row["target"]
            lines.append([result["name"], row["metric"], value, baseline, ratio, target, met])
        if "error" in result:
            error = result["error"].splitlines()[0][:120]
            lines.append([result["name"], "ERROR", error, "", "", "", "NO"])
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
        return "\n".join(out)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=False)]
    rule = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
    out += ["  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) for cells in lines]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        summary = json.loads(args.report.read_text())
        print(table(summary["results"], markdown=args.markdown))
        return 0
    scale = SCALES[args.scale]
    args.results.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    started = time.perf_counter()
    print(f"bench: scale {scale.name}, {args.db}, {args.workers} gunicorn workers", flush=True)
    target = Target.create(
        db=args.db, name=args.database_name, redis_url=args.redis_url, workdir=workdir
    )
    target.apply()
    harness.flush_redis(args.redis_url)
    harness.manage(target, "migrate", "--noinput", "-v", "0")

    import django

    django.setup()
    from bench import benchmarks, release_downloads

    benchmarks.prepare_baselines()
    info = {
        "scale": scale.name,
        "db": args.db,
        "workers": args.workers,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(target),
    }
    results: list[dict] = []
    failed = False

    def run(name: str, function, *fargs, required: bool = False) -> None:
        nonlocal failed
        if name not in args.only and not required:
            return
        print(f"bench: {name} ...", flush=True)
        begun = time.perf_counter()
        try:
            result = function(*fargs).as_dict()
        except Exception as exc:  # one broken benchmark must not hide the others' results
            failed = True
            traceback.print_exc()
            result = {"name": name, "rows": [], "error": f"{type(exc).__name__}: {exc}"[:300]}
        result["seconds"] = round(time.perf_counter() - begun, 1)
        result["scale"] = scale.name
        results.append(result)
        (args.results / f"{name}.json").write_text(
            json.dumps({**info, **result}, indent=2, ensure_ascii=False, default=str)
        )

    try:
        # Seeds first: loadseeds is measured on the empty, migrated database. The other
        # benchmarks need the seeds (major groups) and the generated data in any case.
        needs_data = bool(set(args.only) - {"seeds", "campaigns", "record", "similar"})
        # The nearest list is timed against the seeded registry at least.
        run("seeds", benchmarks.seeds, target, required=needs_data or "similar" in args.only)
        if needs_data:
            run("generate", benchmarks.generate, target, scale, args.seed, required=True)
            if args.db == "postgres":
                benchmarks.settle(target)
        if {"api", "intake"} & set(args.only):
            with harness.gunicorn(target, workers=args.workers, logdir=workdir) as base_url:
                run("api", benchmarks.api, base_url, scale, workdir)
                run("intake", benchmarks.intake, target, base_url, scale, workdir)
        run("changelist", benchmarks.changelist, scale)
        run("export", benchmarks.export, target, workdir)
        run("campaigns", benchmarks.campaigns, target, scale, args.seed)
        run("record", benchmarks.record, target, scale, args.seed)
        run("similar", benchmarks.similar)
        # Last: it issues a release, which the other benchmarks' data do not expect.
        run("downloads", release_downloads.downloads, scale)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            target.drop()
    info["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    info["seconds"] = round(time.perf_counter() - started, 1)
    info["load_average_at_end"] = os.getloadavg()
    (args.results / "summary.json").write_text(
        json.dumps({**info, "results": results}, indent=2, ensure_ascii=False, default=str)
    )
    print()
    print(table(results, markdown=args.markdown))
    print(
        f"\n{scale.name} run on {info['machine']['cpus']} CPUs, "
        f"{info['machine']['database']}, Python {info['machine']['python']}: "
        f"{info['seconds']:.0f} s; results in {args.results}/"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
