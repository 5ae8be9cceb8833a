"""National skill standards of published occupations, with their level sets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from occupations.models import (
    LEVELS_BY_KIND,
    Authority,
    DatePrecision,
    Occupation,
    SkillStandard,
    precision_is_consistent,
)
from occupations.workflow import set_standard_levels
from seeds.batches import SEED_LANGUAGE, OccupationSeed
from seeds.files import Fields, Origin, SeedError, Source, list_of_records, parse_yaml
from seeds.reference import known_authorities
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

STANDARDS_DIR = "standards"


@dataclass(frozen=True)
class StandardSeed:
    origin: Origin
    batch: str
    occupation: str
    title: str
    kind: str
    edition: str
    issued_on: dt.date | None
    issued_precision: str | None
    authorities: tuple[str, ...]
    directions: tuple[str, ...]
    levels: tuple[str, ...]
    sources: tuple[Source, ...]
    provenance: dict
    notes: str


def read_standards(
    directory: Path,
    path: Path,
    occupations: dict[tuple[str, str], OccupationSeed],
    authority_names: set[str],
) -> list[StandardSeed]:
    name, data = parse_yaml(directory, path)
    if not isinstance(data, dict) or set(data) != {"standards"}:
        raise SeedError(name, "file", "must have exactly the top-level key 'standards'")
    standards = []
    for index, item in enumerate(list_of_records(name, data, "standards"), start=1):
        label = f"standard {index}"
        if isinstance(item, dict) and isinstance(item.get("title"), str):
            label = f"standard {index} ({item['title']})"
        record = Fields(
            item,
            Origin(name, label),
            required={"occupation", "title", "kind", "levels", "sources"},
            optional={
                "edition",
                "issued_on",
                "issued_precision",
                "authorities",
                "directions",
                "provenance",
                "notes",
            },
        )
        target = record.raw("occupation")
        if not isinstance(target, dict) or set(target) != {"batch", "name"}:
            record.fail("'occupation' must have exactly the keys 'batch' (slug) and 'name'")
        key = (target["batch"], target["name"])
        if key not in occupations:
            record.fail(
                f"no occupation named {target['name']!r} in batch {target['batch']!r} of the "
                "batch files"
            )
        kind = record.choice("kind", LEVELS_BY_KIND)
        levels = record.texts("levels")
        if levels != LEVELS_BY_KIND[kind]:
            record.fail(
                f"a {kind} standard has the levels {', '.join(LEVELS_BY_KIND[kind])} (low to "
                f"high), not {', '.join(levels) or 'none'}"
            )
        issued_on = record.date("issued_on", nullable=True)
        precision = record.choice("issued_precision", DatePrecision.values, nullable=True)
        if (issued_on is None) != (precision is None):
            record.fail("'issued_on' and 'issued_precision' are given together or both null")
        if not precision_is_consistent(issued_on, precision or DatePrecision.DAY):
            record.fail(f"a date known to the {precision} is written with day 01")
        standards.append(
            StandardSeed(
                origin=record.origin,
                batch=key[0],
                occupation=key[1],
                title=record.text("title", blank=False),
                kind=kind,
                edition=record.text("edition"),
                issued_on=issued_on,
                issued_precision=precision,
                authorities=known_authorities(record, "authorities", authority_names),
                directions=record.texts("directions"),
                levels=levels,
                sources=record.sources(),
                provenance=record.provenance(
                    {
                        "title",
                        "kind",
                        "edition",
                        "issued_on",
                        "issued_precision",
                        "authorities",
                        "directions",
                        "levels",
                    }
                ),
                notes=record.text("notes"),
            )
        )
    return standards


def load_standards(
    seeds: Iterable[StandardSeed],
    report: LoadReport,
    occupations: dict[tuple[str, str], Occupation],
    authorities: dict[str, Authority],
) -> None:
    existing = {
        (standard.occupation_id, standard.title): standard
        for standard in SkillStandard.objects.prefetch_related("levels")
    }
    for seed in seeds:
        occupation = occupations[(seed.batch, seed.occupation)]
        with guard(seed.origin):
            standard, outcome, changed = sync(
                SkillStandard,
                existing.get((occupation.pk, seed.title)),
                {"occupation": occupation, "title": seed.title},
                {
                    "language": SEED_LANGUAGE,
                    "kind": seed.kind,
                    "edition": seed.edition,
                    "issued_on": seed.issued_on,
                    # Null exactly when the date is: an unknown date has no precision.
                    "issued_precision": seed.issued_precision,
                    "directions": list(seed.directions),
                    "sources": source_list(seed.sources),
                    "provenance": seed.provenance,
                    "notes": seed.notes,
                },
            )
            if sync_authorities(standard, seed.authorities, authorities):
                changed.append("authorities")
                outcome = CREATED if outcome == CREATED else UPDATED
        report.add("skill standards", seed.origin, outcome, changed)

        _load_levels(standard, seed, report)


def _load_levels(standard: SkillStandard, seed: StandardSeed, report: LoadReport) -> None:
    """Give the standard the file's level set through the registry's one writer of level rows,
    acting as the system (``by=None``); a set already in place is left alone, unlogged."""
    current = {level.key for level in standard.levels.all()}
    added = [key for key in seed.levels if key not in current]
    report.counts["standard levels"][UNCHANGED] += len(seed.levels) - len(added)
    if current == set(seed.levels):
        return
    level_origin = Origin(seed.origin.file, f"{seed.origin.record} levels")
    with guard(level_origin):
        # A changed kind replaces the whole set: the database accepts only the kind's levels.
        set_standard_levels(
            standard, by=None, keys=seed.levels, note=f"Seed import: {seed.origin.file}."
        )
    report.counts["standard levels"][CREATED] += len(added)
    report.lines.append(f"{level_origin.file}: {level_origin.record}: {CREATED}")
