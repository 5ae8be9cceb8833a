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
    Language,
    Occupation,
    precision_is_consistent,
)
from seeds.files import SLUG_RE, Fields, Origin, SeedError, Source, list_of_records, parse_yaml
from seeds.reference import MAJOR_GROUP_CODE_RE, MAJOR_GROUPS_FILE, known_authorities
from seeds.writing import CREATED, UPDATED, LoadReport, guard, source_list, sync, sync_authorities

BATCHES_DIR = "batches"


@dataclass(frozen=True)
class OccupationSeed:
    """A published occupation or a draft: the fields both share."""

    origin: Origin
    position: int
    name: str
    alternative_names: tuple[str, ...]
    definition: str
    tasks: tuple[str, ...]
    job_types: tuple[str, ...]
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
        job_types=record.texts("job_types"),
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
    if not isinstance(data, dict) or set(data) != {"batch", "occupations"}:
        raise SeedError(name, "file", "must have exactly the top-level keys 'batch', 'occupations'")
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
        "job_types": list(seed.job_types),
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
    return occupations
