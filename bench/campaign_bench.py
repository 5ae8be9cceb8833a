"""The campaign clustering benchmark (``consult.clustering``): a consultation of
``scale.comments`` labelled comments (``bench.campaigns``: campaigns of 20 to 2,000 copies in
Chinese and English, the rest independent), clustered in bulk by ``manage.py cluster_comments``
in a process of its own (wall time and peak RSS, as ``/usr/bin/time`` reports them), the
pairwise precision and recall of what it found, and the time to assign one new comment as the
worker does (median and 95th percentile over ``ASSIGNED`` comments).
"""

from __future__ import annotations

import random
import statistics
import subprocess
import time

from bench.harness import PYTHON, ROOT, Scale, Target

SLUG = "load-campaigns"
ASSIGNED = 200
CAMPAIGN_SHARE = 0.3
# The targets, for 1,000,000 comments on the bench machine; smaller runs are scaled linearly.
BULK_SECONDS_PER_MILLION = 600
RSS_LIMIT_MB = 1024
ASSIGN_MEDIAN_MS = 20


def _campaign_count(comments: int) -> int:
    """At least 20 campaigns; about one per 1,000 campaign comments beyond that."""
    return max(20, round(comments * CAMPAIGN_SHARE / 1000))


def _store(scale: Scale, seed: int) -> tuple[object, list[int | None], list[int]]:
    """The consultation and its comments, written in batches; the labels and pks in order."""
    from django.utils import timezone

    from bench import campaigns
    from consult.models import Comment, Consultation, new_tracking_number

    rng = random.Random(seed)
    total = scale.comments
    letters, labels = campaigns.plan(
        rng,
        campaigns=_campaign_count(total),
        independents=total - round(total * CAMPAIGN_SHARE),
        budget=round(total * CAMPAIGN_SHARE),
    )
    now = timezone.now()
    consultation = Consultation.objects.create(
        slug=SLUG,
        title="Generated campaigns",
        status=Consultation.Status.CONSULTATION,
        opens_at=now - timezone.timedelta(days=10),
        closes_at=now + timezone.timedelta(days=20),
    )
    pks: list[int] = []
    for start in range(0, len(labels), 5000):
        rows = [
            Comment(
                consultation=consultation,
                body=campaigns.text_for(rng, label, letters),
                fingerprint="",
                tracking_number=new_tracking_number(),
                submitted_at=now,
            )
            for label in labels[start : start + 5000]
        ]
        pks.extend(c.pk for c in Comment.objects.bulk_create(rows))
    return consultation, labels, pks


def _timed_command(target: Target) -> tuple[float, int, str]:
    """``cluster_comments`` under ``/usr/bin/time``: wall seconds, peak RSS (kB), its output."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %M", PYTHON, "manage.py", "cluster_comments", SLUG,
         "--no-progress"],
        cwd=ROOT,
        env=target.process_env(),
        capture_output=True,
        text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"cluster_comments failed:\n{result.stdout}\n{result.stderr}")
    line = [ln for ln in result.stderr.splitlines() if ln.startswith("TIME ")][-1]
    _label, wall, rss = line.split()
    return float(wall), int(rss), result.stdout.strip()


def _assign_times(consultation, seed: int) -> list[float]:
    """Store ``ASSIGNED`` new comments (copies and independent ones) and time the worker's
    assignment of each, in milliseconds."""
    from bench import campaigns
    from consult import clustering
    from consult.models import Comment, new_tracking_number

    rng = random.Random(seed + 1)
    letters, labels = campaigns.plan(rng, campaigns=20, independents=ASSIGNED // 2, budget=400)
    times = []
    for label in labels[:ASSIGNED]:
        comment = Comment.objects.create(
            consultation=consultation,
            body=campaigns.text_for(rng, label, letters),
            fingerprint="",
            tracking_number=new_tracking_number(),
        )
        started = time.perf_counter()
        clustering.assign(comment.pk)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(target: Target, scale: Scale, seed: int, result) -> None:
    """Fill ``result`` (a ``benchmarks.Result``) with the campaign measurements."""
    from bench.campaigns import pairwise_quality
    from consult.models import Comment

    begun = time.perf_counter()
    consultation, labels, pks = _store(scale, seed)
    stored = time.perf_counter() - begun
    wall, rss_kb, output = _timed_command(target)
    found = dict(Comment.objects.filter(consultation=consultation).values_list("pk", "cluster_id"))
    precision, recall = pairwise_quality(labels, [found[pk] for pk in pks])
    times = _assign_times(consultation, seed)
    millions = len(labels) / 1_000_000
    budget = BULK_SECONDS_PER_MILLION * millions
    campaign_labels = {label for label in labels if label is not None}
    result.add("comments", len(labels))
    result.add("campaigns (labelled)", len(campaign_labels))
    result.add("storing the comments", round(stored, 1), "s")
    result.add(
        "bulk clustering wall time",
        round(wall, 1),
        "s",
        target=f"≤ {budget:,.0f} s ({BULK_SECONDS_PER_MILLION} s per million)",
        met=wall <= budget,
    )
    result.add(
        "bulk clustering, extrapolated to 1,000,000", round(wall / millions), "s", target="≤ 600 s"
    )
    result.add(
        "bulk clustering peak RSS",
        round(rss_kb / 1024),
        "MB",
        target=f"≤ {RSS_LIMIT_MB} MB",
        met=rss_kb / 1024 <= RSS_LIMIT_MB,
    )
    result.add("pairwise precision", round(precision, 4), target="≥ 0.95", met=precision >= 0.95)
    result.add("pairwise recall", round(recall, 4), target="≥ 0.90", met=recall >= 0.90)
    median = statistics.median(times)
    result.add(
        "assign one comment, median",
        round(median, 2),
        "ms",
        target=f"≤ {ASSIGN_MEDIAN_MS} ms",
        met=median <= ASSIGN_MEDIAN_MS,
    )
    result.add(
        "assign one comment, 95th percentile",
        round(statistics.quantiles(times, n=20)[-1], 2),
        "ms",
    )
    result.details = {"command_output": output, "assign_ms": [round(t, 2) for t in times]}
