"""Consultations and their drafts: created once, then left to the workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consult.models import DRAFT_TEXT_FIELDS, Consultation, DraftOccupation
from occupations.models import ClassificationGroup
from seeds.batches import OccupationSeed, occupation_values, read_occupations
from seeds.files import SLUG_RE, Fields, Origin, SeedError, Source, parse_yaml
from seeds.writing import (
    CREATED,
    KEPT,
    UNCHANGED,
    LoadReport,
    create,
    differences,
    guard,
    source_list,
)

CONSULTATIONS_DIR = "consultations"


# Draft status implied by the consultation's status: the text of a consultation that has been
# public was frozen for comment, so its drafts are "proposed".
DRAFT_STATUS_FOR = {
    Consultation.Status.DRAFTING: DraftOccupation.Status.DRAFT,
    Consultation.Status.CONSULTATION: DraftOccupation.Status.PROPOSED,
    Consultation.Status.REVIEW: DraftOccupation.Status.PROPOSED,
}


@dataclass(frozen=True)
class ConsultationSeed:
    origin: Origin
    slug: str
    title: str
    summary: str
    text_source: str
    status: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    comments_collected_elsewhere: bool
    sources: tuple[Source, ...]
    provenance: dict
    notes: str
    drafts: tuple[OccupationSeed, ...]


def read_consultation(directory: Path, path: Path, group_codes: set[str]) -> ConsultationSeed:
    name, data = parse_yaml(directory, path)
    if not isinstance(data, dict) or set(data) != {"consultation", "drafts"}:
        raise SeedError(
            name, "file", "must have exactly the top-level keys 'consultation', 'drafts'"
        )
    record = Fields(
        data["consultation"],
        Origin(name, "consultation"),
        required={"slug", "title", "status", "closes_at", "sources"},
        optional={
            "summary",
            "text_source",
            "opens_at",
            "comments_collected_elsewhere",
            "provenance",
            "notes",
        },
    )
    slug = record.text("slug", blank=False)
    if not SLUG_RE.match(slug):
        record.fail(f"'slug' must be lower-case words joined by hyphens, not {slug!r}")
    # A published consultation needs the batch it became: seed that as a batch file instead.
    status = record.choice("status", DRAFT_STATUS_FOR)
    opens_at = record.moment("opens_at")
    closes_at = record.moment("closes_at")
    elsewhere = record.flag("comments_collected_elsewhere")
    if status != Consultation.Status.DRAFTING and closes_at is None:
        record.fail(f"a consultation in {status} needs 'closes_at', the end of its window")
    if opens_at is None and closes_at is not None and not elsewhere:
        record.fail(
            "'opens_at' may be null only for a consultation whose comments were collected "
            "elsewhere (comments_collected_elsewhere: true), with notes saying why it is unknown"
        )
    if opens_at is None and closes_at is not None and not record.text("notes"):
        record.fail("a null 'opens_at' needs 'notes' saying why the opening is unknown")
    if opens_at is not None and closes_at is None:
        record.fail("give both ends of the window or neither")
    if opens_at is not None and closes_at is not None and opens_at >= closes_at:
        record.fail("the window must open before it closes")
    drafts = read_occupations(data, name, "drafts", "draft", group_codes)
    if status != Consultation.Status.DRAFTING and not drafts:
        record.fail("a consultation past drafting needs at least one draft")
    return ConsultationSeed(
        origin=record.origin,
        slug=slug,
        title=record.text("title", blank=False),
        summary=record.text("summary"),
        text_source=record.choice("text_source", Consultation.TextSource.values, nullable=True)
        or Consultation.TextSource.DRAFT_LIST,
        status=status,
        opens_at=opens_at,
        closes_at=closes_at,
        comments_collected_elsewhere=elsewhere,
        sources=record.sources(),
        provenance=record.provenance(
            {"title", "summary", "text_source", "status", "opens_at", "closes_at"}
        ),
        notes=record.text("notes"),
        drafts=drafts,
    )


def _draft_values(
    seed: OccupationSeed, status: str, groups: dict[str, ClassificationGroup]
) -> dict[str, Any]:
    values = {**occupation_values(seed, groups), "job_types": list(seed.job_types)}
    if status != DraftOccupation.Status.DRAFT:
        # The text frozen when the window opened. Where it is a press summary
        # (Consultation.text_source), the public read the draft list itself, not this text.
        values["consulted_text"] = {name: values.get(name, "") for name in DRAFT_TEXT_FIELDS}
    return values


def load_consultations(
    seeds: Sequence[ConsultationSeed], report: LoadReport, groups: dict[str, ClassificationGroup]
) -> None:
    """Create each consultation with its drafts if missing. One that exists is left alone: from
    its creation on the workflow owns it (drafts revised, accepted or withdrawn, the list
    published), and writing the file's state back would undo that work."""
    existing = {
        consultation.slug: consultation
        for consultation in Consultation.objects.filter(
            slug__in=[seed.slug for seed in seeds]
        ).prefetch_related("drafts")
    }
    for seed in seeds:
        values = {
            "title": seed.title,
            "summary": seed.summary,
            "text_source": seed.text_source,
            "opens_at": seed.opens_at,
            "closes_at": seed.closes_at,
            "comments_collected_elsewhere": seed.comments_collected_elsewhere,
            "sources": source_list(seed.sources),
            "provenance": seed.provenance,
            "notes": seed.notes,
        }
        draft_status = DRAFT_STATUS_FOR[seed.status]
        consultation = existing.get(seed.slug)
        if consultation is not None:
            differs = differences(consultation, {**values, "status": seed.status})
            report.add("consultations", seed.origin, KEPT if differs else UNCHANGED, differs)
            drafts = {draft.position: draft for draft in consultation.drafts.all()}
            for draft_seed in seed.drafts:
                draft = drafts.get(draft_seed.position)
                wanted = {**_draft_values(draft_seed, draft_status, groups), "status": draft_status}
                differs = ["missing"] if draft is None else differences(draft, wanted)
                report.add(
                    "draft occupations", draft_seed.origin, KEPT if differs else UNCHANGED, differs
                )
            continue

        with guard(seed.origin):
            consultation = create(
                Consultation, {"slug": seed.slug, **values}, states={"status": seed.status}
            )
        report.add("consultations", seed.origin, CREATED)
        for draft_seed in seed.drafts:
            with guard(draft_seed.origin):
                create(
                    DraftOccupation,
                    {
                        "consultation": consultation,
                        "position": draft_seed.position,
                        **_draft_values(draft_seed, draft_status, groups),
                    },
                    states={"status": draft_status},
                )
            report.add("draft occupations", draft_seed.origin, CREATED)
