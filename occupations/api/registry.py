"""Read-only REST API of the registry: published batches, occupations and skill
standards, with their filters. Routed in ``occupations.api.routes``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_view
from rest_framework import serializers

from core.api.conditional import whole_table
from core.api.filters import (
    StableOrderingFilter,
    StrictBooleanFilter,
    UpdatedSinceFilter,
    YearFilter,
)
from core.api.relations import AbsoluteUrlField
from core.api.renderers import flat_columns
from core.api.schema import ID_PARAMETER, detail_schema, list_schema
from core.api.viewsets import ID_REGEX, SLUG_REGEX, ReadOnlyApiViewSet
from occupations.api.pinned_reads import (
    RELEASE_PARAMETER,
    SINCE_RELEASE_PARAMETER,
    RecordUrls,
    ReleaseReadsMixin,
)
from occupations.models import (
    SEARCH_MAX_LENGTH,
    Authority,
    Batch,
    ClassificationGroup,
    JobType,
    Occupation,
    RecordType,
    Release,
    ReleaseRecord,
    SkillStandard,
    StandardLevel,
)

# Read parameters every registry list and detail takes.
LIST_RELEASE_PARAMETERS = [RELEASE_PARAMETER, SINCE_RELEASE_PARAMETER]
DETAIL_RELEASE_PARAMETERS = [RELEASE_PARAMETER]

# A full occupation code or any leading part of one: "2", "2-02", "2-02-10", "2-02-10-07".
CODE_PREFIX_PATTERN = r"^[1-8](-[0-9]{2}){0,3}$"


class StringListField(serializers.ListField):
    child = serializers.CharField()


# Filters -----------------------------------------------------------------------------------


class ReferenceChoiceField(forms.ModelChoiceField):
    """A record named by its slug, code or id; a value that cannot name one (a NUL, say) is an
    invalid choice before it reaches the database."""

    def to_python(self, value: Any):
        if isinstance(value, str) and "\x00" in value:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ReferenceFilter(filters.ModelChoiceFilter):
    field_class = ReferenceChoiceField


class BatchFilter(filters.FilterSet):
    year = YearFilter(field_name="announced_on", label=_("Year of announcement"))
    updated_since = UpdatedSinceFilter()
    ordering = StableOrderingFilter(
        fields=(("announced_on", "announced_on"), ("number", "number"), ("title", "title"))
    )

    class Meta:
        model = Batch
        fields: list[str] = []


class OccupationFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        max_length=SEARCH_MAX_LENGTH,
        label=_(
            "Words or Chinese text found in the name, other names, definition, tasks or job "
            "types (every word must occur)"
        ),
    )
    batch = ReferenceFilter(
        queryset=Batch.objects.all(), to_field_name="slug", label=_("Batch slug")
    )
    year = YearFilter(field_name="batch__announced_on", label=_("Year the batch was announced"))
    green = StrictBooleanFilter(label=_("Green occupation (L)"))
    digital = StrictBooleanFilter(label=_("Digital occupation (S)"))
    group = ReferenceFilter(
        queryset=ClassificationGroup.objects.filter(level=ClassificationGroup.Level.MAJOR),
        to_field_name="code",
        label=_("Major group code (1–8)"),
    )
    code = filters.CharFilter(
        method="filter_code",
        validators=[RegexValidator(CODE_PREFIX_PATTERN, _("Enter a code such as 2-02-10-07."))],
        label=_("Occupation code, or its leading part (2-02-10 finds 2-02-10-07)"),
    )
    has_standard = StrictBooleanFilter(
        method="filter_has_standard", label=_("Has at least one skill standard")
    )
    updated_since = UpdatedSinceFilter()
    ordering = StableOrderingFilter(
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("batch__announced_on", "announced_on"),
            ("updated_at", "updated_at"),
            ("id", "id"),
        )
    )

    class Meta:
        model = Occupation
        fields: list[str] = []

    def filter_q(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        return queryset.search(value)

    def filter_code(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        return queryset.filter(models.Q(code=value) | models.Q(code__startswith=f"{value}-"))

    def filter_has_standard(
        self, queryset: models.QuerySet, name: str, value: bool
    ) -> models.QuerySet:
        has = models.Exists(SkillStandard.objects.filter(occupation=models.OuterRef("pk")))
        return queryset.filter(has if value else ~has)


class StandardFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=SkillStandard.Kind.choices, label=_("Kind"))
    occupation = ReferenceFilter(queryset=Occupation.objects.all(), label=_("Occupation id"))
    batch = ReferenceFilter(
        field_name="occupation__batch",
        queryset=Batch.objects.all(),
        to_field_name="slug",
        label=_("Batch slug of the occupation"),
    )
    updated_since = UpdatedSinceFilter()
    ordering = StableOrderingFilter(
        fields=(("title", "title"), ("issued_on", "issued_on"), ("id", "id"))
    )

    class Meta:
        model = SkillStandard
        fields: list[str] = []


# Serializers -------------------------------------------------------------------------------


def label(field: str, help_text: str = "") -> serializers.CharField:
    """A label held in both languages, in the response's language (``?lang=`` or
    Accept-Language) or else the other; ``Content-Language`` says which was asked for."""
    return serializers.CharField(source=f"localized_{field}", read_only=True, help_text=help_text)


AUTHORITY_NAMES = {"slug_field": "localized_name", "many": True, "read_only": True}


class GroupSummarySerializer(serializers.ModelSerializer):
    title = label("title")

    class Meta:
        model = ClassificationGroup
        fields = ["code", "title"]


class BatchSummarySerializer(serializers.ModelSerializer):
    title = label("title")

    class Meta:
        model = Batch
        fields = ["slug", "title", "announced_on", "announced_precision"]


class StandardSummarySerializer(serializers.ModelSerializer):
    title = label("title")

    class Meta:
        model = SkillStandard
        fields = ["id", "title", "kind"]


class JobTypeSerializer(serializers.ModelSerializer):
    other_names = StringListField(help_text=_("Other names or translations the sources give."))

    class Meta:
        model = JobType
        fields = ["name", "language", "other_names", "provenance"]


class OccupationSerializer(serializers.ModelSerializer):
    name = label("name")
    alternative_names = StringListField(
        source="localized_alternative_names",
        read_only=True,
        help_text=_("Other names, in the language of the name where held in both."),
    )
    tasks = StringListField(help_text=_("Main tasks, in order."))
    job_types = StringListField(
        read_only=True, help_text=_("Names of the occupation's job types, in order.")
    )
    job_type_records = JobTypeSerializer(
        many=True,
        read_only=True,
        help_text=_("The job types with their language, other names and provenance."),
    )
    group = GroupSummarySerializer(allow_null=True, help_text=_("Major group."))
    batch = BatchSummarySerializer()
    standards = StandardSummarySerializer(many=True, source="standard_list")
    url = AbsoluteUrlField(view_name="api:occupation-detail")

    class Meta:
        model = Occupation
        fields = [
            "id",
            "code",
            "name",
            "alternative_names",
            "definition",
            "tasks",
            "job_types",
            "job_type_records",
            "green",
            "digital",
            "group",
            "batch",
            "standards",
            "url",
        ]


class BatchOccupationSerializer(serializers.ModelSerializer):
    name = label("name")
    url = AbsoluteUrlField(view_name="api:occupation-detail")

    class Meta:
        model = Occupation
        fields = ["id", "code", "name", "green", "digital", "url"]


class BatchSerializer(serializers.ModelSerializer):
    title = label("title")
    authorities = serializers.SlugRelatedField(**AUTHORITY_NAMES)
    occupation_count = serializers.IntegerField(
        source="occupation_total", help_text=_("Occupations published in this batch.")
    )
    url = AbsoluteUrlField(view_name="api:batch-detail", lookup_field="slug")

    class Meta:
        model = Batch
        fields = [
            "slug",
            "number",
            "title",
            "announced_on",
            "announced_precision",
            "authorities",
            "occupation_count",
            "announced_count",
            "url",
        ]


class BatchDetailSerializer(BatchSerializer):
    occupations = BatchOccupationSerializer(many=True)

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "occupations"]


class StandardOccupationSerializer(serializers.ModelSerializer):
    name = label("name")

    class Meta:
        model = Occupation
        fields = ["id", "name", "code"]


class StandardLevelSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = StandardLevel
        fields = ["rank", "key", "name"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, level: StandardLevel) -> str:
        # The API's vocabulary does not change with the reader's language.
        with translation.override("en"):
            return level.name


class StandardSerializer(serializers.ModelSerializer):
    title = label("title")
    occupation = StandardOccupationSerializer()
    authorities = serializers.SlugRelatedField(**AUTHORITY_NAMES)
    directions = StringListField(help_text=_("Occupational directions, if the standard splits."))
    levels = StandardLevelSerializer(many=True, help_text=_("Lowest level first."))

    class Meta:
        model = SkillStandard
        fields = [
            "id",
            "title",
            "kind",
            "occupation",
            "issued_on",
            "issued_precision",
            "authorities",
            "directions",
            "levels",
        ]


# Viewsets ----------------------------------------------------------------------------------


@extend_schema_view(
    list=list_schema(
        BatchSerializer,
        description="Published batches of new occupations.",
        parameters=LIST_RELEASE_PARAMETERS,
    ),
    retrieve=detail_schema(
        BatchDetailSerializer,
        description="One published batch, with its occupations.",
        parameters=DETAIL_RELEASE_PARAMETERS,
    ),
)
class BatchViewSet(ReleaseReadsMixin, ReadOnlyApiViewSet):
    release_record_type = RecordType.BATCH
    serializer_class = BatchSerializer
    filterset_class = BatchFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    csv_name = "batches"
    csv_columns = flat_columns(BatchSerializer())

    def get_serializer_class(self):
        return BatchDetailSerializer if self.action == "retrieve" else BatchSerializer

    def get_queryset(self) -> models.QuerySet:
        return Batch.objects.all()

    def decorate(self, queryset: models.QuerySet) -> models.QuerySet:
        queryset = queryset.with_occupation_count().prefetch_related("authorities")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                models.Prefetch("occupations", queryset=Occupation.objects.order_by("position"))
            )
        return queryset

    def release_detail_extra(self, release: Release, row: ReleaseRecord) -> dict[str, Any]:
        # The batch's occupations as they were in the release, as the live detail lists them.
        occupations = ReleaseRecord.objects.in_release(release).filter(
            record_type=RecordType.OCCUPATION, data__batch__slug=row.key
        )
        fields = list(BatchOccupationSerializer.Meta.fields)
        urls = RecordUrls("api:occupation-detail", "pk", self.request.build_absolute_uri("/")[:-1])
        listed = []
        for occupation in occupations.order_by("record_id"):
            record = {**occupation.data, "url": urls(occupation.key)}
            listed.append({name: record.get(name) for name in fields})
        return {"occupations": listed}

    def freshness(self, queryset: models.QuerySet) -> dict[str, Any]:
        # Without joins, as OccupationViewSet.freshness(): occupation counts and the
        # occupations of a batch change only with the occupations' count or latest change.
        return queryset.order_by().aggregate(
            count=models.Count("*"),
            last_modified=models.Max("updated_at"),
            occupation_rows=whole_table(Occupation, models.Count("*")),
            occupations_modified=whole_table(Occupation, models.Max("updated_at")),
            authorities_modified=whole_table(Authority, models.Max("updated_at")),
        )


@extend_schema_view(
    list=list_schema(
        OccupationSerializer,
        description="Published occupations of the registry.",
        parameters=LIST_RELEASE_PARAMETERS,
    ),
    retrieve=detail_schema(
        OccupationSerializer,
        description="One published occupation.",
        parameters=[ID_PARAMETER, *DETAIL_RELEASE_PARAMETERS],
    ),
)
class OccupationViewSet(ReleaseReadsMixin, ReadOnlyApiViewSet):
    release_record_type = RecordType.OCCUPATION
    serializer_class = OccupationSerializer
    filterset_class = OccupationFilter
    lookup_value_regex = ID_REGEX
    csv_name = "occupations"
    # The CSV lists job types by name (job_types); their records, with lists inside lists, are
    # in the JSON only.
    csv_columns = [
        column
        for column in flat_columns(OccupationSerializer())
        if not column.startswith("job_type_records.")
    ]

    def get_queryset(self) -> models.QuerySet:
        return Occupation.objects.published()

    def decorate(self, queryset: models.QuerySet) -> models.QuerySet:
        # Only the columns the serializer shows: search_text alone is as long as the record.
        return (
            queryset.with_related()
            .with_standards("title", "language", "translated_title", "kind")
            .defer("search_text", "sources", "notes", "batch__sources", "batch__notes")
        )

    def freshness(self, queryset: models.QuerySet) -> dict[str, Any]:
        # No joins: the filtered occupations, then every batch, group and standard as a
        # whole, each read from an index (a change to any of them changes the validators of
        # every list, which is rare enough). Counts catch deletions; a new or changed row
        # carries the latest updated_at.
        return queryset.order_by().aggregate(
            count=models.Count("*"),
            last_modified=models.Max("updated_at"),
            batch_modified=whole_table(Batch, models.Max("updated_at")),
            group_modified=whole_table(ClassificationGroup, models.Max("updated_at")),
            standards_modified=whole_table(SkillStandard, models.Max("updated_at")),
            standard_rows=whole_table(SkillStandard, models.Count("*")),
        )


@extend_schema_view(
    list=list_schema(
        StandardSerializer,
        description="National occupational skill standards.",
        parameters=LIST_RELEASE_PARAMETERS,
    ),
    retrieve=detail_schema(
        StandardSerializer,
        description="One skill standard.",
        parameters=[ID_PARAMETER, *DETAIL_RELEASE_PARAMETERS],
    ),
)
class StandardViewSet(ReleaseReadsMixin, ReadOnlyApiViewSet):
    release_record_type = RecordType.STANDARD
    serializer_class = StandardSerializer
    filterset_class = StandardFilter
    lookup_value_regex = ID_REGEX
    csv_name = "standards"
    csv_columns = flat_columns(StandardSerializer())

    def get_queryset(self) -> models.QuerySet:
        return SkillStandard.objects.all()

    def decorate(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("occupation").prefetch_related(
            "authorities",
            models.Prefetch("levels", queryset=StandardLevel.objects.order_by("rank")),
        )

    def freshness(self, queryset: models.QuerySet) -> dict[str, Any]:
        # Without joins, as OccupationViewSet.freshness(). Levels change only through their
        # standard's admin form, which saves the standard and so moves its updated_at.
        return queryset.order_by().aggregate(
            count=models.Count("*"),
            last_modified=models.Max("updated_at"),
            occupation_modified=whole_table(Occupation, models.Max("updated_at")),
            authorities_modified=whole_table(Authority, models.Max("updated_at")),
        )
