"""The classification itself: its editions, the earlier releases of new occupations the
registry holds only totals of, and the batches it holds, in the order they came. Read once
here for ``/classification/`` and ``/api/v1/classification/``."""

from __future__ import annotations

import dataclasses
import datetime as dt

from occupations.models import Batch, ClassificationEdition, ReleasePeriod


@dataclasses.dataclass
class Entry:
    """One step of the history: ``kind`` is "edition", "period" or "batch"."""

    kind: str
    starts: dt.date
    record: ClassificationEdition | ReleasePeriod | Batch


@dataclasses.dataclass
class History:
    editions: list[ClassificationEdition]
    periods: list[ReleasePeriod]
    batches: list[Batch]

    @property
    def timeline(self) -> list[Entry]:
        """Every edition, period and batch by the date it starts (a period on 1 January of its
        first year; an edition or batch on its stored date, the first day of its month or year
        when that is all the sources give); an edition before a batch of the same date."""
        order = {"edition": 0, "period": 1, "batch": 2}
        entries = [Entry("edition", e.issued_on, e) for e in self.editions]
        entries += [Entry("period", dt.date(p.started_year, 1, 1), p) for p in self.periods]
        entries += [Entry("batch", b.announced_on, b) for b in self.batches]
        return sorted(entries, key=lambda entry: (entry.starts, order[entry.kind]))


def classification_history() -> History:
    """Four queries, whatever the number of batches (each batch with ``occupation_total``,
    the occupations of it the registry holds, and its authorities)."""
    return History(
        editions=list(ClassificationEdition.objects.order_by("year")),
        periods=list(ReleasePeriod.objects.order_by("started_year")),
        batches=list(
            Batch.objects.with_occupation_count()
            .prefetch_related("authorities")
            .order_by("announced_on", "number", "pk")
        ),
    )
