"""Not yet included: the published occupations, their job types and the pending drafts of other
consultations nearest to a draft occupation, and the rule that a draft too near one of them is
saved only with a written justification (``DraftOccupation.justification``), which is
published with the draft.

Method: every text (a name, another name, a name in the other language, a job type, a
definition) is normalised as comments are for campaigns (``normalised_text``: width and case
folded, only letters and digits kept) and cut into overlapping runs of characters: two for a
text mostly in Chinese (a Chinese word is one or two characters), three otherwise (so that
"E-sports operator" and "Esports Operators" share most runs). Two records' similarity is the
largest weighted Jaccard similarity (the weight of the shared runs over that of all their
runs) between any name of one and any name of the other, or between their definitions,
whichever is larger; a job type is compared by its name only. A run weighs the less the more
of the compared names (or definitions) hold it (``Weights``): "engineering technicians" and
工程技术人员 end dozens of the registry's names. With every run weighing the same, on the
labelled titles of ``bench.similar_titles`` the nearest list's precision was 0.49 instead of
0.83, and the justification rule's 0.77 instead of 0.95, at the same recall.

The sets are compared exactly, not estimated with MinHash as ``consult.clustering`` does: the
candidates are a registry's few thousand occupations and job types, not a million comments,
so the exact comparison of one draft with all of them takes milliseconds to tens of
milliseconds (``bench/README.md``) and needs no stored signatures; MinHash with 64 samples
also estimates the similarity of a four-character name, which has three runs, too coarsely to
rank names, and has no weights.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consult.models import DraftOccupation, normalised_text
from occupations.models import JobType, Occupation, OccupationText

# The nearest list shows at most this many records, the most similar first.
NEAREST_LIMIT = 8
# A record enters the nearest list from this similarity on: on the labelled titles of
# bench.similar_titles the list then holds 91% of the near-duplicates and four in five of
# what it lists are near-duplicates (at 0.3: 94% and one in two; bench/README.md).
NEAREST_FLOOR = 0.4

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

KIND_OCCUPATION = "occupation"
KIND_JOB_TYPE = "job_type"
KIND_DRAFT = "draft"
KIND_LABELS = {
    KIND_OCCUPATION: _("published occupation"),
    KIND_JOB_TYPE: _("published job type"),
    KIND_DRAFT: _("pending draft"),
}


def threshold() -> float:
    """From this similarity on a draft needs a justification (``DRAFT_JUSTIFY_SIMILARITY``)."""
    return float(settings.DRAFT_JUSTIFY_SIMILARITY)


@lru_cache(maxsize=8192)
def shingles(text: str) -> frozenset[str]:
    """The runs of characters of ``text`` as compared (the text itself when shorter)."""
    folded = normalised_text(text or "")
    if not folded:
        return frozenset()
    size = 2 if len(_CJK.findall(folded)) * 2 >= len(folded) else 3
    if len(folded) <= size:
        return frozenset([folded])
    return frozenset(folded[i : i + size] for i in range(len(folded) - size + 1))


class Weights:
    """How much each run of characters tells: ``log(1 + N / n)`` for a run found in ``n`` of
    the ``N`` texts compared (a run found in none weighs most). "Engineering technicians" or
    工程技术人员 end dozens of registry names; two names that share only such runs are not
    near, and two that share a rare run are."""

    def __init__(self, sets: Iterable[frozenset[str]]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for runs in sets:
            counts.update(runs)
            total += 1
        self._counts = counts
        self._total = max(total, 1)
        self._unseen = math.log(1 + self._total)

    def __call__(self, run: str) -> float:
        found = self._counts.get(run)
        return math.log(1 + self._total / found) if found else self._unseen

    def jaccard(self, a: frozenset[str], b: frozenset[str]) -> float:
        """The weighted Jaccard similarity: the weight of the shared runs over that of all."""
        if not a or not b:
            return 0.0
        shared = sum(self(run) for run in a & b)
        if not shared:
            return 0.0
        return shared / (shared + sum(self(run) for run in a ^ b))


@dataclass(frozen=True)
class Texts:
    """What is compared of one record: its names (all languages) and its definition."""

    names: tuple[str, ...]
    definition: str = ""

    @classmethod
    def of(cls, record: OccupationText) -> Texts:
        """The texts of an occupation or a draft (any ``OccupationText``)."""
        return _texts(*(getattr(record, column) for column in _TEXT_COLUMNS))


def similarity(a: Texts, b: Texts, names: Weights, definitions: Weights) -> float:
    """The largest weighted Jaccard similarity between a name of ``a`` and a name of ``b``,
    or between their definitions."""
    best = 0.0
    for x in a.names:
        sx = shingles(x)
        for y in b.names:
            best = max(best, names.jaccard(sx, shingles(y)))
    if a.definition and b.definition:
        best = max(best, definitions.jaccard(shingles(a.definition), shingles(b.definition)))
    return best


@dataclass
class Candidate:
    """A record a draft may duplicate: a published occupation, one of its job types (``pk``:
    the occupation's) or a pending draft."""

    kind: str
    pk: int | None
    name: str
    code: str
    texts: Texts
    similarity: float = field(default=0.0)
    under: str = ""  # a job type's occupation, a draft's consultation

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)

    @property
    def url(self) -> str:
        """The occupation's public page, or the draft's admin page."""
        if self.pk is None:
            return ""
        if self.kind == KIND_DRAFT:
            return reverse("admin:consult_draftoccupation_change", args=[self.pk])
        return reverse("occupation-detail", args=[self.pk])


def nearest(
    texts: Texts,
    candidates: Iterable[Candidate],
    *,
    limit: int = NEAREST_LIMIT,
    floor: float = NEAREST_FLOOR,
) -> list[Candidate]:
    """The ``limit`` candidates most similar to ``texts`` from ``floor`` on, most similar
    first (then by name); runs weighed by how many of the candidates' names, or definitions,
    hold them (``Weights``)."""
    pool = list(candidates)
    names = Weights(shingles(name) for c in pool for name in c.texts.names)
    definitions = Weights(
        shingles(c.texts.definition) for c in pool if texts.definition and c.texts.definition
    )
    scored = []
    for candidate in pool:
        score = similarity(texts, candidate.texts, names, definitions)
        if score >= floor:
            candidate.similarity = score
            scored.append(candidate)
    scored.sort(key=lambda c: (-c.similarity, c.name, c.code))
    return scored[:limit]


# Candidates from the database ----------------------------------------------------------------

# Read as values, not model instances, and each link made only for the listed few: the
# registry's thousands of rows are read for every draft checked.
_TEXT_COLUMNS = (
    "name",
    "translated_name",
    "alternative_names",
    "translated_alternative_names",
    "definition",
)


def _texts(
    name: str,
    translated_name: str,
    alternative_names: list[str] | None,
    translated_alternative_names: list[str] | None,
    definition: str,
) -> Texts:
    names = [
        name,
        translated_name,
        *(alternative_names or []),
        *(translated_alternative_names or []),
    ]
    return Texts(tuple(n for n in names if n and str(n).strip()), definition or "")


def occupation_candidates() -> Iterator[Candidate]:
    """Every published occupation."""
    for pk, code, *text in Occupation.objects.published().values_list("pk", "code", *_TEXT_COLUMNS):
        yield Candidate(KIND_OCCUPATION, pk, text[0], code or "", _texts(*text))


def job_type_candidates() -> Iterator[Candidate]:
    """Every published job type (``occupations.JobType``), compared by its name and other
    names; one the sources name without its occupation is listed under the name they give."""
    rows = JobType.objects.order_by("pk").values_list(
        "occupation_id",
        "occupation__code",
        "occupation__name",
        "occupation_name",
        "name",
        "other_names",
    )
    for occupation_pk, code, occupation, occupation_name, name, other_names in rows:
        yield Candidate(
            KIND_JOB_TYPE,
            occupation_pk,
            name,
            code or "",
            Texts((name, *(other_names or []))),
            under=occupation or occupation_name or "",
        )


def pending_draft_candidates(draft: DraftOccupation) -> Iterator[Candidate]:
    """The drafts of other consultations neither withdrawn nor published yet."""
    others = DraftOccupation.objects.active().filter(occupation__isnull=True).order_by("pk")
    if draft.consultation_id is not None:
        others = others.exclude(consultation_id=draft.consultation_id)
    for pk, code, title, *text in others.values_list(
        "pk", "proposed_code", "consultation__title", *_TEXT_COLUMNS
    ):
        yield Candidate(KIND_DRAFT, pk, text[0], code, _texts(*text), under=title)


def candidates_for(draft: DraftOccupation) -> Iterator[Candidate]:
    """Everything ``draft`` may duplicate: published occupations and job types, and the pending
    drafts of other consultations (a draft list's own drafts are reviewed together)."""
    yield from occupation_candidates()
    yield from job_type_candidates()
    yield from pending_draft_candidates(draft)


def nearest_to(draft: DraftOccupation) -> list[Candidate]:
    """The nearest list of ``draft``."""
    if draft.occupation_id is not None:
        return []
    return nearest(Texts.of(draft), candidates_for(draft))


# The rule -------------------------------------------------------------------------------------


# The proposals that add to the classification, which must not duplicate what it holds.
NEW_KINDS = (DraftOccupation.Kind.NEW_OCCUPATION, DraftOccupation.Kind.NEW_JOB_TYPE)


def justification_error(draft: DraftOccupation) -> ValidationError | None:
    """Why ``draft`` cannot be saved as it is: it is new or its names or definition changed,
    it is at least ``threshold()`` similar to a published occupation, job type or pending
    draft, and it has no justification (the error is on ``justification`` and lists the near
    matches). None: it may be saved."""
    if (draft.justification or "").strip() or draft.occupation_id is not None:
        return None
    if draft.kind not in NEW_KINDS:
        return None  # a revision, retirement or upgrade is near its target by design
    if draft.pk is not None:
        stored = DraftOccupation.objects.filter(pk=draft.pk).first()
        if stored is not None and Texts.of(stored) == Texts.of(draft):
            return None  # what is compared did not change: saved as it was accepted before
    near = [c for c in nearest_to(draft) if c.similarity >= threshold()]
    if not near:
        return None
    listed = "; ".join(
        f"{c.name}{f' ({c.code})' if c.code else ''} — {c.kind_label}, {c.percent}%" for c in near
    )
    return ValidationError(
        {
            "justification": gettext(
                "This draft is near what the classification already holds or another "
                "consultation proposes: %(matches)s. Explain in “justification” why it is a new "
                "occupation (at least %(threshold)s%% similar needs a justification)."
            )
            % {"matches": listed, "threshold": round(threshold() * 100)}
        }
    )
