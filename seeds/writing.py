"""What every stage of a load shares: the report of what was done, and writing one record after
the model's own checks, with any refusal turned into a ``SeedError`` naming the record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import Model

from core.errors import WorkflowError
from occupations.models import Authority
from seeds.files import Origin, SeedError, Source

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
# A consultation (and its drafts) already in the database differs from its file: after creation
# it belongs to the workflow (revisions, withdrawals, publication), so the loader leaves it be.
KEPT = "kept"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, KEPT)


KINDS = (
    "major groups",
    "authorities",
    "editions",
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


def differences(obj: Model, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(obj, name) != value]


def sync(
    model: type[Model],
    existing: Model | None,
    lookup: dict[str, Any],
    values: dict[str, Any],
) -> tuple[Model, str, list[str]]:
    """Create the record, or bring the fields listed in ``values`` in line with the file;
    return it, the outcome and the names of the fields that changed."""
    if existing is None:
        return create(model, {**lookup, **values}), CREATED, []
    changed = differences(existing, values)
    for name in changed:
        setattr(existing, name, values[name])
    if changed:
        existing.full_clean(validate_unique=False, validate_constraints=False)
        existing.save()
    return existing, (UPDATED if changed else UNCHANGED), changed


def create(model: type[Model], values: dict[str, Any], *, states: dict[str, str] | None = None):
    """Create one record after the model's own field checks. ``states`` are django-fsm
    protected fields: the constructor is the one place that may set them, and the field checks
    skip them (they would assign them again)."""
    states = states or {}
    obj = model(**values, **states)
    obj.full_clean(exclude=list(states), validate_unique=False, validate_constraints=False)
    obj._change_reason = "Seed import"  # read by django-simple-history where a model keeps one
    obj.save()
    return obj


def sync_authorities(obj: Model, names: Iterable[str], by_name: dict[str, Authority]) -> bool:
    wanted = {by_name[name].pk for name in names}
    current = set(obj.authorities.values_list("pk", flat=True))
    if wanted == current:
        return False
    obj.authorities.set(wanted)
    return True


def source_list(sources: Iterable[Source]) -> list[dict[str, str]]:
    return [source.as_json() for source in sources]


@contextmanager
def guard(origin: Origin) -> Iterator[None]:
    """Turn a refusal by a model check, a workflow step or the database into a SeedError naming
    the record."""
    try:
        yield
    except ValidationError as exc:
        raise SeedError(origin.file, origin.record, "; ".join(exc.messages)) from exc
    except WorkflowError as exc:
        raise SeedError(origin.file, origin.record, exc.message) from exc
    except DatabaseError as exc:
        raise SeedError(origin.file, origin.record, f"refused by the database: {exc}") from exc
