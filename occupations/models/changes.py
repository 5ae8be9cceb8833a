"""How the registry changes over time: the numbered versions of a published occupation
(``OccupationVersion``) and the lineage between records (``Lineage``: a job type upgraded to an
occupation, an occupation merged into or split into others, one that replaces another).

Rows are written by publication (``consult.workflow.publication``), by the seed import and
by the migration that gave every occupation published before versions its version 1.
Imported by ``occupations.models``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The fields of an occupation that a version records (and a revision may change): the
# published text, its labels in the other language, the markers, the group and the code.
VERSIONED_FIELDS = (
    "code",
    "name",
    "alternative_names",
    "language",
    "translated_name",
    "translated_alternative_names",
    "definition",
    "tasks",
    "job_types",
    "green",
    "digital",
    "group",
)


def occupation_text(occupation) -> dict[str, Any]:
    """The occupation's versioned fields as plain JSON (the group by its code)."""
    text = {name: getattr(occupation, name) for name in VERSIONED_FIELDS if name != "group"}
    text["group"] = occupation.group.code if occupation.group_id else None
    return text


def text_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": …, "new": …}}`` for each versioned field that differs."""
    return {
        name: {"old": old.get(name), "new": new.get(name)}
        for name in VERSIONED_FIELDS
        if old.get(name) != new.get(name)
    }


class OccupationVersionQuerySet(models.QuerySet):
    def first_of(self, occupation) -> OccupationVersion:
        """Record ``occupation``'s version 1, published by its batch: its whole text, from
        nothing. Idempotent: an existing version 1 is returned as it is."""
        text = occupation_text(occupation)
        version, _created = self.get_or_create(
            occupation=occupation,
            number=1,
            defaults={
                "batch_id": occupation.batch_id,
                "changes": {name: {"old": None, "new": value} for name, value in text.items()},
                "text": text,
            },
        )
        return version

    def next_of(
        self, occupation, *, batch, before: dict[str, Any], retired: bool = False
    ) -> OccupationVersion:
        """Record the version ``batch`` made of ``occupation`` (already saved with its new
        text and its new ``version`` number), from its text ``before``."""
        text = occupation_text(occupation)
        return self.create(
            occupation=occupation,
            number=occupation.version,
            batch=batch,
            changes=text_changes(before, text),
            text=text,
            retired=retired,
        )


class OccupationVersion(models.Model):
    """One numbered version of a published occupation: the batch that published it, what
    changed from the version before (old → new) and the whole text as it then was.

    The consultation that consulted it is the batch's (``consultation``)."""

    occupation = models.ForeignKey(
        "occupations.Occupation",
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("occupation"),
    )
    number = models.PositiveIntegerField(_("version"))
    batch = models.ForeignKey(
        "occupations.Batch",
        on_delete=models.PROTECT,
        related_name="occupation_versions",
        verbose_name=_("batch"),
    )
    # For version 1 the whole text, from nothing; then only the fields that changed.
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)
    text = models.JSONField(_("text"), default=dict)
    # Whether this version retired the occupation.
    retired = models.BooleanField(_("retired"), default=False)

    objects = OccupationVersionQuerySet.as_manager()

    class Meta:
        ordering = ["occupation_id", "number"]
        verbose_name = _("occupation version")
        verbose_name_plural = _("occupation versions")
        constraints = [
            models.UniqueConstraint(
                fields=["occupation", "number"], name="occupation_version_unique"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="occupation_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.occupation_id} v{self.number}"

    @property
    def changed_labels(self) -> list[str]:
        """The names of the fields this version changed, in the reader's language."""
        from django.apps import apps

        occupation = apps.get_model("occupations", "Occupation")._meta
        labels = []
        for name in self.changes:
            if name == "job_types":
                labels.append(
                    str(apps.get_model("occupations", "JobType")._meta.verbose_name_plural)
                )
            else:
                labels.append(str(occupation.get_field(name).verbose_name))
        return labels

    @property
    def consultation(self):
        """The consultation the batch came from, if it came from one (the consultation app
        links its consultation to the batch it became)."""
        return getattr(self.batch, "consultation", None)


class LineageQuerySet(models.QuerySet):
    def replacing(self, occupation) -> LineageQuerySet:
        """What ``occupation`` replaces: the records it comes from."""
        return self.filter(to_occupation=occupation)

    def replaced_by(self, occupation) -> LineageQuerySet:
        """What replaces ``occupation``: the occupations it went into."""
        return self.filter(from_occupation=occupation)


class Lineage(models.Model):
    """A record that another comes from: a job type upgraded to an occupation, an occupation
    merged into or split into others, or one that replaces another. Read both ways:
    ``Occupation.replaces`` and ``Occupation.replaced_by``."""

    class Kind(models.TextChoices):
        UPGRADED = "upgraded", _("upgraded to")
        MERGED_INTO = "merged_into", _("merged into")
        SPLIT_INTO = "split_into", _("split into")
        REPLACES = "replaces", _("replaced by")

    from_occupation = models.ForeignKey(
        "occupations.Occupation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lineage_out",
        verbose_name=_("from occupation"),
    )
    from_job_type = models.ForeignKey(
        "occupations.JobType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lineage_out",
        verbose_name=_("from job type"),
    )
    to_occupation = models.ForeignKey(
        "occupations.Occupation",
        on_delete=models.CASCADE,
        related_name="lineage_in",
        verbose_name=_("to occupation"),
    )
    kind = models.CharField(_("kind"), max_length=11, choices=Kind.choices)
    batch = models.ForeignKey(
        "occupations.Batch",
        on_delete=models.PROTECT,
        related_name="lineage",
        verbose_name=_("batch"),
    )

    objects = LineageQuerySet.as_manager()

    class Meta:
        ordering = ["batch_id", "pk"]
        verbose_name = _("lineage")
        verbose_name_plural = _("lineage")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["upgraded", "merged_into", "split_into", "replaces"]),
                name="lineage_kind_valid",
            ),
            # A job type is upgraded; an occupation is merged, split or replaced.
            models.CheckConstraint(
                condition=Q(kind="upgraded", from_job_type__isnull=False, from_occupation=None)
                | (
                    ~Q(kind="upgraded")
                    & Q(from_occupation__isnull=False, from_job_type__isnull=True)
                ),
                name="lineage_from_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(from_occupation=models.F("to_occupation")),
                name="lineage_not_to_itself",
            ),
            models.UniqueConstraint(
                fields=["from_occupation", "to_occupation"],
                condition=Q(from_occupation__isnull=False),
                name="lineage_occupation_once",
            ),
            models.UniqueConstraint(
                fields=["from_job_type"],
                condition=Q(from_job_type__isnull=False),
                name="lineage_job_type_upgraded_once",
            ),
        ]

    def __str__(self) -> str:
        source = self.from_occupation_id or f"job type {self.from_job_type_id}"
        return f"{source} {self.kind} {self.to_occupation_id}"
