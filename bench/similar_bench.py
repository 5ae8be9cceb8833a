"""The "nearest" list's benchmark (``consult.workflow.similar``): precision and recall on
the labelled titles of ``bench.similar_titles`` (Chinese and English), for the list as the
admin shows it (from ``NEAREST_FLOOR``) and for the justification rule (from
``DRAFT_JUSTIFY_SIMILARITY``), and the time to compute one draft's nearest list against the
database's registry (the seeds, plus the generated occupations when ``generate`` ran first),
median and 95th percentile.
"""

from __future__ import annotations

import statistics
import time

# The targets: the list exists to show what a draft may duplicate, so it misses little; the
# rule asks staff for a text, so it rarely asks for one when the titles are distinct.
LIST_RECALL = 0.9
RULE_PRECISION = 0.9
RULE_RECALL = 0.85
NEAREST_MEDIAN_MS = 500
TIMED = 20


def _quality(
    result, label: str, floor: float, *, precision_target: float | None, recall_target: float
) -> dict:
    from bench.similar_titles import measure

    quality = measure(floor=floor)
    result.add(
        f"{label}: precision",
        round(quality.precision * 100, 1),
        "%",
        target=f"≥ {precision_target:.0%}" if precision_target is not None else "",
        met=quality.precision >= precision_target if precision_target is not None else None,
    )
    result.add(
        f"{label}: recall",
        round(quality.recall * 100, 1),
        "%",
        target=f"≥ {recall_target:.0%}",
        met=quality.recall >= recall_target,
    )
    return {
        "floor": floor,
        "found": quality.found,
        "wrongly_found": quality.wrongly_found,
        "misses": [[p.query, p.registry] for p in quality.misses],
        "false_alarms": [[p.query, p.registry] for p in quality.false_alarms],
        "pairs": quality.pairs,
        "near": quality.near,
        "distinct": quality.distinct,
    }


def run(result) -> None:
    from bench.similar_titles import NEAR_WRITTEN
    from consult.models import Consultation, DraftOccupation
    from consult.workflow import similar
    from occupations.models import Occupation

    list_details = _quality(
        result,
        "nearest list",
        similar.NEAREST_FLOOR,
        precision_target=None,
        recall_target=LIST_RECALL,
    )
    rule_details = _quality(
        result,
        "justification rule",
        similar.threshold(),
        precision_target=RULE_PRECISION,
        recall_target=RULE_RECALL,
    )
    result.add("labelled pairs", list_details["pairs"])
    result.add("near-duplicate pairs", list_details["near"])
    result.add("distinct pairs", list_details["distinct"])

    consultation = Consultation(pk=None)
    drafts = [
        DraftOccupation(consultation=consultation, position=1, name=query, definition="")
        for query, _registry in NEAR_WRITTEN[:: max(1, len(NEAR_WRITTEN) // TIMED)][:TIMED]
    ]
    times = []
    for draft in drafts:
        started = time.perf_counter()
        similar.nearest_to(draft)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    result.add("registry occupations compared", Occupation.objects.published().count())
    result.add(
        "one draft's nearest list, median",
        round(median, 1),
        "ms",
        target=f"≤ {NEAREST_MEDIAN_MS} ms",
        met=median <= NEAREST_MEDIAN_MS,
    )
    result.add("one draft's nearest list, p95", round(p95, 1), "ms")
    result.details = {"nearest_list": list_details, "justification_rule": rule_details, "ms": times}
