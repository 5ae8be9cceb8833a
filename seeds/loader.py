"""Read, check and load the seed files: the history of the new-occupation process.

Two stages, so that bad data never half-loads:

1. ``read_seeds(directory)`` parses every file and checks all of it — keys, types, dates and their
   precision, counts, references between files — into plain frozen dataclasses. It touches no
   database. The first problem raises ``SeedError(file, record, message)``.
2. ``load(seeds)`` writes everything in one transaction. Each record is found by its natural key
   (group code, authority name, batch slug, batch and position, consultation slug, consultation
   and position, occupation and standard title). Reference data and registry records are
   created if missing and updated where a field differs from the file. A consultation and its
   drafts are only created: once in the database the workflow owns them (revisions,
   withdrawals, publication), so one that differs from its file is reported as "kept" and left
   alone. The returned ``LoadReport`` says what was created, updated, left unchanged or kept.
   Loading the same files twice changes nothing.

The loader writes registry records (batches, occupations, standards) directly: it is the
registry's historic import, not the publication workflow, so it writes no Transition. Consultation
and draft statuses are historical facts here, stored as data when the records are created (the
model constructor is the one place django-fsm lets a protected state be set). Fields the files
do not carry (an occupation's code, comments, anything staff add later) are never touched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model

from consult.models import DRAFT_TEXT_FIELDS, Consultation, DraftOccupation
from occupations.models import (
    LEVELS_BY_KIND,
    Authority,
    Batch,
    ClassificationGroup,
    DatePrecision,
    Occupation,
    SkillStandard,
    StandardLevel,
    precision_is_consistent,
)

MAJOR_GROUPS_FILE = "reference/major_groups.yaml"
AUTHORITIES_FILE = "reference/authorities.yaml"
BATCHES_DIR = "batches"
CONSULTATIONS_DIR = "consultations"
STANDARDS_DIR = "standards"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAJOR_GROUP_CODE_RE = re.compile(r"^[1-8]$")

# Draft status implied by the consultation's status: the text of a consultation that has been
# public was frozen for comment, so its drafts are "proposed".
DRAFT_STATUS_FOR = {
    Consultation.Status.DRAFTING: DraftOccupation.Status.DRAFT,
    Consultation.Status.CONSULTATION: DraftOccupation.Status.PROPOSED,
    Consultation.Status.REVIEW: DraftOccupation.Status.PROPOSED,
}

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
# A consultation (and its drafts) already in the database differs from its file: after creation
# it belongs to the workflow (revisions, withdrawals, publication), so the loader leaves it be.
KEPT = "kept"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, KEPT)


class SeedError(Exception):
    """A seed file is unreadable or inconsistent; nothing has been loaded."""

    def __init__(self, file: str, record: str, message: str) -> None:
        super().__init__(f"{file}: {record}: {message}")
        self.file = file
        self.record = record
        self.message = message


# Seeds ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    file: str
    quote: str

    def as_json(self) -> dict[str, str]:
        return {"file": self.file, "quote": self.quote}


@dataclass(frozen=True)
class Origin:
    """Where a record comes from, for error messages and the load report."""

    file: str
    record: str


@dataclass(frozen=True)
class GroupSeed:
    origin: Origin
    code: str
    title: str
    title_en: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class AuthoritySeed:
    origin: Origin
    name: str
    name_zh: str
    abbreviation: str
    sources: tuple[Source, ...]


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
    green: bool
    digital: bool
    group: str | None
    sources: tuple[Source, ...]
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
    notes: str
    occupations: tuple[OccupationSeed, ...]


@dataclass(frozen=True)
class ConsultationSeed:
    origin: Origin
    slug: str
    title: str
    summary: str
    status: str
    opens_at: dt.datetime | None
    opens_at_stand_in: dt.datetime | None
    closes_at: dt.datetime | None
    sources: tuple[Source, ...]
    notes: str
    drafts: tuple[OccupationSeed, ...]

    @property
    def stored_opens_at(self) -> dt.datetime | None:
        """What the database keeps: the known opening, else the documented stand-in."""
        return self.opens_at or self.opens_at_stand_in


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
    notes: str


@dataclass(frozen=True)
class SeedSet:
    directory: Path
    groups: tuple[GroupSeed, ...]
    authorities: tuple[AuthoritySeed, ...]
    batches: tuple[BatchSeed, ...]
    consultations: tuple[ConsultationSeed, ...]
    standards: tuple[StandardSeed, ...]

    def all_sources(self) -> Iterator[tuple[Origin, Source]]:
        for record in (*self.groups, *self.authorities, *self.consultations, *self.standards):
            for source in record.sources:
                yield record.origin, source
        for batch in self.batches:
            for source in batch.sources:
                yield batch.origin, source
            for occupation in batch.occupations:
                for source in occupation.sources:
                    yield occupation.origin, source
        for consultation in self.consultations:
            for draft in consultation.drafts:
                for source in draft.sources:
                    yield draft.origin, source


# Reading and checking ------------------------------------------------------------------------


class _Fields:
    """Typed access to one mapping of a seed file; every problem names the file and record."""

    def __init__(self, data: Any, origin: Origin, *, required: set[str], optional: set[str]):
        self.origin = origin
        if not isinstance(data, dict):
            self.fail(f"expected a mapping of keys, found {type(data).__name__}")
        self.data = data
        unknown = sorted(str(key) for key in set(data) - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            self.fail(f"unknown key {unknown[0]!r} (allowed: {allowed})")
        missing = sorted(required - set(data))
        if missing:
            self.fail(f"missing key {missing[0]!r}")

    def fail(self, message: str) -> None:
        raise SeedError(self.origin.file, self.origin.record, message)

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def text(self, key: str, *, blank: bool = True, default: str = "") -> str:
        value = self.data.get(key, default)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(f"{key!r} must be text, not {type(value).__name__}")
        if value != value.strip():
            self.fail(f"{key!r} has leading or trailing spaces")
        if not blank and not value:
            self.fail(f"{key!r} must not be blank")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{key!r} must be true or false, not {value!r}")
        return value

    def integer(self, key: str, *, nullable: bool = False, minimum: int = 0) -> int | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.fail(f"{key!r} must be a whole number of at least {minimum}, not {value!r}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            self.fail(f"{key!r} must be a list, not {type(value).__name__}")
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip() or item != item.strip():
                self.fail(f"{key!r} item {number} must be non-blank text without outer spaces")
        if len(set(value)) != len(value):
            self.fail(f"{key!r} lists the same text twice")
        return tuple(value)

    def date(self, key: str, *, nullable: bool = False) -> dt.date | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        if isinstance(value, dt.datetime):
            self.fail(f"{key!r} must be a date without a time, not {value!r}")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(f"{key!r} must be an ISO date (YYYY-MM-DD), not {value!r}")
        return None  # pragma: no cover

    def moment(self, key: str) -> dt.datetime | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                self.fail(f"{key!r} must be an ISO date and time, not {value!r}")
        if not isinstance(value, dt.datetime):
            self.fail(f"{key!r} must be an ISO date and time, not {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail(f"{key!r} must state its UTC offset, e.g. +08:00: {value.isoformat()}")
        return value

    def choice(self, key: str, choices: Iterable[str], *, nullable: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        allowed = list(choices)
        if value not in allowed:
            self.fail(f"{key!r} must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def sources(self, key: str = "sources") -> tuple[Source, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            self.fail(f"{key!r} must list at least one source (file and quote)")
        result = []
        for number, item in enumerate(value, start=1):
            if not isinstance(item, dict) or set(item) != {"file", "quote"}:
                self.fail(f"source {number} must have exactly the keys 'file' and 'quote'")
            file, quote = item["file"], item["quote"]
            if not isinstance(file, str) or not file.strip() or "/" in file:
                self.fail(f"source {number}: 'file' must be a source file's name")
            if not isinstance(quote, str) or not quote.strip():
                self.fail(f"source {number}: 'quote' must be the sentence the record comes from")
            result.append(Source(file=file, quote=quote))
        return tuple(result)


def _parse_yaml(directory: Path, path: Path) -> tuple[str, Any]:
    name = path.relative_to(directory).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(name, "file", f"cannot be read: {exc}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return name, yaml.load(text, Loader=loader)  # a safe loader (C when available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SeedError(name, where, f"is not valid YAML: {problem}") from None


def _list_of_records(name: str, data: Any, key: str | None) -> list:
    if key is not None:
        if not isinstance(data, dict) or key not in data:
            raise SeedError(name, "file", f"must have a top-level key {key!r}")
        data = data[key]
    if not isinstance(data, list):
        raise SeedError(name, key or "file", "must be a list of records")
    return data


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
    "notes",
}


def _read_occupation(
    data: Any, name: str, kind: str, position: int, group_codes: set[str]
) -> OccupationSeed:
    label = f"{kind} {position}"
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        label = f"{kind} {position} ({data['name']})"
    record = _Fields(
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
        green=record.flag("green"),
        digital=record.flag("digital"),
        group=group,
        sources=record.sources(),
        notes=record.text("notes"),
    )
    if occupation.name in occupation.alternative_names:
        record.fail("an alternative name repeats the name")
    return occupation


def _read_occupations(
    data: Any, name: str, key: str, kind: str, group_codes: set[str]
) -> tuple[OccupationSeed, ...]:
    items = _list_of_records(name, data, key)
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


def _read_groups(directory: Path) -> tuple[GroupSeed, ...]:
    name, data = _parse_yaml(directory, directory / MAJOR_GROUPS_FILE)
    groups = []
    for index, item in enumerate(_list_of_records(name, data, None), start=1):
        label = f"group {item.get('code')}" if isinstance(item, dict) else f"record {index}"
        record = _Fields(
            item,
            Origin(name, label),
            required={"code", "title", "title_en", "sources"},
            optional=set(),
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
            )
        )
    codes = [group.code for group in groups]
    for group in groups:
        if codes.count(group.code) > 1:
            raise SeedError(name, group.origin.record, "the code is listed twice")
    return tuple(groups)


def _read_authorities(directory: Path) -> tuple[AuthoritySeed, ...]:
    name, data = _parse_yaml(directory, directory / AUTHORITIES_FILE)
    authorities = []
    for index, item in enumerate(_list_of_records(name, data, None), start=1):
        label = f"authority {index}"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            label = f"authority {index} ({item['name']})"
        record = _Fields(
            item,
            Origin(name, label),
            required={"name", "sources"},
            optional={"name_zh", "abbreviation"},
        )
        authorities.append(
            AuthoritySeed(
                origin=record.origin,
                name=record.text("name", blank=False),
                name_zh=record.text("name_zh"),
                abbreviation=record.text("abbreviation"),
                sources=record.sources(),
            )
        )
    names = [authority.name for authority in authorities]
    for authority in authorities:
        if names.count(authority.name) > 1:
            raise SeedError(name, authority.origin.record, "the name is listed twice")
    return tuple(authorities)


def _authority_names(record: _Fields, key: str, known: set[str]) -> tuple[str, ...]:
    names = record.texts(key)
    for authority in names:
        if authority not in known:
            record.fail(f"authority {authority!r} is not in {AUTHORITIES_FILE}")
    return names


def _read_batch(
    directory: Path, path: Path, group_codes: set[str], authority_names: set[str]
) -> BatchSeed:
    name, data = _parse_yaml(directory, path)
    if not isinstance(data, dict) or set(data) != {"batch", "occupations"}:
        raise SeedError(name, "file", "must have exactly the top-level keys 'batch', 'occupations'")
    record = _Fields(
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
        optional={"number", "authorities", "notes"},
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
    occupations = _read_occupations(data, name, "occupations", "occupation", group_codes)
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
        authorities=_authority_names(record, "authorities", authority_names),
        sources=record.sources(),
        notes=record.text("notes"),
        occupations=occupations,
    )


def _read_consultation(directory: Path, path: Path, group_codes: set[str]) -> ConsultationSeed:
    name, data = _parse_yaml(directory, path)
    if not isinstance(data, dict) or set(data) != {"consultation", "drafts"}:
        raise SeedError(
            name, "file", "must have exactly the top-level keys 'consultation', 'drafts'"
        )
    record = _Fields(
        data["consultation"],
        Origin(name, "consultation"),
        required={"slug", "title", "status", "closes_at", "sources"},
        optional={"summary", "opens_at", "opens_at_stand_in", "notes"},
    )
    slug = record.text("slug", blank=False)
    if not SLUG_RE.match(slug):
        record.fail(f"'slug' must be lower-case words joined by hyphens, not {slug!r}")
    # A published consultation needs the batch it became: seed that as a batch file instead.
    status = record.choice("status", DRAFT_STATUS_FOR)
    opens_at = record.moment("opens_at")
    stand_in = record.moment("opens_at_stand_in")
    closes_at = record.moment("closes_at")
    if opens_at is not None and stand_in is not None:
        record.fail("give 'opens_at' or 'opens_at_stand_in', not both")
    if stand_in is not None and not record.text("notes"):
        record.fail("'opens_at_stand_in' needs 'notes' saying why the opening is unknown")
    stored_opens_at = opens_at or stand_in
    if status != Consultation.Status.DRAFTING and (stored_opens_at is None or closes_at is None):
        record.fail(
            f"a consultation in {status} needs both ends of its window: give 'closes_at' and "
            "'opens_at' (or, when no source states it, 'opens_at_stand_in' with a note)"
        )
    if (stored_opens_at is None) != (closes_at is None):
        record.fail("give both ends of the window or neither")
    if stored_opens_at is not None and closes_at is not None and stored_opens_at >= closes_at:
        record.fail("the window must open before it closes")
    drafts = _read_occupations(data, name, "drafts", "draft", group_codes)
    if status != Consultation.Status.DRAFTING and not drafts:
        record.fail("a consultation past drafting needs at least one draft")
    return ConsultationSeed(
        origin=record.origin,
        slug=slug,
        title=record.text("title", blank=False),
        summary=record.text("summary"),
        status=status,
        opens_at=opens_at,
        opens_at_stand_in=stand_in,
        closes_at=closes_at,
        sources=record.sources(),
        notes=record.text("notes"),
        drafts=drafts,
    )


def _read_standards(
    directory: Path,
    path: Path,
    occupations: dict[tuple[str, str], OccupationSeed],
    authority_names: set[str],
) -> list[StandardSeed]:
    name, data = _parse_yaml(directory, path)
    if not isinstance(data, dict) or set(data) != {"standards"}:
        raise SeedError(name, "file", "must have exactly the top-level key 'standards'")
    standards = []
    for index, item in enumerate(_list_of_records(name, data, "standards"), start=1):
        label = f"standard {index}"
        if isinstance(item, dict) and isinstance(item.get("title"), str):
            label = f"standard {index} ({item['title']})"
        record = _Fields(
            item,
            Origin(name, label),
            required={"occupation", "title", "kind", "levels", "sources"},
            optional={
                "edition",
                "issued_on",
                "issued_precision",
                "authorities",
                "directions",
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
                authorities=_authority_names(record, "authorities", authority_names),
                directions=record.texts("directions"),
                levels=levels,
                sources=record.sources(),
                notes=record.text("notes"),
            )
        )
    return standards


def _yaml_files(directory: Path, sub: str) -> list[Path]:
    folder = directory / sub
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix in {".yaml", ".yml"})


def read_seeds(directory: Path | str) -> SeedSet:
    """Read and check every seed file under ``directory``; raise ``SeedError`` on the first
    problem. Touches no database."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SeedError(str(directory), "directory", "does not exist")
    for required in (MAJOR_GROUPS_FILE, AUTHORITIES_FILE):
        if not (directory / required).is_file():
            raise SeedError(required, "file", "is missing")
    groups = _read_groups(directory)
    group_codes = {group.code for group in groups}
    authorities = _read_authorities(directory)
    authority_names = {authority.name for authority in authorities}

    batches = [
        _read_batch(directory, path, group_codes, authority_names)
        for path in _yaml_files(directory, BATCHES_DIR)
    ]
    _check_unique(batches, lambda b: b.slug, "slug")
    _check_unique([b for b in batches if b.number is not None], lambda b: b.number, "number")
    consultations = [
        _read_consultation(directory, path, group_codes)
        for path in _yaml_files(directory, CONSULTATIONS_DIR)
    ]
    _check_unique(consultations, lambda c: c.slug, "slug")

    occupations = {
        (batch.slug, occupation.name): occupation
        for batch in batches
        for occupation in batch.occupations
    }
    standards = [
        standard
        for path in _yaml_files(directory, STANDARDS_DIR)
        for standard in _read_standards(directory, path, occupations, authority_names)
    ]
    _check_unique(standards, lambda s: (s.batch, s.occupation, s.title), "occupation and title")
    return SeedSet(
        directory=directory,
        groups=groups,
        authorities=authorities,
        batches=tuple(sorted(batches, key=lambda b: (b.announced_on, b.number or 0, b.slug))),
        consultations=tuple(consultations),
        standards=tuple(standards),
    )


def _check_unique(records: list, key: Callable[[Any], Any], what: str) -> None:
    seen: dict[Any, Origin] = {}
    for record in records:
        value = key(record)
        if value in seen:
            first = seen[value]
            raise SeedError(
                record.origin.file,
                record.origin.record,
                f"its {what} {value!r} is already used by {first.record} in {first.file}",
            )
        seen[value] = record.origin


def check_quotes(seeds: SeedSet, sources_dir: Path | str) -> int:
    """Check that every quote is copied exactly from its source file in ``sources_dir``.

    Returns the number of quotes checked; raises ``SeedError`` naming the first that is not.
    """
    sources_dir = Path(sources_dir)
    texts: dict[str, str | None] = {}
    checked = 0
    for origin, source in seeds.all_sources():
        if source.file not in texts:
            path = sources_dir / source.file
            texts[source.file] = path.read_text(encoding="utf-8") if path.is_file() else None
        text = texts[source.file]
        if text is None:
            raise SeedError(
                origin.file,
                origin.record,
                f"source file {source.file!r} not found in {sources_dir}",
            )
        if source.quote not in text:
            raise SeedError(
                origin.file,
                origin.record,
                f"quote not found word for word in {source.file}: {source.quote[:80]!r}",
            )
        checked += 1
    return checked


# Loading -------------------------------------------------------------------------------------


KINDS = (
    "major groups",
    "authorities",
    "batches",
    "occupations",
    "consultations",
    "draft occupations",
    "skill standards",
    "standard levels",
)


@dataclass
class LoadReport:
    """What one load did: counts per kind of record, and one line per record."""

    counts: dict[str, Counter] = field(default_factory=lambda: {kind: Counter() for kind in KINDS})
    lines: list[str] = field(default_factory=list)

    def add(self, kind: str, origin: Origin, outcome: str, changed: Iterable[str] = ()) -> None:
        self.counts[kind][outcome] += 1
        detail = ""
        if outcome == UPDATED:
            detail = f" ({', '.join(changed)})"
        elif outcome == KEPT:
            detail = f" as the workflow left it (differs from the file: {', '.join(changed)})"
        self.lines.append(f"{origin.file}: {origin.record}: {outcome}{detail}")

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    @property
    def changed_anything(self) -> bool:
        return bool(self.total(CREATED) or self.total(UPDATED))

    def table(self) -> str:
        width = max(len(kind) for kind in KINDS)
        rows = [f"{'':<{width}}" + "".join(f"  {outcome:>9}" for outcome in OUTCOMES)]
        for kind in KINDS:
            rows.append(
                f"{kind:<{width}}"
                + "".join(f"  {self.counts[kind][outcome]:>9}" for outcome in OUTCOMES)
            )
        rows.append(
            f"{'total':<{width}}" + "".join(f"  {self.total(outcome):>9}" for outcome in OUTCOMES)
        )
        return "\n".join(rows)


def _differences(obj: Model, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(obj, name) != value]


def _sync(
    model: type[Model],
    existing: Model | None,
    lookup: dict[str, Any],
    values: dict[str, Any],
) -> tuple[Model, str, list[str]]:
    """Create the record, or bring the fields listed in ``values`` in line with the file;
    return it, the outcome and the names of the fields that changed."""
    if existing is None:
        return _create(model, {**lookup, **values}), CREATED, []
    changed = _differences(existing, values)
    for name in changed:
        setattr(existing, name, values[name])
    if changed:
        existing.full_clean(validate_unique=False, validate_constraints=False)
        existing.save()
    return existing, (UPDATED if changed else UNCHANGED), changed


def _create(model: type[Model], values: dict[str, Any], *, states: dict[str, str] | None = None):
    """Create one record after the model's own field checks. ``states`` are django-fsm
    protected fields: the constructor is the one place that may set them, and the field checks
    skip them (they would assign them again)."""
    states = states or {}
    obj = model(**values, **states)
    obj.full_clean(exclude=list(states), validate_unique=False, validate_constraints=False)
    obj._change_reason = "Seed import"  # read by django-simple-history where a model keeps one
    obj.save()
    return obj


def _sync_authorities(obj: Model, names: Iterable[str], by_name: dict[str, Authority]) -> bool:
    wanted = {by_name[name].pk for name in names}
    current = set(obj.authorities.values_list("pk", flat=True))
    if wanted == current:
        return False
    obj.authorities.set(wanted)
    return True


def _sources(sources: Iterable[Source]) -> list[dict[str, str]]:
    return [source.as_json() for source in sources]


def _occupation_values(seed: OccupationSeed, groups: dict[str, ClassificationGroup]) -> dict:
    return {
        "name": seed.name,
        "alternative_names": list(seed.alternative_names),
        "definition": seed.definition,
        "tasks": list(seed.tasks),
        "job_types": list(seed.job_types),
        "green": seed.green,
        "digital": seed.digital,
        "group_id": groups[seed.group].pk if seed.group else None,
        "sources": _sources(seed.sources),
        "notes": seed.notes,
    }


@contextmanager
def _guard(origin: Origin) -> Iterator[None]:
    """Turn a refusal by a model check or the database into a SeedError naming the record."""
    try:
        yield
    except ValidationError as exc:
        raise SeedError(origin.file, origin.record, "; ".join(exc.messages)) from exc
    except DatabaseError as exc:
        raise SeedError(origin.file, origin.record, f"refused by the database: {exc}") from exc


def _load_groups(seeds: SeedSet, report: LoadReport) -> dict[str, ClassificationGroup]:
    existing = {group.code: group for group in ClassificationGroup.objects.all()}
    groups = {}
    for seed in seeds.groups:
        with _guard(seed.origin):
            group, outcome, changed = _sync(
                ClassificationGroup,
                existing.get(seed.code),
                {"code": seed.code},
                {
                    "title": seed.title,
                    "title_en": seed.title_en,
                    "level": ClassificationGroup.Level.MAJOR,
                    "parent": None,
                },
            )
        report.add("major groups", seed.origin, outcome, changed)
        groups[seed.code] = group
    return groups


def _load_authorities(seeds: SeedSet, report: LoadReport) -> dict[str, Authority]:
    existing = {authority.name: authority for authority in Authority.objects.all()}
    authorities = {}
    for seed in seeds.authorities:
        with _guard(seed.origin):
            authority, outcome, changed = _sync(
                Authority,
                existing.get(seed.name),
                {"name": seed.name},
                {"name_zh": seed.name_zh, "abbreviation": seed.abbreviation},
            )
        report.add("authorities", seed.origin, outcome, changed)
        authorities[seed.name] = authority
    return authorities


def _load_batches(
    seeds: SeedSet,
    report: LoadReport,
    groups: dict[str, ClassificationGroup],
    authorities: dict[str, Authority],
) -> dict[tuple[str, str], Occupation]:
    existing = {batch.slug: batch for batch in Batch.objects.all()}
    occupations: dict[tuple[str, str], Occupation] = {}
    for seed in seeds.batches:
        if seed.number is not None:
            taken = Batch.objects.filter(number=seed.number).exclude(slug=seed.slug).first()
            if taken is not None:
                raise SeedError(
                    seed.origin.file,
                    seed.origin.record,
                    f"number {seed.number} is already used by the batch {taken.slug!r}",
                )
        with _guard(seed.origin):
            batch, outcome, changed = _sync(
                Batch,
                existing.get(seed.slug),
                {"slug": seed.slug},
                {
                    "number": seed.number,
                    "title": seed.title,
                    "announced_on": seed.announced_on,
                    "announced_precision": seed.announced_precision,
                    "announced_count": seed.announced_count,
                    "sources": _sources(seed.sources),
                    "notes": seed.notes,
                },
            )
            if _sync_authorities(batch, seed.authorities, authorities):
                changed.append("authorities")
                outcome = CREATED if outcome == CREATED else UPDATED
        report.add("batches", seed.origin, outcome, changed)

        by_position = {occupation.position: occupation for occupation in batch.occupations.all()}
        for occupation_seed in seed.occupations:
            with _guard(occupation_seed.origin):
                occupation, outcome, changed = _sync(
                    Occupation,
                    by_position.get(occupation_seed.position),
                    {"batch": batch, "position": occupation_seed.position},
                    _occupation_values(occupation_seed, groups),
                )
            report.add("occupations", occupation_seed.origin, outcome, changed)
            occupations[(seed.slug, occupation_seed.name)] = occupation
    return occupations


def _draft_values(
    seed: OccupationSeed, status: str, groups: dict[str, ClassificationGroup]
) -> dict[str, Any]:
    values = _occupation_values(seed, groups)
    if status != DraftOccupation.Status.DRAFT:
        # The public commented on exactly this text: it is the consulted text.
        values["consulted_text"] = {name: values.get(name, "") for name in DRAFT_TEXT_FIELDS}
    return values


def _load_consultations(
    seeds: SeedSet, report: LoadReport, groups: dict[str, ClassificationGroup]
) -> None:
    """Create each consultation with its drafts if missing. One that exists is left alone: from
    its creation on the workflow owns it (drafts revised, accepted or withdrawn, the list
    published), and writing the file's state back would undo that work."""
    existing = {
        consultation.slug: consultation
        for consultation in Consultation.objects.filter(
            slug__in=[seed.slug for seed in seeds.consultations]
        ).prefetch_related("drafts")
    }
    for seed in seeds.consultations:
        values = {
            "title": seed.title,
            "summary": seed.summary,
            "opens_at": seed.stored_opens_at,
            "closes_at": seed.closes_at,
            "sources": _sources(seed.sources),
            "notes": seed.notes,
        }
        draft_status = DRAFT_STATUS_FOR[seed.status]
        consultation = existing.get(seed.slug)
        if consultation is not None:
            differs = _differences(consultation, {**values, "status": seed.status})
            report.add("consultations", seed.origin, KEPT if differs else UNCHANGED, differs)
            drafts = {draft.position: draft for draft in consultation.drafts.all()}
            for draft_seed in seed.drafts:
                draft = drafts.get(draft_seed.position)
                wanted = {**_draft_values(draft_seed, draft_status, groups), "status": draft_status}
                differs = ["missing"] if draft is None else _differences(draft, wanted)
                report.add(
                    "draft occupations", draft_seed.origin, KEPT if differs else UNCHANGED, differs
                )
            continue

        with _guard(seed.origin):
            consultation = _create(
                Consultation, {"slug": seed.slug, **values}, states={"status": seed.status}
            )
        report.add("consultations", seed.origin, CREATED)
        for draft_seed in seed.drafts:
            with _guard(draft_seed.origin):
                _create(
                    DraftOccupation,
                    {
                        "consultation": consultation,
                        "position": draft_seed.position,
                        **_draft_values(draft_seed, draft_status, groups),
                    },
                    states={"status": draft_status},
                )
            report.add("draft occupations", draft_seed.origin, CREATED)


def _load_standards(
    seeds: SeedSet,
    report: LoadReport,
    occupations: dict[tuple[str, str], Occupation],
    authorities: dict[str, Authority],
) -> None:
    existing = {
        (standard.occupation_id, standard.title): standard
        for standard in SkillStandard.objects.prefetch_related("levels")
    }
    for seed in seeds.standards:
        occupation = occupations[(seed.batch, seed.occupation)]
        with _guard(seed.origin):
            standard, outcome, changed = _sync(
                SkillStandard,
                existing.get((occupation.pk, seed.title)),
                {"occupation": occupation, "title": seed.title},
                {
                    "kind": seed.kind,
                    "edition": seed.edition,
                    "issued_on": seed.issued_on,
                    # Without a date its precision means nothing; the model's default is kept.
                    "issued_precision": seed.issued_precision or DatePrecision.DAY,
                    "directions": list(seed.directions),
                    "sources": _sources(seed.sources),
                    "notes": seed.notes,
                },
            )
            if _sync_authorities(standard, seed.authorities, authorities):
                changed.append("authorities")
                outcome = CREATED if outcome == CREATED else UPDATED
        report.add("skill standards", seed.origin, outcome, changed)

        wanted = [(rank, key) for rank, key in enumerate(seed.levels, start=1)]
        current = sorted(standard.levels.values_list("rank", "key"))
        level_origin = Origin(seed.origin.file, f"{seed.origin.record} levels")
        if current == wanted:
            for _rank, _key in wanted:
                report.counts["standard levels"][UNCHANGED] += 1
            continue
        # A level set that differs (a changed kind) is replaced whole: the database accepts
        # only the kind's exact set.
        with _guard(level_origin):
            standard.levels.all().delete()
            StandardLevel.objects.bulk_create(
                StandardLevel(standard=standard, kind=seed.kind, rank=rank, key=key)
                for rank, key in wanted
            )
        report.counts["standard levels"][CREATED] += len(wanted)
        report.lines.append(f"{level_origin.file}: {level_origin.record}: {CREATED}")


def load(seeds: SeedSet) -> LoadReport:
    """Write ``seeds`` to the database in one transaction; return what was done.

    Requires seeds read by ``read_seeds`` (already checked). On any refusal by the database a
    ``SeedError`` naming the record is raised and nothing is written.
    """
    report = LoadReport()
    with transaction.atomic():
        groups = _load_groups(seeds, report)
        authorities = _load_authorities(seeds, report)
        occupations = _load_batches(seeds, report, groups, authorities)
        _load_consultations(seeds, report, groups)
        _load_standards(seeds, report, occupations, authorities)
    return report


def default_directory() -> Path:
    """``settings.SEEDS_DIR`` if set, else the ``seeds/`` folder beside this module."""
    from django.conf import settings

    return Path(getattr(settings, "SEEDS_DIR", Path(__file__).resolve().parent))
