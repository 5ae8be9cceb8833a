"""Reference data: the major groups of the classification and the issuing authorities, which the
other seed files name, and the classification's editions with the facts the sources state."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from occupations.models import (
    Authority,
    ClassificationEdition,
    ClassificationGroup,
    DatePrecision,
    ReleasePeriod,
    precision_is_consistent,
)
from seeds.files import (
    Fields,
    Origin,
    SeedError,
    Source,
    check_unique,
    list_of_records,
    parse_yaml,
)
from seeds.writing import LoadReport, guard, source_list, sync

MAJOR_GROUP_CODE_RE = re.compile(r"^[1-8]$")


MAJOR_GROUPS_FILE = "reference/major_groups.yaml"
AUTHORITIES_FILE = "reference/authorities.yaml"
EDITIONS_FILE = "reference/editions.yaml"
PERIODS_FILE = "reference/release_periods.yaml"


@dataclass(frozen=True)
class GroupSeed:
    origin: Origin
    code: str
    title: str
    title_en: str
    sources: tuple[Source, ...]
    provenance: dict


@dataclass(frozen=True)
class AuthoritySeed:
    origin: Origin
    name: str
    name_zh: str
    abbreviation: str
    sources: tuple[Source, ...]
    provenance: dict


@dataclass(frozen=True)
class EditionSeed:
    origin: Origin
    year: int
    values: dict
    sources: tuple[Source, ...]
    provenance: dict


@dataclass(frozen=True)
class PeriodSeed:
    origin: Origin
    started_year: int
    values: dict
    sources: tuple[Source, ...]
    provenance: dict


def read_groups(directory: Path) -> tuple[GroupSeed, ...]:
    name, data = parse_yaml(directory, directory / MAJOR_GROUPS_FILE)
    groups = []
    for index, item in enumerate(list_of_records(name, data, None), start=1):
        label = f"group {item.get('code')}" if isinstance(item, dict) else f"record {index}"
        record = Fields(
            item,
            Origin(name, label),
            required={"code", "title", "title_en", "sources"},
            optional={"provenance"},
        )
        code = record.raw("code")
        if not isinstance(code, str) or not MAJOR_GROUP_CODE_RE.match(code):
            record.fail(f'\'code\' must be a major group code in quotes, "1" to "8": {code!r}')
        groups.append(
            GroupSeed(
                origin=record.origin,
                code=code,
                title=record.text("title", blank=False),
                title_en=record.text("title_en"),
                sources=record.sources(),
                provenance=record.provenance({"code", "title", "title_en"}),
            )
        )
    codes = [group.code for group in groups]
    for group in groups:
        if codes.count(group.code) > 1:
            raise SeedError(name, group.origin.record, "the code is listed twice")
    return tuple(groups)


def read_authorities(directory: Path) -> tuple[AuthoritySeed, ...]:
    name, data = parse_yaml(directory, directory / AUTHORITIES_FILE)
    authorities = []
    for index, item in enumerate(list_of_records(name, data, None), start=1):
        label = f"authority {index}"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            label = f"authority {index} ({item['name']})"
        record = Fields(
            item,
            Origin(name, label),
            required={"name", "sources"},
            optional={"name_zh", "abbreviation", "provenance"},
        )
        authorities.append(
            AuthoritySeed(
                origin=record.origin,
                name=record.text("name", blank=False),
                name_zh=record.text("name_zh"),
                abbreviation=record.text("abbreviation"),
                sources=record.sources(),
                provenance=record.provenance({"name", "name_zh", "abbreviation"}),
            )
        )
    names = [authority.name for authority in authorities]
    for authority in authorities:
        if names.count(authority.name) > 1:
            raise SeedError(name, authority.origin.record, "the name is listed twice")
    return tuple(authorities)


def known_authorities(record: Fields, key: str, known: set[str]) -> tuple[str, ...]:
    names = record.texts(key)
    for authority in names:
        if authority not in known:
            record.fail(f"authority {authority!r} is not in {AUTHORITIES_FILE}")
    return names


def load_groups(seeds: Iterable[GroupSeed], report: LoadReport) -> dict[str, ClassificationGroup]:
    existing = {group.code: group for group in ClassificationGroup.objects.all()}
    groups = {}
    for seed in seeds:
        with guard(seed.origin):
            group, outcome, changed = sync(
                ClassificationGroup,
                existing.get(seed.code),
                {"code": seed.code},
                {
                    "title": seed.title,
                    "title_en": seed.title_en,
                    "level": ClassificationGroup.Level.MAJOR,
                    "parent": None,
                    "sources": source_list(seed.sources),
                    "provenance": seed.provenance,
                },
            )
        report.add("major groups", seed.origin, outcome, changed)
        groups[seed.code] = group
    return groups


def load_authorities(seeds: Iterable[AuthoritySeed], report: LoadReport) -> dict[str, Authority]:
    existing = {authority.name: authority for authority in Authority.objects.all()}
    authorities = {}
    for seed in seeds:
        with guard(seed.origin):
            authority, outcome, changed = sync(
                Authority,
                existing.get(seed.name),
                {"name": seed.name},
                {
                    "name_zh": seed.name_zh,
                    "abbreviation": seed.abbreviation,
                    "sources": source_list(seed.sources),
                    "provenance": seed.provenance,
                },
            )
        report.add("authorities", seed.origin, outcome, changed)
        authorities[seed.name] = authority
    return authorities


def read_editions(directory: Path) -> tuple[EditionSeed, ...]:
    name, data = parse_yaml(directory, directory / EDITIONS_FILE)
    editions = []
    for index, item in enumerate(list_of_records(name, data, None), start=1):
        label = f"edition {item.get('year')}" if isinstance(item, dict) else f"record {index}"
        record = Fields(
            item,
            Origin(name, label),
            required={"year", "issued_on", "issued_precision", "sources"},
            optional={
                "revision",
                "major_group_count",
                "occupation_count",
                "provenance",
                "notes",
            },
        )
        issued_on = record.date("issued_on")
        precision = record.choice("issued_precision", DatePrecision.values)
        if not precision_is_consistent(issued_on, precision):
            record.fail("a date known to the month or year is written on its first day")
        editions.append(
            EditionSeed(
                origin=record.origin,
                year=record.integer("year", minimum=1900) or 0,
                values={
                    "issued_on": issued_on,
                    "issued_precision": precision,
                    "revision": record.integer("revision", nullable=True),
                    "major_group_count": record.integer("major_group_count", nullable=True),
                    "occupation_count": record.integer("occupation_count", nullable=True),
                    "notes": record.text("notes"),
                },
                sources=record.sources(),
                provenance=record.provenance(
                    {
                        "year",
                        "issued_on",
                        "issued_precision",
                        "revision",
                        "major_group_count",
                        "occupation_count",
                    }
                ),
            )
        )
    years = [edition.year for edition in editions]
    for edition in editions:
        if years.count(edition.year) > 1:
            raise SeedError(name, edition.origin.record, "the edition is listed twice")
    return tuple(editions)


def load_editions(seeds: Iterable[EditionSeed], report: LoadReport) -> None:
    existing = {edition.year: edition for edition in ClassificationEdition.objects.all()}
    for seed in seeds:
        with guard(seed.origin):
            _edition, outcome, changed = sync(
                ClassificationEdition,
                existing.get(seed.year),
                {"year": seed.year},
                {
                    **seed.values,
                    "sources": source_list(seed.sources),
                    "provenance": seed.provenance,
                },
            )
        report.add("editions", seed.origin, outcome, changed)


PERIOD_FACTS = {"started_year", "ended_year", "batch_count", "occupation_count"}


def read_periods(directory: Path) -> tuple[PeriodSeed, ...]:
    """The stretches of releases the registry holds no batches of, with the totals stated."""
    if not (directory / PERIODS_FILE).is_file():
        return ()
    name, data = parse_yaml(directory, directory / PERIODS_FILE)
    periods = []
    for index, item in enumerate(list_of_records(name, data, None), start=1):
        label = (
            f"period {item.get('started_year')}-{item.get('ended_year')}"
            if isinstance(item, dict)
            else f"record {index}"
        )
        record = Fields(
            item,
            Origin(name, label),
            required={"started_year", "ended_year", "sources"},
            optional={
                "batch_count",
                "occupation_count",
                "occupation_count_is_minimum",
                "provenance",
                "notes",
            },
        )
        started = record.integer("started_year", minimum=1900) or 0
        ended = record.integer("ended_year", minimum=started) or 0
        count = record.integer("occupation_count", nullable=True, minimum=1)
        minimum = record.raw("occupation_count_is_minimum")
        if (count is None) != (minimum is None) or (
            minimum is not None and not isinstance(minimum, bool)
        ):
            record.fail(
                "'occupation_count_is_minimum' is true or false exactly when 'occupation_count' "
                "is given"
            )
        periods.append(
            PeriodSeed(
                origin=record.origin,
                started_year=started,
                values={
                    "ended_year": ended,
                    "batch_count": record.integer("batch_count", nullable=True, minimum=1),
                    "occupation_count": count,
                    "occupation_count_is_minimum": minimum,
                    "notes": record.text("notes"),
                },
                sources=record.sources(),
                provenance=record.provenance(PERIOD_FACTS),
            )
        )
    check_unique(periods, lambda p: p.started_year, "first year")
    return tuple(periods)


def load_periods(seeds: Iterable[PeriodSeed], report: LoadReport) -> None:
    existing = {period.started_year: period for period in ReleasePeriod.objects.all()}
    for seed in seeds:
        with guard(seed.origin):
            _period, outcome, changed = sync(
                ReleasePeriod,
                existing.get(seed.started_year),
                {"started_year": seed.started_year},
                {
                    **seed.values,
                    "sources": source_list(seed.sources),
                    "provenance": seed.provenance,
                },
            )
        report.add("release periods", seed.origin, outcome, changed)
