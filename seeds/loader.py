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
registry's historic import, not the publication workflow, so it writes no Transition for them. A
standard's level rows are the exception: the registry writes them in one place,
``occupations.workflow.set_standard_levels``, which the loader calls as the system (``by=None``),
so a level set the load creates or replaces is logged like any other. Consultation
and draft statuses are historical facts here, stored as data when the records are created (the
model constructor is the one place django-fsm lets a protected state be set). Fields the files
do not carry (an occupation's code, comments, anything staff add later) are never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from occupations.models import Release
from occupations.workflow import HistoryDate, NothingToRelease, issue_release
from seeds.batches import BATCHES_DIR, BatchSeed, load_batches, read_batch
from seeds.consultations import (
    CONSULTATIONS_DIR,
    ConsultationSeed,
    load_consultations,
    read_consultation,
)
from seeds.files import (
    Origin,
    SeedError,
    Source,
    check_unique,
    provenance_sources,
    yaml_files,
)
from seeds.reference import (
    AUTHORITIES_FILE,
    MAJOR_GROUPS_FILE,
    AuthoritySeed,
    EditionSeed,
    GroupSeed,
    PeriodSeed,
    load_authorities,
    load_editions,
    load_groups,
    load_periods,
    read_authorities,
    read_editions,
    read_groups,
    read_periods,
)
from seeds.sentences import SentenceIndex
from seeds.standards import STANDARDS_DIR, StandardSeed, load_standards, read_standards
from seeds.writing import CREATED, UPDATED, LoadReport


@dataclass(frozen=True)
class SeedSet:
    directory: Path
    groups: tuple[GroupSeed, ...]
    authorities: tuple[AuthoritySeed, ...]
    editions: tuple[EditionSeed, ...]
    periods: tuple[PeriodSeed, ...]
    batches: tuple[BatchSeed, ...]
    consultations: tuple[ConsultationSeed, ...]
    standards: tuple[StandardSeed, ...]

    def all_records(self) -> Iterator:
        """Every record read, each with ``origin``, ``sources`` and ``provenance``."""
        yield from self.groups
        yield from self.authorities
        yield from self.editions
        yield from self.periods
        for batch in self.batches:
            yield batch
            for occupation in batch.occupations:
                yield occupation
                yield from occupation.job_type_records
            yield from batch.job_types
        for consultation in self.consultations:
            yield consultation
            yield from consultation.drafts
        yield from self.standards

    def all_sources(self) -> Iterator[tuple[Origin, Source]]:
        """Every quote cited: the records' sources and the quotes in their provenance."""
        for record in self.all_records():
            for source in (*record.sources, *provenance_sources(record.provenance)):
                yield record.origin, source


def read_seeds(directory: Path | str) -> SeedSet:
    """Read and check every seed file under ``directory``; raise ``SeedError`` on the first
    problem. Touches no database."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SeedError(str(directory), "directory", "does not exist")
    for required in (MAJOR_GROUPS_FILE, AUTHORITIES_FILE):
        if not (directory / required).is_file():
            raise SeedError(required, "file", "is missing")
    groups = read_groups(directory)
    group_codes = {group.code for group in groups}
    authorities = read_authorities(directory)
    authority_names = {authority.name for authority in authorities}

    batches = [
        read_batch(directory, path, group_codes, authority_names)
        for path in yaml_files(directory, BATCHES_DIR)
    ]
    check_unique(batches, lambda b: b.slug, "slug")
    check_unique([b for b in batches if b.number is not None], lambda b: b.number, "number")
    consultations = [
        read_consultation(directory, path, group_codes)
        for path in yaml_files(directory, CONSULTATIONS_DIR)
    ]
    check_unique(consultations, lambda c: c.slug, "slug")

    occupations = {
        (batch.slug, occupation.name): occupation
        for batch in batches
        for occupation in batch.occupations
    }
    standards = [
        standard
        for path in yaml_files(directory, STANDARDS_DIR)
        for standard in read_standards(directory, path, occupations, authority_names)
    ]
    check_unique(standards, lambda s: (s.batch, s.occupation, s.title), "occupation and title")
    return SeedSet(
        directory=directory,
        groups=groups,
        authorities=authorities,
        editions=read_editions(directory),
        periods=read_periods(directory),
        batches=tuple(sorted(batches, key=lambda b: (b.announced_on, b.number or 0, b.slug))),
        consultations=tuple(consultations),
        standards=tuple(standards),
    )


def check_quotes(seeds: SeedSet, sources_dir: Path | str) -> int:
    """Check that every quote is copied exactly from its source file in ``sources_dir``, and is
    a whole sentence of it (``seeds.sentences``: not a heading, a byline or a fragment).

    Returns the number of quotes checked; raises ``SeedError`` naming the first that is not.
    """
    sources_dir = Path(sources_dir)
    texts: dict[str, str | None] = {}
    sentences: dict[str, SentenceIndex] = {}
    checked = 0
    for origin, source in seeds.all_sources():
        if source.file not in texts:
            path = sources_dir / source.file
            texts[source.file] = path.read_text(encoding="utf-8") if path.is_file() else None
            if texts[source.file] is not None:
                sentences[source.file] = SentenceIndex(texts[source.file])
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
        if not sentences[source.file].is_whole(source.quote):
            raise SeedError(
                origin.file,
                origin.record,
                f"quote is not a whole sentence of {source.file} (a heading, a byline or part "
                f"of a sentence?): {source.quote[:80]!r}",
            )
        checked += 1
    return checked


def load(seeds: SeedSet) -> LoadReport:
    """Write ``seeds`` to the database in one transaction; return what was done.

    Requires seeds read by ``read_seeds`` (already checked). On any refusal by the database a
    ``SeedError`` naming the record is raised and nothing is written.
    """
    report = LoadReport()
    with transaction.atomic():
        # A registry with no release yet gets the history as releases versioned and dated by
        # the history; one that has releases (published, never rewritten) gets what this load
        # changes as ordinary releases of the current year.
        as_history = not Release.objects.exists()
        groups = load_groups(seeds.groups, report)
        authorities = load_authorities(seeds.authorities, report)
        load_editions(seeds.editions, report)
        load_periods(seeds.periods, report)
        # The history as the releases it implies, in its order: each batch is one release,
        # and the skill standards come right after the last batch whose occupations they name.
        occupations = {}
        standards_after = standards_place(seeds)
        for batch in seeds.batches:
            written = registry_writes(report)
            occupations |= load_batches([batch], report, groups, authorities)
            release_history(
                report,
                batch.title,
                written,
                HistoryDate(batch.announced_on.year, batch.announced_on, batch.announced_precision)
                if as_history
                else None,
            )
            if batch.slug == standards_after:
                _load_standards(seeds, report, occupations, authorities, batch, as_history)
        load_consultations(seeds.consultations, report, groups)
        if standards_after is None:
            _load_standards(seeds, report, occupations, authorities, None, as_history)
    return report


def standards_place(seeds: SeedSet) -> str | None:
    """The slug of the last batch (in the history's order) holding an occupation that a
    standard is attached to: the standards article is undated ("Recently"), so the sources
    place the standards only after the latest of their occupations."""
    named = {standard.batch for standard in seeds.standards}
    slugs = [batch.slug for batch in seeds.batches if batch.slug in named]
    return slugs[-1] if slugs else None


def _load_standards(seeds, report, occupations, authorities, after, as_history) -> None:
    written = registry_writes(report)
    load_standards(seeds.standards, report, occupations, authorities)
    what = "National occupational skill standards"
    if after is not None:
        what += (
            f". Placed after {after.title}: the article on the standards is undated "
            '("Recently") and names occupations of batches up to that one; the sources do '
            "not say whether the standards came before or after the later batches, nor their date"
        )
    release_history(
        report,
        what,
        written,
        HistoryDate(after.announced_on.year) if as_history and after is not None else None,
    )


REGISTRY_KINDS = ("batches", "occupations", "job types", "skill standards", "standard levels")


def registry_writes(report: LoadReport) -> int:
    return sum(
        report.counts[kind][CREATED] + report.counts[kind][UPDATED] for kind in REGISTRY_KINDS
    )


def release_history(
    report: LoadReport, what: str, written_before: int, history: HistoryDate | None
) -> None:
    """Issue a release of what the load has just written to the registry, if it wrote
    anything since ``written_before`` registry writes; as the system (the seed import has no
    publisher). ``history`` versions and dates it by the history (a registry without
    releases); without it the release is an ordinary one of the current year. Changes staff
    made are left to their own release when the load writes none."""
    if registry_writes(report) == written_before:
        return
    try:
        release = issue_release(by=None, note=f"Seed history: {what}.", history=history)
    except NothingToRelease:
        return
    report.lines.append(
        f"release {release.version}: {what}: {release.added_count} added, "
        f"{release.changed_count} changed, {release.removed_count} removed"
    )


def default_sources_directory() -> Path:
    """``settings.SEED_SOURCES_DIR`` if set, else ``shared/seeds`` beside the checkout: the
    news articles the quotes are checked against."""
    from django.conf import settings

    configured = getattr(settings, "SEED_SOURCES_DIR", None)
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "seeds"


def default_directory() -> Path:
    """``settings.SEEDS_DIR`` if set, else the ``seeds/`` folder beside this module."""
    from django.conf import settings

    return Path(getattr(settings, "SEEDS_DIR", Path(__file__).resolve().parent))
