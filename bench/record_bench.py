"""The comment record benchmark (``consult.commitment``): a closed consultation of
``scale.comments`` comments, its record computed by ``manage.py commit_comment_records`` (what
the worker's schedule runs) in a process of its own under ``/usr/bin/time`` (wall time, peak
RSS), then ``PROOFS`` inclusion proofs served by the API in-process through the test client
(median and 95th percentile), each checked with ``tools/verify_comment_proof.py``'s function
against the published root.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
import re
import statistics
import subprocess
import time

from bench.harness import PYTHON, ROOT, Scale, Target

SLUG = "load-record"
COMPUTED = re.compile(r"Computed in ([0-9.]+) s")
PROOFS = 200
# The targets, for 1,000,000 comments on the bench machine; smaller runs are scaled linearly.
SECONDS_PER_MILLION = 60
RSS_LIMIT_MB = 500
PROOF_MEDIAN_MS = 20


def _store(scale: Scale, seed: int):
    """A consultation whose window closed an hour ago, with ``scale.comments`` comments."""
    from django.utils import timezone

    from consult.models import Comment, Consultation, comment_fingerprint, new_tracking_number

    rng = random.Random(seed)
    now = timezone.now()
    closes = now - dt.timedelta(hours=1)
    consultation = Consultation.objects.create(
        slug=SLUG,
        title="Generated closed consultation",
        status=Consultation.Status.CONSULTATION,
        opens_at=closes - dt.timedelta(days=30),
        closes_at=closes,
    )
    for start in range(0, scale.comments, 5000):
        rows = []
        for i in range(start, min(start + 5000, scale.comments)):
            body = f"Comment {i}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
            rows.append(
                Comment(
                    consultation=consultation,
                    body=body,
                    author_name=f"Sender {i}" if i % 3 else "",
                    email=f"sender{i}@example.org" if i % 2 else "",
                    fingerprint=comment_fingerprint(body),
                    tracking_number=new_tracking_number(),
                    submitted_at=closes - dt.timedelta(seconds=scale.comments - i),
                    consent_to_publish=bool(i % 4),
                )
            )
        Comment.objects.bulk_create(rows)
    return consultation


WORDS = [
    "occupation",
    "definition",
    "task",
    "equipment",
    "hydrogen",
    "maintenance",
    "digital",
    "green",
    "skill",
    "standard",
    "operator",
    "inspect",
    "record",
    "safety",
    "training",
    "职业",
    "定义",
    "任务",
    "设备",
    "维护",
    "数字",
    "绿色",
    "技能",
    "标准",
]


def _timed_command(target: Target) -> tuple[float, int, str]:
    """``commit_comment_records`` under ``/usr/bin/time``: wall seconds, peak RSS (kB), output."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %M", PYTHON, "manage.py", "commit_comment_records"],
        cwd=ROOT,
        env=target.process_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"commit_comment_records failed:\n{result.stdout}\n{result.stderr}")
    line = [ln for ln in result.stderr.splitlines() if ln.startswith("TIME ")][-1]
    _label, wall, rss = line.split()
    return float(wall), int(rss), result.stdout.strip()


def _verifier():
    spec = importlib.util.spec_from_file_location(
        "verify_comment_proof", ROOT / "tools" / "verify_comment_proof.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _proof_times(consultation, seed: int, root: str) -> tuple[list[float], int]:
    """Fetch ``PROOFS`` proofs of random comments through the API in-process: milliseconds
    each, and how many verified against ``root``."""
    from django.test import Client

    from consult.models import Comment

    verifier = _verifier()
    numbers = list(
        Comment.objects.filter(consultation=consultation).values_list("tracking_number", flat=True)
    )
    rng = random.Random(seed + 2)
    client = Client()
    client.get(f"/api/v1/comments/{numbers[0]}/proof/")  # warm-up
    times, verified = [], 0
    for number in rng.sample(numbers, min(PROOFS, len(numbers))):
        started = time.perf_counter()
        response = client.get(f"/api/v1/comments/{number}/proof/")
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"proof of {number}: {response.status_code} {response.content!r}")
        proof = response.json()
        path = [bytes.fromhex(p) for p in proof["audit_path"]]
        leaf = verifier.leaf_hash(proof)
        got = verifier.root_from_path(leaf, proof["leaf_index"], proof["tree_size"], path)
        verified += got is not None and got.hex() == root
    return times, verified


def run(target: Target, scale: Scale, seed: int, result) -> None:
    """Fill ``result`` (a ``benchmarks.Result``) with the comment record measurements."""
    from consult.models import CommentRecord

    begun = time.perf_counter()
    consultation = _store(scale, seed)
    stored = time.perf_counter() - begun
    wall, rss_kb, output = _timed_command(target)
    record = CommentRecord.objects.get(consultation=consultation)
    times, verified = _proof_times(consultation, seed, record.root)
    millions = scale.comments / 1_000_000
    budget = SECONDS_PER_MILLION * millions
    result.add("comments", scale.comments)
    result.add(
        "comments in the record",
        record.leaf_count,
        target=f"= {scale.comments:,}",
        met=record.leaf_count == scale.comments,
    )
    result.add("storing the comments", round(stored, 1), "s")
    computed = float(COMPUTED.search(output).group(1))
    result.add(
        "record computed (reading, hashing, storing)",
        computed,
        "s",
        target=f"≤ {budget:,.1f} s ({SECONDS_PER_MILLION} s per million)",
        met=computed <= budget,
    )
    result.add("the command's wall time (with Django's start-up)", round(wall, 1), "s")
    result.add(
        "record computation peak RSS",
        round(rss_kb / 1024),
        "MB",
        target=f"≤ {RSS_LIMIT_MB} MB",
        met=rss_kb / 1024 <= RSS_LIMIT_MB,
    )
    median = statistics.median(times)
    result.add(
        "one proof served by the API, median",
        round(median, 2),
        "ms",
        target=f"≤ {PROOF_MEDIAN_MS} ms",
        met=median <= PROOF_MEDIAN_MS,
    )
    p95 = statistics.quantiles(times, n=20)[-1]
    result.add(
        "one proof served by the API, 95th percentile",
        round(p95, 2),
        "ms",
        target=f"≤ {PROOF_MEDIAN_MS} ms",
        met=p95 <= PROOF_MEDIAN_MS,
    )
    result.add(
        "proofs that verify against the root",
        verified,
        target=f"= {len(times)}",
        met=verified == len(times),
    )
    result.details = {
        "command_output": output,
        "root": record.root,
        "proof_ms": [round(t, 2) for t in times],
    }
