"""Registry steps that touch several records: attaching a skill standard with its levels, and
replacing a level's requirement and weight tables.

Only a registry ``Occupation`` (which exists only once published) can take a standard, so a
draft can never have one. Each step checks the actor's permission and writes one Transition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, require_permission
from occupations.models import (
    LEVELS_BY_KIND,
    Authority,
    DatePrecision,
    LevelRequirement,
    LevelWeight,
    Occupation,
    SkillStandard,
    StandardLevel,
    Transition,
    precision_is_consistent,
)


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
    by,
    title: str,
    kind: str,
    levels: Sequence[str] | None = None,
    edition: str = "",
    issued_on: dt.date | None = None,
    issued_precision: str = DatePrecision.DAY,
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
    if issued_precision not in DatePrecision.values:
        raise InvalidTransition(
            _("Unknown date precision %(precision)r.") % {"precision": issued_precision},
            field="issued_precision",
        )
    if not precision_is_consistent(issued_on, issued_precision):
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
        StandardLevel.objects.bulk_create(
            StandardLevel(standard=standard, kind=kind, rank=rank, key=key)
            for rank, key in enumerate(LEVELS_BY_KIND[kind], start=1)
        )
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


def set_level_tables(
    level: StandardLevel,
    *,
    by,
    requirements: Sequence[RequirementRow],
    weights: Sequence[WeightRow],
) -> StandardLevel:
    """Replace a level's requirements and weight tables; weights must sum to 100 per table.

    Requires ``occupations.change_skillstandard``.
    """
    require_permission(by, "occupations.change_skillstandard", _("edit a skill standard"))
    validate_weights(weights)
    with transaction.atomic():
        locked = StandardLevel.objects.select_for_update().get(pk=level.pk)
        locked.requirements.all().delete()
        locked.weights.all().delete()
        LevelRequirement.objects.bulk_create(
            LevelRequirement(level=locked, position=i, **row.__dict__)
            for i, row in enumerate(requirements, start=1)
        )
        LevelWeight.objects.bulk_create(
            LevelWeight(level=locked, category=row.category, item=row.item, weight=row.weight)
            for row in weights
        )
        Transition.objects.record(
            locked.standard,
            action="set_level_tables",
            source=locked.key,
            target=locked.key,
            by=by,
        )
    return locked
