"""The official registry: classification groups, issuing authorities, published batches of new
occupations, published occupations and national skill standards.

Records here are only created by publication
(``consult.workflow.consultations.publish_consultation``), by the historic seed import, or by
``occupations.workflow`` (skill standards). Nothing in this app imports the consultation app."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.text import control_character_errors
from occupations.models.changes import Lineage
from occupations.models.labels import (
    LANGUAGE_VALUES,
    Labelled,
    Language,
    labelled_field,
    language_field,
    preferred_language,
)
from occupations.provenance import provenance_field

# The 2022 edition writes occupation codes as major-medium-minor-occupation: 2-02-10-07.
# Anchored with \A and \Z, not ^ and $: Python's $ also matches before a final newline, and
# SQLite's REGEXP (and RegexValidator) is Python's re.search, so "2-02-10-07\n" would pass
# there while PostgreSQL refuses it. PostgreSQL reads \A and \Z the same way.
OCCUPATION_CODE_PATTERN = r"\A[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}\Z"
OCCUPATION_CODE_RE = re.compile(OCCUPATION_CODE_PATTERN)
validate_occupation_code = RegexValidator(
    OCCUPATION_CODE_PATTERN,
    _("An occupation code has the form D-DD-DD-DD, for example 2-02-10-07."),
    code="invalid_code",
)
GROUP_CODE_PATTERN = r"\A[1-8](-[0-9]{2}){0,2}\Z"


def _chinese_page() -> bool:
    return (get_language() or "").startswith("zh")


class DatePrecision(models.TextChoices):
    """How much of a date the source states: "April 2019" is stored as 2019-04-01, month."""

    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


def format_date(value: dt.date | None, precision: str) -> str:
    """A date shown no more precisely than its source: "April 2019", never "1 April 2019"."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return formats.date_format(value, "Y")
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def iso_date(value: dt.date | None, precision: str | None) -> str | None:
    """A date in the ISO 8601 form of its precision, for every machine-readable output:
    "2019-04" for April 2019, "2024" for 2024, "2020-07-06" for a day; None when unknown."""
    if value is None or not precision:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def precision_is_consistent(value: dt.date | None, precision: str) -> bool:
    """A month-precise date is stored on day 1; a year-precise one on 1 January."""
    if value is None:
        return True
    if precision == DatePrecision.MONTH:
        return value.day == 1
    if precision == DatePrecision.YEAR:
        return value.day == 1 and value.month == 1
    return True


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class ClassificationGroup(models.Model):
    class Level(models.TextChoices):
        MAJOR = "major", _("major group")
        MEDIUM = "medium", _("medium group")
        MINOR = "minor", _("minor group")

    code = models.CharField(_("code"), max_length=8, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=6, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
    # The API shows a group inside every occupation: its validators need to see it change.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("classification group")
        verbose_name_plural = _("classification groups")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["major", "medium", "minor"]), name="group_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(code__regex=GROUP_CODE_PATTERN), name="group_code_format"
            ),
            models.CheckConstraint(
                condition=Q(level="major", parent__isnull=True)
                | (~Q(level="major") & Q(parent__isnull=False)),
                name="group_parent_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.local_title}"

    @property
    def local_title(self) -> str:
        """The title in the language of the page: the edition's Chinese title, or in English
        its descriptive translation where there is one (never both, one glossing the other)."""
        if self.title_en and not _chinese_page():
            return self.title_en
        return self.title

    @property
    def localized_title(self) -> str:
        """The title in the active language: the English one where there is one."""
        if preferred_language() == Language.EN and self.title_en:
            return self.title_en
        return self.title

    @property
    def localized_title_language(self) -> str:
        return Language.EN if self.localized_title == self.title_en else Language.ZH_HANS


class Authority(models.Model):
    """A body that issues a batch or a standard."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=20, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
    # The API shows authorities inside batches and standards: validators need to see a rename.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the language of the page: the Chinese name on Chinese pages where there
        is one, otherwise the English name."""
        return self.name_zh if self.name_zh and _chinese_page() else self.name

    @property
    def localized_name(self) -> str:
        """The name in the active language: the Chinese one where there is one."""
        if preferred_language() == Language.ZH_HANS and self.name_zh:
            return self.name_zh
        return self.name


class BatchQuerySet(models.QuerySet):
    def with_occupation_count(self) -> BatchQuerySet:
        return self.annotate(occupation_total=models.Count("occupations", distinct=True))

    def latest_first(self) -> BatchQuerySet:
        return self.order_by("-announced_on", "-number", "-pk")


class Batch(Labelled, TimeStamped):
    """A published list of new occupations, as announced."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    number = models.PositiveSmallIntegerField(
        _("ordinal number"), null=True, blank=True, help_text=_("First batch = 1; blank if none.")
    )
    title = models.CharField(_("title"), max_length=300)
    language = language_field()
    translated_title = models.CharField(
        _("title in the other language"), max_length=300, blank=True
    )
    announced_on = models.DateField(_("announced on"))
    announced_precision = models.CharField(
        _("precision of the announcement date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    announced_count = models.PositiveIntegerField(
        _("announced number of occupations"),
        null=True,
        blank=True,
        help_text=_("How many occupations the announcement said; may exceed those it named."),
    )
    authorities = models.ManyToManyField(Authority, related_name="batches", blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
    notes = models.TextField(_("notes"), blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["announced_on", "number", "pk"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=Q(number__isnull=False), name="batch_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(announced_precision__in=["day", "month", "year"]),
                name="batch_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(language__in=LANGUAGE_VALUES), name="batch_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("batch-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if not precision_is_consistent(self.announced_on, self.announced_precision):
            raise ValidationError(
                {
                    "announced_on": _(
                        "A date known only to the month or year is stored on its first day."
                    )
                }
            )

    localized_title, localized_title_language = labelled_field("title")

    @property
    def announced_display(self) -> str:
        return format_date(self.announced_on, self.announced_precision)


# Longest search a page or the API accepts: every word is one more condition in the query.
SEARCH_MAX_LENGTH = 200


class OccupationQuerySet(models.QuerySet):
    def published(self) -> OccupationQuerySet:
        """Every registry occupation is published; this names the intent at call sites."""
        return self.all()

    def with_related(self) -> OccupationQuerySet:
        return self.select_related("batch", "group", "retired_in").prefetch_related(
            models.Prefetch("job_type_records", queryset=JobType.objects.select_related("batch")),
            models.Prefetch(
                "lineage_in", queryset=Lineage.objects.select_related("from_job_type", "batch")
            ),
            models.Prefetch("lineage_out", queryset=Lineage.objects.select_related("batch")),
        )

    def with_standards(self, *fields: str) -> OccupationQuerySet:
        """Give each occupation ``standard_list``, its standards in id order; ``fields`` (if
        any) are the only columns read besides the id and the occupation.

        A list attribute rather than the ``standards`` manager's cache: filling the cache
        builds a filtered queryset per occupation, which took longer than the query."""
        standards = SkillStandard.objects.order_by("pk")
        if fields:
            standards = standards.only("pk", "occupation", *fields)
        return self.prefetch_related(
            models.Prefetch("standards", queryset=standards, to_attr="standard_list")
        )

    def search(self, query: str) -> OccupationQuerySet:
        """Occupations whose name, other names, definition, tasks or job types contain every
        word of ``query`` (Chinese substrings and English words alike, case-insensitive).

        Callers limit ``query`` to SEARCH_MAX_LENGTH characters; a repeated word counts once.
        """
        qs = self
        for term in dict.fromkeys(normalise_search_text(query).split()):
            qs = qs.filter(search_text__contains=term)
        return qs


def normalise_search_text(text: str) -> str:
    return " ".join(text.casefold().split())


class OccupationText(Labelled, models.Model):
    """The text of an occupation as the classification writes it, shared by a draft in a
    consultation and by the published record it becomes."""

    name = models.CharField(_("name"), max_length=200)
    alternative_names = models.JSONField(_("alternative names"), default=list, blank=True)
    language = language_field()
    translated_name = models.CharField(_("name in the other language"), max_length=200, blank=True)
    translated_alternative_names = models.JSONField(
        _("alternative names in the other language"), default=list, blank=True
    )
    definition = models.TextField(_("definition"), blank=True)
    tasks = models.JSONField(_("main tasks"), default=list, blank=True)
    # Job types: a draft keeps them as a list of names (``DraftOccupation.job_types``); a
    # published occupation has records (``JobType``).
    # Unknown (null) unless a source marks the occupation (true) or excludes it (false).
    green = models.BooleanField(_("green occupation (L)"), null=True, blank=True, default=None)
    digital = models.BooleanField(_("digital occupation (S)"), null=True, blank=True, default=None)

    # The text typed by staff or imported: one line each, several lines for the definition,
    # and lists of one-line items. None of it may hold control characters (core.text).
    TEXT_FIELDS = (
        "name",
        "translated_name",
        "definition",
        "alternative_names",
        "translated_alternative_names",
        "tasks",
    )

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """The fields' own checks, and no control characters in the text (an error naming
        the field, so that the admin forms and the spreadsheet import show it on it)."""
        skipped = set(exclude or ())
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        problems = control_character_errors(
            {name: getattr(self, name) for name in self.TEXT_FIELDS if name not in skipped},
            {name: str(self._meta.get_field(name).verbose_name) for name in self.TEXT_FIELDS},
            multiline={"definition"},
        )
        for name, problem in problems.items():
            errors.setdefault(name, []).append(problem)
        if errors:
            raise ValidationError(errors)

    localized_name, localized_name_language = labelled_field("name")
    localized_alternative_names, localized_alternative_names_language = labelled_field(
        "alternative_names"
    )

    @property
    def other_name(self) -> str:
        """The name in the language not shown, if it is held in both."""
        shown = self.localized_name_language
        other = self.name if shown != self.language else self.translated_name
        return other if other != self.localized_name else ""

    @property
    def other_name_language(self) -> str:
        return (
            self._other_language()
            if self.localized_name_language == self.language
            else self.language
        )


class Occupation(OccupationText, TimeStamped):
    """A published occupation of the registry."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="occupations")
    position = models.PositiveSmallIntegerField(_("position in batch"))
    code = models.CharField(
        _("code"),
        max_length=11,
        blank=True,
        validators=[validate_occupation_code],
        help_text=_("D-DD-DD-DD; blank only for historic records whose source gives none."),
    )
    group = models.ForeignKey(
        ClassificationGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="occupations",
        verbose_name=_("major group"),
    )
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
    notes = models.TextField(_("notes"), blank=True)
    # Lower-cased text of every searchable field, kept by save() and build_search_text().
    search_text = models.TextField(editable=False, default="")
    # 1 at first publication, one more for each published change (``OccupationVersion``).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    retired_in = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retired_occupations",
        verbose_name=_("retired in batch"),
        editable=False,
    )

    objects = OccupationQuerySet.as_manager()

    class Meta:
        ordering = ["batch__announced_on", "batch_id", "position"]
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "position"], name="occupation_position_unique_in_batch"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="occupation_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(code="") | Q(code__regex=OCCUPATION_CODE_PATTERN),
                name="occupation_code_format",
            ),
            models.CheckConstraint(
                condition=Q(language__in=LANGUAGE_VALUES), name="occupation_language_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="occupation_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)
        pending = self.__dict__.pop("_pending_job_types", None)
        if pending is not None:
            self.replace_job_types(pending)

    def get_absolute_url(self) -> str:
        return reverse("occupation-detail", kwargs={"pk": self.pk})

    @property
    def retired(self) -> bool:
        """Retired by a published change: still resolvable, marked so, with its successors."""
        return self.retired_in_id is not None

    @property
    def replaces(self) -> models.QuerySet:
        """The lineage rows of the records this occupation comes from (a job type upgraded to
        it, occupations merged or split into it)."""
        return self.lineage_in.select_related("from_occupation", "from_job_type", "batch")

    @property
    def replaced_by(self) -> models.QuerySet:
        """The lineage rows of the occupations that took this one's place."""
        return self.lineage_out.select_related("to_occupation", "batch")

    @property
    def job_types(self) -> list[str]:
        """The names of the occupation's job types, in order: what the API's ``job_types``
        has always listed. Set it (e.g. when a draft is published) to replace the job types
        with plain names when the occupation is saved."""
        if "_pending_job_types" in self.__dict__:
            return list(self.__dict__["_pending_job_types"])
        if self.pk is None:
            return []
        return [job_type.name for job_type in self.job_type_records.all()]

    @job_types.setter
    def job_types(self, names) -> None:
        self.__dict__["_pending_job_types"] = list(names or [])

    def replace_job_types(self, names: list[str], *, batch_id: int | None = None) -> None:
        """Make the occupation's job types exactly ``names``, in that order: a record whose
        name stays is kept with its sources, other names and provenance (only its position
        follows the list); a new name becomes a record of ``batch_id`` (default: the
        occupation's batch); a name left out is deleted. Nothing changes when they already
        are ``names``."""
        if self.job_types == names:
            return
        kept = {record.name: record for record in self.job_type_records.all()}
        self.job_type_records.exclude(name__in=names).delete()
        # Move the kept records out of the way of the positions they are about to take.
        self.job_type_records.filter(name__in=names).update(position=F("position") + 10_000)
        for position, name in enumerate(names, start=1):
            if name in kept:
                JobType.objects.filter(pk=kept[name].pk).update(position=position)
            else:
                JobType.objects.create(
                    occupation=self,
                    batch_id=batch_id or self.batch_id,
                    position=position,
                    name=name,
                    language=self.language,
                )
        self.job_types_changed()

    def job_types_changed(self) -> None:
        """After the occupation's job type records changed: its search text takes them in,
        and its ``updated_at`` moves, so that the API's validators see the change."""
        if hasattr(self, "_prefetched_objects_cache"):
            self._prefetched_objects_cache.pop("job_type_records", None)
        self.search_text = self.build_search_text()
        self.updated_at = timezone.now()
        Occupation.objects.filter(pk=self.pk).update(
            search_text=self.search_text, updated_at=self.updated_at
        )

    def build_search_text(self) -> str:
        parts = [
            self.name,
            *self.alternative_names,
            self.translated_name,
            *self.translated_alternative_names,
            self.definition,
            *self.tasks,
            *self.job_types,
            *(
                other
                for job_type in (self.job_type_records.all() if self.pk else [])
                for other in job_type.other_names
            ),
        ]
        return normalise_search_text("\n".join(str(p) for p in parts if p))


class JobTypeNames(models.Func):
    """The names of an occupation's job types as a JSON list, in order, read in SQL: for
    ``values()`` reads such as the staff export. Written per database because Django has no
    portable ordered JSON aggregate (PostgreSQL orders inside jsonb_agg; SQLite aggregates an
    ordered subquery)."""

    output_field = models.JSONField()

    def __init__(self, occupation: str = "pk") -> None:
        super().__init__(models.F(occupation))

    def as_postgresql(self, compiler, connection, **extra):
        table = connection.ops.quote_name(JobType._meta.db_table)
        return self.as_sql(
            compiler,
            connection,
            template=(
                f"COALESCE((SELECT jsonb_agg(name ORDER BY position) FROM {table} "
                "WHERE occupation_id = %(expressions)s), '[]'::jsonb)"
            ),
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        table = connection.ops.quote_name(JobType._meta.db_table)
        return self.as_sql(
            compiler,
            connection,
            template=(
                "COALESCE((SELECT json_group_array(name) FROM (SELECT name FROM "
                f"{table} WHERE occupation_id = %(expressions)s ORDER BY position)), '[]')"
            ),
            **extra,
        )


class JobType(TimeStamped):
    """A type of work under an occupation (工种), as a source names it: its name, other
    names, the batch that announced it, and where it comes from.

    Most belong to an occupation of the registry. A job type whose occupation the sources do
    not name, or name but the registry does not hold (the former "public health assistant"),
    has no occupation: the batch that announced it, and ``occupation_name`` as the source
    gives it, if any."""

    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="job_type_records",
        verbose_name=_("occupation"),
    )
    batch = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job_types",
        verbose_name=_("announced in batch"),
        help_text=_("The batch that announced the job type, if known."),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=200)
    language = language_field()
    other_names = models.JSONField(_("other names"), default=list, blank=True)
    occupation_name = models.CharField(
        _("occupation as the source names it"),
        max_length=200,
        blank=True,
        help_text=_("Only for a job type whose occupation the registry does not hold."),
    )
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["occupation_id", "batch_id", "position"]
        verbose_name = _("job type")
        verbose_name_plural = _("job types")
        constraints = [
            models.UniqueConstraint(
                fields=["occupation", "position"],
                condition=Q(occupation__isnull=False),
                name="job_type_position_in_occupation",
            ),
            models.UniqueConstraint(
                fields=["batch", "position"],
                condition=Q(occupation__isnull=True),
                name="job_type_position_in_batch",
            ),
            models.CheckConstraint(
                condition=Q(occupation__isnull=False) | Q(batch__isnull=False),
                name="job_type_belongs_somewhere",
            ),
            models.CheckConstraint(
                condition=Q(occupation__isnull=True) | Q(occupation_name=""),
                name="job_type_occupation_named_once",
            ),
            models.CheckConstraint(
                condition=Q(language__in=LANGUAGE_VALUES), name="job_type_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SkillStandard(Labelled, TimeStamped):
    """A national occupational skill standard attached to one published occupation.

    Create it with ``occupations.workflow.attach_skill_standard``, which also creates the level
    set the kind requires.
    """

    class Kind(models.TextChoices):
        TECHNICAL = "technical", _("professional technicians (three levels)")
        SKILL = "skill", _("skilled workers (five levels)")

    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="standards")
    title = models.CharField(_("title"), max_length=300)
    language = language_field()
    translated_title = models.CharField(
        _("title in the other language"), max_length=300, blank=True
    )
    kind = models.CharField(_("kind"), max_length=9, choices=Kind.choices)
    edition = models.CharField(_("edition"), max_length=50, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_precision = models.CharField(
        _("precision of the issue date"),
        max_length=5,
        choices=DatePrecision.choices,
        null=True,
        blank=True,
        help_text=_("Blank exactly when the issue date is not known."),
    )
    authorities = models.ManyToManyField(Authority, related_name="standards", blank=True)
    directions = models.JSONField(_("occupational directions"), default=list, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    provenance = provenance_field()
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["occupation_id", "pk"]
        verbose_name = _("skill standard")
        verbose_name_plural = _("skill standards")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["technical", "skill"]), name="standard_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True, issued_precision__isnull=True)
                | Q(issued_on__isnull=False, issued_precision__in=["day", "month", "year"]),
                name="standard_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(language__in=LANGUAGE_VALUES), name="standard_language_valid"
            ),
            models.UniqueConstraint(
                fields=["occupation", "title"], name="standard_title_unique_per_occupation"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    localized_title, localized_title_language = labelled_field("title")

    @property
    def issued_display(self) -> str:
        return format_date(self.issued_on, self.issued_precision)


class LevelKey(models.TextChoices):
    PRIMARY = "primary", _("primary")
    INTERMEDIATE = "intermediate", _("intermediate")
    ADVANCED = "advanced", _("advanced")
    LEVEL5 = "level5", _("level 5 (junior worker)")
    LEVEL4 = "level4", _("level 4 (intermediate worker)")
    LEVEL3 = "level3", _("level 3 (senior worker)")
    LEVEL2 = "level2", _("level 2 (technician)")
    LEVEL1 = "level1", _("level 1 (senior technician)")


# The level set each kind of standard must have, lowest rank first.
LEVELS_BY_KIND: dict[str, tuple[str, ...]] = {
    SkillStandard.Kind.TECHNICAL: ("primary", "intermediate", "advanced"),
    SkillStandard.Kind.SKILL: ("level5", "level4", "level3", "level2", "level1"),
}


def _level_key_matches_rank_and_kind() -> Q:
    condition = Q()
    for kind, keys in LEVELS_BY_KIND.items():
        for rank, key in enumerate(keys, start=1):
            condition |= Q(kind=kind, key=key, rank=rank)
    return condition


class StandardLevel(models.Model):
    """One level of a standard. ``kind`` repeats the standard's kind so that the database can
    refuse a key or rank that does not belong to it."""

    standard = models.ForeignKey(SkillStandard, on_delete=models.CASCADE, related_name="levels")
    kind = models.CharField(max_length=9, choices=SkillStandard.Kind.choices, editable=False)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("1 is the lowest level."))
    key = models.CharField(_("level"), max_length=12, choices=LevelKey.choices)

    class Meta:
        ordering = ["standard_id", "rank"]
        verbose_name = _("standard level")
        verbose_name_plural = _("standard levels")
        constraints = [
            models.UniqueConstraint(fields=["standard", "rank"], name="level_rank_unique"),
            models.UniqueConstraint(fields=["standard", "key"], name="level_key_unique"),
            models.CheckConstraint(
                condition=_level_key_matches_rank_and_kind(), name="level_matches_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard} — {self.name}"

    @property
    def name(self) -> str:
        return str(LevelKey(self.key).label)


class LevelRequirement(models.Model):
    """One row of a level's requirements table."""

    level = models.ForeignKey(StandardLevel, on_delete=models.CASCADE, related_name="requirements")
    position = models.PositiveSmallIntegerField(_("position"))
    work_area = models.CharField(_("work area"), max_length=200)
    work_content = models.CharField(_("work content"), max_length=200, blank=True)
    skill_requirements = models.TextField(_("skill requirements"), blank=True)
    knowledge_requirements = models.TextField(_("knowledge requirements"), blank=True)

    class Meta:
        ordering = ["level_id", "position"]
        verbose_name = _("level requirement")
        verbose_name_plural = _("level requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "position"], name="requirement_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.work_area


class LevelWeight(models.Model):
    """One row of a level's weight table; the rows of a level and category sum to 100."""

    class Category(models.TextChoices):
        KNOWLEDGE = "knowledge", _("theoretical knowledge")
        SKILL = "skill", _("skills")

    level = models.ForeignKey(StandardLevel, on_delete=models.CASCADE, related_name="weights")
    category = models.CharField(_("table"), max_length=9, choices=Category.choices)
    item = models.CharField(_("item"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight (%)"), validators=[MaxValueValidator(100)])

    class Meta:
        ordering = ["level_id", "category", "pk"]
        verbose_name = _("level weight")
        verbose_name_plural = _("level weights")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0, weight__lte=100), name="weight_between_0_and_100"
            ),
            models.CheckConstraint(
                condition=Q(category__in=["knowledge", "skill"]), name="weight_category_valid"
            ),
            models.UniqueConstraint(
                fields=["level", "category", "item"], name="weight_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.weight}%"
