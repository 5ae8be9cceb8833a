"""Numbered releases of the published registry and the record snapshots they hold.

A ``Release`` is an immutable, numbered state of the registry (``2026.1``, ``2026.2``, …).
Each ``ReleaseRecord`` is one record (a batch, an occupation or a skill standard) that the
release added, changed or removed, with the record as the API showed it then (``data``) and,
for a change, the fields that changed with their old and new values. A record's state in
release N is its latest row in a release up to N, so a record that did not change is stored
once, not once per release. Rows are written only by ``occupations.workflow.issue_release``.

Imported by ``occupations.models``, so that these are models of the registry app.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

VERSION_PATTERN = r"\A[0-9]{4}\.[1-9][0-9]*\Z"


class ReleaseQuerySet(models.QuerySet):
    def latest_first(self) -> ReleaseQuerySet:
        return self.order_by("-sequence")


class Release(models.Model):
    """A numbered state of the published registry, issued by a publisher with a note."""

    sequence = models.PositiveIntegerField(
        _("sequence"), unique=True, editable=False, help_text=_("1 for the first release.")
    )
    version = models.CharField(_("version"), max_length=12, unique=True, editable=False)
    # The moment the release was recorded in this registry; for a release of the seed history,
    # the moment it was loaded, not the history's date (``dated_on``).
    issued_at = models.DateTimeField(_("issued at"), editable=False)
    history = models.BooleanField(
        _("release of the seed history"),
        default=False,
        editable=False,
        help_text=_(
            "Issued by the seed import for a part of the history: versioned by the history's "
            "year and dated at the history's date."
        ),
    )
    dated_on = models.DateField(
        _("date in the history"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "For a release of the seed history: the date of what it records, at its "
            "precision; blank when the sources give none."
        ),
    )
    dated_precision = models.CharField(
        _("precision of the date in the history"),
        max_length=5,
        null=True,
        blank=True,
        editable=False,
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
        help_text=_("Blank for releases the seed import issued."),
    )
    note = models.TextField(_("note"))
    added_count = models.PositiveIntegerField(_("records added"), default=0)
    changed_count = models.PositiveIntegerField(_("records changed"), default=0)
    removed_count = models.PositiveIntegerField(_("records removed"), default=0)
    # Filled by the worker once the files are built: name, size and SHA-256 of each.
    downloads = models.JSONField(_("downloads"), default=list, blank=True, editable=False)
    downloads_built_at = models.DateTimeField(_("downloads built"), null=True, blank=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        permissions = [("issue_release", _("Can issue a release of the registry"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(version__regex=VERSION_PATTERN), name="release_version_format"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="release_sequence_positive"),
            models.CheckConstraint(
                condition=Q(history=True) | Q(dated_on__isnull=True),
                name="release_dated_only_in_history",
            ),
            models.CheckConstraint(
                condition=Q(dated_on__isnull=True, dated_precision__isnull=True)
                | Q(dated_on__isnull=False, dated_precision__in=["day", "month", "year"]),
                name="release_dated_with_precision",
            ),
        ]

    def __str__(self) -> str:
        return self.version

    def get_absolute_url(self) -> str:
        return reverse("data") + f"#release-{self.version}"

    @property
    def recorded_at(self) -> dt.datetime:
        """When the release was recorded here (for the seed history: loaded)."""
        return self.issued_at

    @property
    def citation_date(self) -> str | None:
        """The one date a citation of the release gives, in the ISO form of its precision: the
        history's date for a release of the seed history (None where the sources give none),
        else the local day it was issued."""
        from occupations.models.registry import iso_date

        if self.history:
            return iso_date(self.dated_on, self.dated_precision)
        return timezone.localtime(self.issued_at).date().isoformat()

    @property
    def citation(self) -> str:
        """How to cite the release: its version and one date, never two."""
        date = self.citation_date
        if date is None:
            return f"Occupation registry, release {self.version} (date not stated in the sources)."
        return f"Occupation registry, release {self.version} ({date})."

    @property
    def change_count(self) -> int:
        return self.added_count + self.changed_count + self.removed_count

    @property
    def previous_version(self) -> str | None:
        previous = Release.objects.filter(sequence__lt=self.sequence).latest_first().first()
        return previous.version if previous is not None else None

    def record_downloads(self, files: list[dict], *, now: dt.datetime) -> None:
        """Record the files the worker built (name, size and SHA-256 of each)."""
        self.downloads = files
        self.downloads_built_at = now
        self.save(update_fields=["downloads", "downloads_built_at"])


class RecordType(models.TextChoices):
    BATCH = "batch", _("batch")
    OCCUPATION = "occupation", _("occupation")
    STANDARD = "standard", _("skill standard")


class ReleaseRecordQuerySet(models.QuerySet):
    def in_release(self, release: Release) -> ReleaseRecordQuerySet:
        """The state of every record in ``release``: each record's latest row up to it,
        removed records left out."""
        return (
            self.filter(release__sequence__lte=release.sequence)
            .filter(Q(superseded_by__isnull=True) | Q(superseded_by__sequence__gt=release.sequence))
            .exclude(action=ReleaseRecord.Action.REMOVED)
        )

    def current(self) -> ReleaseRecordQuerySet:
        """Each record's latest row, removed ones included."""
        return self.filter(superseded_by__isnull=True)

    def changed_after(
        self, release: Release, until: Release | None = None
    ) -> ReleaseRecordQuerySet:
        """Rows of the releases after ``release`` (up to ``until``, if given)."""
        rows = self.filter(release__sequence__gt=release.sequence)
        if until is not None:
            rows = rows.filter(release__sequence__lte=until.sequence)
        return rows


class ReleaseRecord(models.Model):
    """One record added, changed or removed by one release, as the API showed it then."""

    class Action(models.TextChoices):
        ADDED = "added", _("added")
        CHANGED = "changed", _("changed")
        REMOVED = "removed", _("removed")

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="records")
    record_type = models.CharField(_("record type"), max_length=10, choices=RecordType.choices)
    record_id = models.PositiveBigIntegerField(_("record id"))
    # The record's key in the API: the id, or a batch's slug.
    key = models.CharField(_("key"), max_length=80)
    action = models.CharField(_("action"), max_length=7, choices=Action.choices)
    # The record as the API showed it in this release (for a removed record: as it was last).
    data = models.JSONField(_("record"))
    # For a change: {field: {"old": …, "new": …}} of the top-level fields that changed.
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)
    # The release whose row replaced this one; null while this is the record's latest row.
    superseded_by = models.ForeignKey(
        Release, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ReleaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["release_id", "record_type", "record_id"]
        verbose_name = _("release record")
        verbose_name_plural = _("release records")
        constraints = [
            models.UniqueConstraint(
                fields=["release", "record_type", "record_id"], name="release_record_unique"
            ),
            # A record has one latest row: the state every new release compares with.
            models.UniqueConstraint(
                fields=["record_type", "record_id"],
                condition=Q(superseded_by__isnull=True),
                name="release_record_one_latest",
            ),
            models.CheckConstraint(
                condition=Q(action__in=["added", "changed", "removed"]),
                name="release_record_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(record_type__in=["batch", "occupation", "standard"]),
                name="release_record_type_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="release_record_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.release} {self.action} {self.record_type} {self.key}"
