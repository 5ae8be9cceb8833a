"""Published batches and their occupations: the registry's historic import. The occupation
fields are also the fields of a draft (``seeds.consultations``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from occupations.models import (
    Authority,
    Batch,
    ClassificationGroup,
    DatePrecision,
    JobType,
    Language,
    Occupation,
    OccupationVersion,
    precision_is_consistent,
)
from seeds.files import SLUG_RE, Fields, Origin, SeedError, Source, list_of_records, parse_yaml
from seeds.reference import MAJOR_GROUP_CODE_RE, MAJOR_GROUPS_FILE, known_authorities
from seeds.writing import (
    CREATED,
    UNCHANGED,
    UPDATED,
    LoadReport,
    guard,
    source_list,
    sync,
    sync_authorities,
)

BATCHES_DIR = "batches"


@dataclass(frozen=True)
class JobTypeSeed:
    """A type of work, under an occupation of the file or only announced by the batch."""

    origin: Origin
    position: int
    name: str
    other_names: tuple[str, ...]
    occupation_name: str
    sources: tuple[Source, ...]
    provenance: dict
    notes: str


JOB_TYPE_KEYS = {"name", "other_names", "occupation_name", "sources", "provenance", "notes"}


def read_job_types(
    items: Any, origin: Origin, *, under_occupation: bool
) -> tuple[JobTypeSeed, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise SeedError(origin.file, origin.record, "'job_types' must be a list")
    job_types = []
    for position, item in enumerate(items, start=1):
        label = f"{origin.record}: job type {position}"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            label = f"{label} ({item['name']})"
        record = Fields(
            item,
            Origin(origin.file, label),
            required={"name", "sources"},
            optional=JOB_TYPE_KEYS,
        )
        occupation_name = record.text("occupation_name")
        if under_occupation and occupation_name:
            record.fail("'occupation_name' is only for a job type listed under the batch")
        job_type = JobTypeSeed(
            origin=record.origin,
            position=position,
            name=record.text("name", blank=False),
            other_names=record.texts("other_names"),
            occupation_name=occupation_name,
            sources=record.sources(),
            provenance=record.provenance({"name", "other_names", "occupation_name"}),
            notes=record.text("notes"),
        )
        if job_type.name in job_type.other_names:
            record.fail("an other name repeats the name")
        job_types.append(job_type)
    names = [job_type.name.casefold() for job_type in job_types]
    for job_type in job_types:
        if names.count(job_type.name.casefold()) > 1:
            raise SeedError(origin.file, job_type.origin.record, "the name is listed twice")
    return tuple(job_types)


@dataclass(frozen=True)
class OccupationSeed:
    """A published occupation or a draft: the fields both share."""

    origin: Origin
    position: int
    name: str
    alternative_names: tuple[str, ...]
    definition: str
    tasks: tuple[str, ...]
    job_types: tuple[str, ...]  # a draft's list of names
    job_type_records: tuple[JobTypeSeed, ...]  # a published occupation's job types
    green: bool | None
    digital: bool | None
    group: str | None
    sources: tuple[Source, ...]
    provenance: dict
    notes: str


@dataclass(frozen=True)
class BatchSeed:
    origin: Origin
    slug: str
    number: int | None
    title: str
    announced_on: dt.date
    announced_precision: str
    announced_count: int
    authorities: tuple[str, ...]
    sources: tuple[Source, ...]
    provenance: dict
    notes: str
    occupations: tuple[OccupationSeed, ...]
    job_types: tuple[JobTypeSeed, ...]  # announced by the batch, under no occupation of it


OCCUPATION_KEYS = {
    "name",
    "alternative_names",
    "definition",
    "tasks",
    "job_types",
    "green",
    "digital",
    "group",
    "sources",
    "provenance",
    "notes",
}
# The fields a provenance may name: everything but the citations and the notes themselves.
OCCUPATION_FACTS = OCCUPATION_KEYS - {"sources", "provenance", "notes"}
BATCH_KEYS = {
    "slug",
    "number",
    "title",
    "announced_on",
    "announced_precision",
    "announced_count",
    "authorities",
    "sources",
    "provenance",
    "notes",
}


def _read_occupation(
    data: Any, name: str, kind: str, position: int, group_codes: set[str]
) -> OccupationSeed:
    label = f"{kind} {position}"
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        label = f"{kind} {position} ({data['name']})"
    record = Fields(
        data, Origin(name, label), required={"name", "sources"}, optional=OCCUPATION_KEYS
    )
    group = record.raw("group")
    if group is not None:
        if not isinstance(group, str) or not MAJOR_GROUP_CODE_RE.match(group):
            record.fail(f'\'group\' must be a major group code in quotes, "1" to "8": {group!r}')
        if group not in group_codes:
            record.fail(f"'group' {group!r} is not in {MAJOR_GROUPS_FILE}")
    occupation = OccupationSeed(
        origin=record.origin,
        position=position,
        name=record.text("name", blank=False),
        alternative_names=record.texts("alternative_names"),
        definition=record.text("definition"),
        tasks=record.texts("tasks"),
        job_types=record.texts("job_types") if kind == "draft" else (),
        job_type_records=()
        if kind == "draft"
        else read_job_types(record.raw("job_types"), record.origin, under_occupation=True),
        green=record.marker("green"),
        digital=record.marker("digital"),
        group=group,
        sources=record.sources(),
        provenance=record.provenance(OCCUPATION_FACTS),
        notes=record.text("notes"),
    )
    if occupation.name in occupation.alternative_names:
        record.fail("an alternative name repeats the name")
    return occupation


def read_occupations(
    data: Any, name: str, key: str, kind: str, group_codes: set[str]
) -> tuple[OccupationSeed, ...]:
    items = list_of_records(name, data, key)
    occupations = tuple(
        _read_occupation(item, name, kind, position, group_codes)
        for position, item in enumerate(items, start=1)
    )
    seen: dict[str, int] = {}
    for occupation in occupations:
        folded = occupation.name.casefold()
        if folded in seen:
            raise SeedError(
                name,
                occupation.origin.record,
                f"the name is already used by {kind} {seen[folded]} of this file",
            )
        seen[folded] = occupation.position
    return occupations


def read_batch(
    directory: Path, path: Path, group_codes: set[str], authority_names: set[str]
) -> BatchSeed:
    name, data = parse_yaml(directory, path)
    if not isinstance(data, dict) or not {"batch", "occupations"} <= set(data) <= {
        "batch",
        "occupations",
        "job_types",
    }:
        raise SeedError(
            name,
            "file",
            "must have the top-level keys 'batch', 'occupations' and, optionally, 'job_types'",
        )
    record = Fields(
        data["batch"],
        Origin(name, "batch"),
        required={
            "slug",
            "title",
            "announced_on",
            "announced_precision",
            "announced_count",
            "sources",
        },
        optional={"number", "authorities", "provenance", "notes"},
    )
    slug = record.text("slug", blank=False)
    if not SLUG_RE.match(slug):
        record.fail(f"'slug' must be lower-case words joined by hyphens, not {slug!r}")
    announced_on = record.date("announced_on")
    precision = record.choice("announced_precision", DatePrecision.values)
    if not precision_is_consistent(announced_on, precision):
        record.fail(
            f"a date known to the {precision} is written with day 01"
            + (" of January" if precision == DatePrecision.YEAR else "")
            + f", not {announced_on.isoformat()}"
        )
    occupations = read_occupations(data, name, "occupations", "occupation", group_codes)
    announced_count = record.integer("announced_count", minimum=1)
    if announced_count < len(occupations):
        record.fail(
            f"'announced_count' is {announced_count} but {len(occupations)} occupations are listed"
        )
    return BatchSeed(
        origin=record.origin,
        slug=slug,
        number=record.integer("number", nullable=True, minimum=1),
        title=record.text("title", blank=False),
        announced_on=announced_on,
        announced_precision=precision,
        announced_count=announced_count,
        authorities=known_authorities(record, "authorities", authority_names),
        sources=record.sources(),
        provenance=record.provenance(BATCH_KEYS - {"slug", "sources", "provenance", "notes"}),
        notes=record.text("notes"),
        occupations=occupations,
        job_types=read_job_types(
            data.get("job_types"), Origin(name, "batch"), under_occupation=False
        ),
    )


# Every source of the seed history is in English: names and titles are English, and no source
# gives the Chinese ones, so none is invented (the translated_* fields stay blank).
SEED_LANGUAGE = Language.EN


def occupation_values(seed: OccupationSeed, groups: dict[str, ClassificationGroup]) -> dict:
    return {
        "name": seed.name,
        "alternative_names": list(seed.alternative_names),
        "language": SEED_LANGUAGE,
        "definition": seed.definition,
        "tasks": list(seed.tasks),
        "green": seed.green,
        "digital": seed.digital,
        "group_id": groups[seed.group].pk if seed.group else None,
        "sources": source_list(seed.sources),
        "provenance": seed.provenance,
        "notes": seed.notes,
    }


def load_batches(
    seeds: Iterable[BatchSeed],
    report: LoadReport,
    groups: dict[str, ClassificationGroup],
    authorities: dict[str, Authority],
) -> dict[tuple[str, str], Occupation]:
    existing = {batch.slug: batch for batch in Batch.objects.all()}
    occupations: dict[tuple[str, str], Occupation] = {}
    for seed in seeds:
        if seed.number is not None:
            taken = Batch.objects.filter(number=seed.number).exclude(slug=seed.slug).first()
            if taken is not None:
                raise SeedError(
                    seed.origin.file,
                    seed.origin.record,
                    f"number {seed.number} is already used by the batch {taken.slug!r}",
                )
        with guard(seed.origin):
            batch, outcome, changed = sync(
                Batch,
                existing.get(seed.slug),
                {"slug": seed.slug},
                {
                    "number": seed.number,
                    "title": seed.title,
                    "language": SEED_LANGUAGE,
                    "announced_on": seed.announced_on,
                    "announced_precision": seed.announced_precision,
                    "announced_count": seed.announced_count,
                    "sources": source_list(seed.sources),
                    "provenance": seed.provenance,
                    "notes": seed.notes,
                },
            )
            if sync_authorities(batch, seed.authorities, authorities):
                changed.append("authorities")
                outcome = CREATED if outcome == CREATED else UPDATED
        report.add("batches", seed.origin, outcome, changed)

        by_position = {occupation.position: occupation for occupation in batch.occupations.all()}
        for occupation_seed in seed.occupations:
            with guard(occupation_seed.origin):
                occupation, outcome, changed = sync(
                    Occupation,
                    by_position.get(occupation_seed.position),
                    {"batch": batch, "position": occupation_seed.position},
                    occupation_values(occupation_seed, groups),
                )
            report.add("occupations", occupation_seed.origin, outcome, changed)
            occupations[(seed.slug, occupation_seed.name)] = occupation
            existing_types = {
                job_type.position: job_type for job_type in occupation.job_type_records.all()
            }
            if _load_job_types(
                occupation_seed.job_type_records,
                report,
                existing_types,
                {"occupation": occupation, "batch": batch},
            ):
                occupation.job_types_changed()
            # Every occupation of the seed history is at its version 1 (published by its batch).
            OccupationVersion.objects.first_of(occupation)
        announced = {
            job_type.position: job_type for job_type in batch.job_types.filter(occupation=None)
        }
        _load_job_types(seed.job_types, report, announced, {"occupation": None, "batch": batch})
    return occupations


def _load_job_types(
    seeds: Iterable[JobTypeSeed],
    report: LoadReport,
    existing: dict[int, JobType],
    owner: dict[str, Any],
) -> bool:
    """Create or update the job types; True if any was written."""
    written = False
    for seed in seeds:
        with guard(seed.origin):
            _job_type, outcome, changed = sync(
                JobType,
                existing.get(seed.position),
                {**owner, "position": seed.position},
                {
                    "batch": owner["batch"],
                    "name": seed.name,
                    "language": SEED_LANGUAGE,
                    "other_names": list(seed.other_names),
                    "occupation_name": seed.occupation_name,
                    "sources": source_list(seed.sources),
                    "provenance": seed.provenance,
                    "notes": seed.notes,
                },
            )
        report.add("job types", seed.origin, outcome, changed)
        written = written or outcome != UNCHANGED
    return written
