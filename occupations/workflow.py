"""Registry steps that touch several records: attaching a skill standard with its levels, and
writing a standard's level rows (its level set, and each level's requirement and weight tables).

Only a registry ``Occupation`` (which exists only once published) can take a standard, so a
draft can never have one. Level rows are written by ``_write_level_rows`` alone, for the two
steps here; the admin and the seed import call ``set_standard_levels``. Each step checks the
actor's permission and writes one Transition.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, require_permission
from occupations.downloads import build_release_downloads
from occupations.models import (
    LEVELS_BY_KIND,
    Authority,
    DatePrecision,
    LevelRequirement,
    LevelWeight,
    Occupation,
    Release,
    ReleaseRecord,
    SkillStandard,
    StandardLevel,
    Transition,
    precision_is_consistent,
)
from occupations.releases import differences
from occupations.signals import release_issued

if TYPE_CHECKING:
    from core.errors import Actor

logger = logging.getLogger(__name__)

# The longest note a release takes; it heads the release's page and its feed entry.
RELEASE_NOTE_MAX_LENGTH = 2000


def validate_level_keys(kind: str, keys: Sequence[str]) -> None:
    """The level set must be exactly the kind's: three technical levels or five skill levels."""
    if kind not in LEVELS_BY_KIND:
        raise InvalidTransition(
            _("Unknown kind of standard %(kind)r.") % {"kind": kind}, field="kind"
        )
    expected = LEVELS_BY_KIND[kind]
    if sorted(keys) != sorted(expected):
        raise InvalidTransition(
            _("A %(kind)s standard has exactly the levels %(expected)s; got %(got)s.")
            % {
                "kind": kind,
                "expected": ", ".join(expected),
                "got": ", ".join(keys) or _("none"),
            },
            field="levels",
        )


@dataclass(frozen=True)
class WeightRow:
    category: str
    item: str
    weight: int


def validate_weights(rows: Sequence[WeightRow]) -> None:
    """Each table (theoretical knowledge, skills) that has rows sums to exactly 100."""
    totals: dict[str, int] = {}
    for row in rows:
        if row.category not in LevelWeight.Category.values:
            raise InvalidTransition(
                _("Unknown weight table %(c)r.") % {"c": row.category}, field="category"
            )
        if not 0 <= row.weight <= 100:
            raise InvalidTransition(
                _("A weight is between 0 and 100; %(item)s has %(w)s.")
                % {"item": row.item, "w": row.weight},
                field="weight",
            )
        totals[row.category] = totals.get(row.category, 0) + row.weight
    for category, total in totals.items():
        if total != 100:
            raise InvalidTransition(
                _("The %(table)s weights sum to %(total)s, not 100.")
                % {"table": LevelWeight.Category(category).label, "total": total},
                field="weight",
            )


def attach_skill_standard(
    occupation: Model,
    *,
    by: Actor,
    title: str,
    kind: str,
    levels: Sequence[str] | None = None,
    edition: str = "",
    issued_on: dt.date | None = None,
    issued_precision: str | None = DatePrecision.DAY,
    authorities: Sequence[Authority] = (),
    directions: Sequence[str] = (),
    sources: Sequence[dict] = (),
    notes: str = "",
) -> SkillStandard:
    """Attach a national skill standard, with its full level set, to a published occupation.

    ``levels`` defaults to the kind's level set; any other set is refused. Requires
    ``occupations.add_skillstandard``.
    """
    require_permission(by, "occupations.add_skillstandard", _("attach a skill standard"))
    if not isinstance(occupation, Occupation) or occupation.pk is None:
        raise InvalidTransition(
            _(
                "Skill standards can be attached only to published occupations; "
                "%(object)s is not one."
            )
            % {"object": occupation},
            field="occupation",
        )
    keys = list(levels) if levels is not None else list(LEVELS_BY_KIND.get(kind, ()))
    validate_level_keys(kind, keys)
    if not title.strip():
        raise InvalidTransition(_("A standard needs a title."), field="title")
    if issued_precision is not None and issued_precision not in DatePrecision.values:
        raise InvalidTransition(
            _("Unknown date precision %(precision)r.") % {"precision": issued_precision},
            field="issued_precision",
        )
    if issued_on is None:
        issued_precision = None  # an unknown date has no precision
    elif issued_precision is None:
        raise InvalidTransition(
            _("Say how much of the issue date is known: day, month or year."),
            field="issued_precision",
        )
    elif not precision_is_consistent(issued_on, issued_precision):
        raise InvalidTransition(
            _("A date known only to the month or year is given as its first day."),
            field="issued_on",
        )
    with transaction.atomic():
        locked = Occupation.objects.select_for_update().get(pk=occupation.pk)
        if locked.standards.filter(title=title.strip()).exists():
            raise InvalidTransition(
                _("%(occupation)s already has a standard titled %(title)s.")
                % {"occupation": locked, "title": title.strip()},
                field="title",
            )
        standard = SkillStandard.objects.create(
            occupation=locked,
            title=title.strip(),
            kind=kind,
            edition=edition,
            issued_on=issued_on,
            issued_precision=issued_precision,
            directions=list(directions),
            sources=list(sources),
            notes=notes,
        )
        standard.authorities.set(authorities)
        _write_level_rows(standard, current=[], keys=keys, tables={})
        # The occupation's published record now lists the standard: incremental sync sees it.
        locked.save(update_fields=["updated_at"])
        Transition.objects.record(standard, action="attach_standard", source="", target=kind, by=by)
    return standard


@dataclass(frozen=True)
class RequirementRow:
    work_area: str
    work_content: str = ""
    skill_requirements: str = ""
    knowledge_requirements: str = ""


@dataclass(frozen=True)
class LevelTables:
    """A level's requirement rows, in their order, and its weight rows."""

    requirements: Sequence[RequirementRow] = ()
    weights: Sequence[WeightRow] = ()


def _write_level_rows(
    standard: SkillStandard,
    *,
    current: Sequence[StandardLevel],
    keys: Sequence[str],
    tables: Mapping[str, LevelTables],
) -> tuple[list[str], list[str]]:
    """Bring ``standard``'s levels from ``current`` to ``keys`` (already checked against its
    kind) and replace the tables of the levels named in ``tables``; return the keys added and
    removed. The one place that writes StandardLevel, LevelRequirement and LevelWeight rows."""
    order = LEVELS_BY_KIND[standard.kind]
    removed = [level.key for level in current if level.key not in keys]
    # Levels go before their replacements are created: a rank is unique within a standard.
    StandardLevel.objects.filter(standard=standard, key__in=removed).delete()
    kept = {level.key for level in current} - set(removed)
    added = [key for key in order if key in keys and key not in kept]
    StandardLevel.objects.bulk_create(
        StandardLevel(standard=standard, kind=standard.kind, rank=order.index(key) + 1, key=key)
        for key in added
    )
    for level in StandardLevel.objects.filter(standard=standard, key__in=list(tables)):
        rows = tables[level.key]
        level.requirements.all().delete()
        level.weights.all().delete()
        LevelRequirement.objects.bulk_create(
            LevelRequirement(level=level, position=i, **row.__dict__)
            for i, row in enumerate(rows.requirements, start=1)
        )
        LevelWeight.objects.bulk_create(
            LevelWeight(level=level, category=row.category, item=row.item, weight=row.weight)
            for row in rows.weights
        )
    return added, removed


def _levels_note(added: Sequence[str], removed: Sequence[str], tables: Sequence[str]) -> str:
    parts = []
    if added:
        parts.append(_("Levels added: %(keys)s.") % {"keys": ", ".join(added)})
    if removed:
        parts.append(_("Levels removed: %(keys)s.") % {"keys": ", ".join(removed)})
    if tables:
        parts.append(_("Tables replaced: %(keys)s.") % {"keys": ", ".join(tables)})
    return " ".join(parts)


def _require_saved_standard(standard: Model) -> None:
    if not isinstance(standard, SkillStandard) or standard.pk is None:
        raise InvalidTransition(
            _("Levels belong to a skill standard of a published occupation; %(object)s is not one.")
            % {"object": standard},
            field="standard",
        )


def set_standard_levels(
    standard: SkillStandard,
    *,
    by: Actor,
    keys: Sequence[str] | None = None,
    tables: Mapping[str, LevelTables] | None = None,
    note: str = "",
) -> SkillStandard:
    """Write a standard's level rows and log one ``set_levels`` Transition.

    ``keys`` is the whole level set, in any order (default: the levels the standard has), and
    must be exactly its kind's. A level that stays keeps its tables; one left out is deleted
    with them; one added is created with empty tables, ranked in its kind's order. ``tables``
    replaces the requirement and weight tables of the levels it names; each weight table that
    has rows sums to 100. The standard's ``updated_at`` moves.

    ``by`` is a user holding ``occupations.change_skillstandard``, or None when the seed import
    (``manage.py loadseeds``) writes the registry's history on its own.
    """
    if by is not None:
        require_permission(by, "occupations.change_skillstandard", _("edit a skill standard"))
    _require_saved_standard(standard)
    tables = dict(tables or {})
    for rows in tables.values():
        validate_weights(rows.weights)
    with transaction.atomic():
        # Locked so that two editors of one standard write its levels one after the other.
        locked = SkillStandard.objects.select_for_update().get(pk=standard.pk)
        current = list(locked.levels.all())
        wanted = list(keys) if keys is not None else [level.key for level in current]
        validate_level_keys(locked.kind, wanted)
        unknown = sorted(set(tables) - set(wanted))
        if unknown:
            raise InvalidTransition(
                _("%(key)s is not a level of this standard.") % {"key": unknown[0]},
                field="levels",
            )
        added, removed = _write_level_rows(locked, current=current, keys=wanted, tables=tables)
        # The levels are part of the standard's published record: the API's validators and
        # incremental sync read its updated_at.
        locked.save(update_fields=["updated_at"])
        Transition.objects.record(
            locked,
            action="set_levels",
            source=current[0].kind if current else "",
            target=locked.kind,
            by=by,
            note=" ".join(filter(None, [_levels_note(added, removed, list(tables)), note])),
        )
    return locked


def set_level_tables(
    level: StandardLevel,
    *,
    by: Actor,
    requirements: Sequence[RequirementRow],
    weights: Sequence[WeightRow],
) -> StandardLevel:
    """Replace one level's requirements and weight tables: ``set_standard_levels`` with that
    level alone in ``tables``. Requires ``occupations.change_skillstandard``."""
    set_standard_levels(
        level.standard,
        by=by,
        tables={level.key: LevelTables(requirements=requirements, weights=weights)},
    )
    return level


class NothingToRelease(InvalidTransition):
    """The published registry has not changed since the latest release."""


@dataclass(frozen=True)
class HistoryDate:
    """Where a release of the seed history sits in the history: the year of its version, and
    its date at its precision (None where the sources give none)."""

    year: int
    dated_on: dt.date | None = None
    precision: str | None = None


def issue_release(
    *,
    by: Actor,
    note: str,
    now: dt.datetime | None = None,
    history: HistoryDate | None = None,
) -> Release:
    """Issue the next numbered release of the published registry, with ``note``.

    Records every batch, occupation and skill standard added, changed (with the fields and
    their old and new values) or removed since the previous release, and the state of each
    one that did. The version is ``YYYY.N``: the year of issue (local time) and the release's
    number within it. Raises ``NothingToRelease`` if nothing changed. Once committed, the
    release is announced (``occupations.signals.release_issued``, in the transaction) and its
    downloads are built by the worker once it commits.

    ``by`` is a user holding ``occupations.issue_release``, or None when the seed import
    issues the releases its history implies. ``history`` (seed import only) versions the
    release by the history's year instead and dates it at the history's date.
    """
    if history is not None and by is not None:
        raise InvalidTransition(_("Only the seed import issues releases of the history."))
    if by is not None:
        require_permission(by, "occupations.issue_release", _("issue a release"))
    note = note.strip()
    if not note:
        raise InvalidTransition(_("A release needs a note saying what it holds."), field="note")
    if len(note) > RELEASE_NOTE_MAX_LENGTH:
        raise InvalidTransition(
            _("A release note has at most %(max)d characters; this one has %(length)d.")
            % {"max": RELEASE_NOTE_MAX_LENGTH, "length": len(note)},
            field="note",
        )
    now = now or timezone.now()
    try:
        with transaction.atomic():
            release = _issue_locked(by=by, note=note, now=now, history=history)
    except IntegrityError:
        # Only the very first release has no row to lock: two issued at once collide on
        # the unique sequence, and the later one is refused here.
        raise InvalidTransition(
            _("Another release was issued at the same moment; reload and look at it first."),
            field="version",
        ) from None
    logger.info(
        "Release %s issued by %s: %d added, %d changed, %d removed.",
        release.version,
        by or "the system",
        release.added_count,
        release.changed_count,
        release.removed_count,
    )
    return release


def _issue_locked(
    *, by: Actor, note: str, now: dt.datetime, history: HistoryDate | None
) -> Release:
    # The latest release is locked so that two publishers issuing at once take turns: the
    # second then compares with the first one's release and finds nothing to release.
    Release.objects.select_for_update().order_by("-sequence").first()
    # Read again once the lock is held: a release committed while this one waited is the
    # previous one now (PostgreSQL hands the waiter the row it locked, not the newest).
    previous = Release.objects.order_by("-sequence").first()
    found = differences()
    if not found.rows:
        raise NothingToRelease(
            _("Nothing to release: the published registry has not changed since %(version)s.")
            % {"version": previous.version}
            if previous is not None
            else _("Nothing to release: the published registry is empty."),
        )
    year = history.year if history is not None else timezone.localtime(now).year
    number = Release.objects.filter(version__startswith=f"{year}.").count() + 1
    release = Release.objects.create(
        sequence=(previous.sequence + 1) if previous is not None else 1,
        version=f"{year}.{number}",
        issued_at=now,
        issued_by=by,
        history=history is not None,
        dated_on=history.dated_on if history is not None else None,
        dated_precision=history.precision if history is not None else None,
        note=note,
        added_count=found.count(ReleaseRecord.Action.ADDED),
        changed_count=found.count(ReleaseRecord.Action.CHANGED),
        removed_count=found.count(ReleaseRecord.Action.REMOVED),
    )
    # The rows replaced first: a record has one latest row at a time (a constraint).
    ReleaseRecord.objects.filter(pk__in=found.superseded).update(superseded_by=release)
    for row in found.rows:
        row.release = release
    ReleaseRecord.objects.bulk_create(found.rows, batch_size=1000)
    Transition.objects.record(
        release,
        action="issue_release",
        source=previous.version if previous is not None else "",
        target=release.version,
        by=by,
        at=now,
        note=note,
    )
    # Receivers write in this transaction (a webhook event is stored with its release or not
    # at all); the downloads are built once the release is committed.
    release_issued.send(sender=Release, release=release, now=now)
    transaction.on_commit(partial(build_release_downloads.enqueue, release.pk))
    return release
