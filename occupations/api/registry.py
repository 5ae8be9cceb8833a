"""Read-only REST API of the registry: published batches, occupations and skill
standards, with their filters. Routed in ``occupations.api.routes``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.conditional import whole_table
from core.api.filters import (
    StableOrderingFilter,
    StrictBooleanFilter,
    UpdatedSinceFilter,
    YearFilter,
)
from core.api.pagination import ApiPagination
from core.api.relations import AbsoluteUrlField
from core.api.renderers import flat_columns
from core.api.schema import ID_PARAMETER, VALIDATION_ERROR_SCHEMA, detail_schema, list_schema
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
    Language,
    Lineage,
    Occupation,
    OccupationVersion,
    RecordType,
    Release,
    ReleaseRecord,
    SkillStandard,
    StandardLevel,
    iso_date,
    preferred_language,
)

# Read parameters every registry list and detail takes.
LIST_RELEASE_PARAMETERS = [RELEASE_PARAMETER, SINCE_RELEASE_PARAMETER]
DETAIL_RELEASE_PARAMETERS = [RELEASE_PARAMETER]

# A full occupation code or any leading part of one: "2", "2-02", "2-02-10", "2-02-10-07".
CODE_PREFIX_PATTERN = r"^[1-8](-[0-9]{2}){0,3}$"


class StringListField(serializers.ListField):
    child = serializers.CharField()


# A date in the ISO 8601 form of its precision: "2024", "2019-04" or "2020-07-06".
ISO_DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


@extend_schema_field(
    {"type": "string", "pattern": ISO_DATE_PATTERN, "nullable": True, "example": "2019-04"}
)
class PreciseDateField(serializers.Field):
    """A date written no more precisely than its source states it (``iso_date``): "2019-04"
    for April 2019, "2024" for 2024, a day only for a day; null when not known. The
    ``<name>_precision`` field beside it says the same in a word."""

    def __init__(self, date_field: str, precision_field: str, **kwargs: Any) -> None:
        self.date_field, self.precision_field = date_field, precision_field
        kwargs.setdefault(
            "help_text",
            _(
                "ISO 8601 at the precision the source states: YYYY, YYYY-MM or YYYY-MM-DD; "
                "null when not known."
            ),
        )
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> str | None:
        return iso_date(getattr(instance, self.date_field), getattr(instance, self.precision_field))


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


MARKER_VALUES = ("true", "false", "unknown")


class MarkerField(forms.ChoiceField):
    """``true`` (marked), ``false`` (a source excludes it) or ``unknown`` (no source says)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["choices"] = [(value, value) for value in MARKER_VALUES]
        super().__init__(*args, **kwargs)
        self.error_messages["invalid_choice"] = _("Enter true, false or unknown.")


@extend_schema_field({"type": "string", "enum": list(MARKER_VALUES)})
class MarkerFilter(filters.Filter):
    """A marker that is true, false or not known (null): ``unknown`` finds the occupations no
    source marks or excludes."""

    field_class = MarkerField

    def filter(self, qs: models.QuerySet, value: str) -> models.QuerySet:
        if not value:
            return qs
        if value == "unknown":
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return qs.filter(**{self.field_name: value == "true"})


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
    green = MarkerFilter(
        label=_(
            "Green occupation (L): true (marked by a source), false (excluded by a source) or "
            "unknown (no source says)"
        )
    )
    digital = MarkerFilter(
        label=_(
            "Digital occupation (S): true (marked by a source), false (excluded by a source) "
            "or unknown (no source says)"
        )
    )
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
    """A label held in both languages, in the asked language (``?lang=`` or Accept-Language)
    or else the other; ``<field>_language`` (``label_language``) says which it is in."""
    return serializers.CharField(source=f"localized_{field}", read_only=True, help_text=help_text)


def label_language(field: str) -> serializers.ChoiceField:
    """The language the label ``field`` is given in: where a label is held in one language
    only, it is given in that language whatever was asked."""
    return serializers.ChoiceField(
        source=f"localized_{field}_language",
        choices=Language.choices,
        read_only=True,
        help_text=_("The language %(field)s is written in: zh-hans or en.") % {"field": field},
    )


class ProvenanceSerializer(serializers.Serializer):
    """Where the record's facts come from (``occupations.provenance``): ``sources``, the
    sentences it is copied from; ``fields``, by field name, each fact that does not come
    from them: ``{"basis": "inference", "rule"}``, ``{"basis": "reference", "reference"}``,
    ``{"basis": "disagreement", "readings": [{"value", "file", "quote"}, …], "rule"}`` or
    ``{"basis": "source", "file", "quote"}``. A field not named is supported by the
    sources. In CSV and XLSX: one column, the object as JSON."""

    csv_single_column = True

    sources = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text=_("The sentences the record is copied from: file and quote."),
    )
    fields = serializers.DictField(
        source="provenance",
        child=serializers.DictField(),
        help_text=_("By field name: how a fact not from the sources is known."),
    )


def record_provenance() -> ProvenanceSerializer:
    return ProvenanceSerializer(
        source="*",
        read_only=True,
        help_text=_("Where the record's facts come from: its sources and, per field, the rest."),
    )


AUTHORITY_NAMES = {"slug_field": "localized_name", "many": True, "read_only": True}


def authority_name_language(authority: Authority) -> str:
    """The language ``Authority.localized_name`` gives: Chinese where asked and held."""
    chinese = preferred_language() == Language.ZH_HANS and bool(authority.name_zh)
    return Language.ZH_HANS if chinese else Language.EN


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": ["zh-hans", "en"]}})
class AuthorityLanguagesField(serializers.Field):
    """The language of each of ``authorities``, in the same order: an authority whose
    Chinese name the registry does not hold is named in English on a Chinese response."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            _("The language of each name in authorities, in the same order: zh-hans or en."),
        )
        super().__init__(source="authorities", read_only=True, **kwargs)

    def to_representation(self, authorities: Any) -> list[str]:
        return [authority_name_language(authority) for authority in authorities.all()]


class GroupSummarySerializer(serializers.ModelSerializer):
    title = label("title")
    title_language = label_language("title")

    class Meta:
        model = ClassificationGroup
        fields = ["code", "title", "title_language"]


class BatchSummarySerializer(serializers.ModelSerializer):
    title = label("title")
    title_language = label_language("title")
    announced_on = PreciseDateField("announced_on", "announced_precision")

    class Meta:
        model = Batch
        fields = ["slug", "title", "title_language", "announced_on", "announced_precision"]


class StandardSummarySerializer(serializers.ModelSerializer):
    title = label("title")
    title_language = label_language("title")

    class Meta:
        model = SkillStandard
        fields = ["id", "title", "title_language", "kind"]


MARKER_HELP = _(
    "true where a source marks the occupation, false where a source excludes it, null where "
    "no source says (not known)."
)


class JobTypeSerializer(serializers.ModelSerializer):
    other_names = StringListField(help_text=_("Other names or translations the sources give."))
    batch = serializers.CharField(
        source="batch.slug",
        allow_null=True,
        read_only=True,
        help_text=_("The slug of the batch that announced the job type; null if not known."),
    )

    provenance = record_provenance()

    class Meta:
        model = JobType
        fields = ["name", "language", "other_names", "batch", "provenance"]


class ReplacesSerializer(serializers.ModelSerializer):
    """A record this occupation comes from."""

    occupation = serializers.IntegerField(
        source="from_occupation_id",
        allow_null=True,
        read_only=True,
        help_text=_("The id of the occupation merged, split or replaced into this one."),
    )
    job_type = serializers.CharField(
        source="from_job_type.name",
        allow_null=True,
        read_only=True,
        help_text=_("The name of the job type upgraded to this occupation."),
    )
    batch = serializers.CharField(source="batch.slug", read_only=True)

    class Meta:
        model = Lineage
        fields = ["kind", "occupation", "job_type", "batch"]


class ReplacedBySerializer(serializers.ModelSerializer):
    """An occupation that took this one's place."""

    occupation = serializers.IntegerField(source="to_occupation_id", read_only=True)
    batch = serializers.CharField(source="batch.slug", read_only=True)

    class Meta:
        model = Lineage
        fields = ["kind", "occupation", "batch"]


class OccupationVersionSerializer(serializers.ModelSerializer):
    """One numbered version of an occupation."""

    version = serializers.IntegerField(source="number", read_only=True)
    batch = serializers.CharField(
        source="batch.slug", read_only=True, help_text=_("The batch that published it.")
    )
    consultation = serializers.SerializerMethodField(
        help_text=_("The slug of the consultation that consulted it; null if none did.")
    )
    changes = serializers.JSONField(
        read_only=True,
        help_text=_("Each field changed from the version before: {field: {old, new}}."),
    )
    text = serializers.JSONField(read_only=True, help_text=_("The occupation's text then."))

    class Meta:
        model = OccupationVersion
        fields = ["version", "batch", "consultation", "retired", "changes", "text"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_consultation(self, version: OccupationVersion) -> str | None:
        consultation = version.consultation
        return consultation.slug if consultation is not None else None


class OccupationSerializer(serializers.ModelSerializer):
    name = label("name")
    name_language = label_language("name")
    alternative_names = StringListField(
        source="localized_alternative_names",
        read_only=True,
        help_text=_("Other names, in the language of the name where held in both."),
    )
    alternative_names_language = label_language("alternative_names")
    language = serializers.ChoiceField(
        choices=Language.choices,
        read_only=True,
        help_text=_("The language the definition and tasks are written in."),
    )
    green = serializers.BooleanField(allow_null=True, read_only=True, help_text=MARKER_HELP)
    digital = serializers.BooleanField(allow_null=True, read_only=True, help_text=MARKER_HELP)
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
    provenance = record_provenance()
    version = serializers.IntegerField(
        read_only=True, help_text=_("1 at first publication, one more per published change.")
    )
    retired = serializers.BooleanField(read_only=True)
    retired_in = serializers.CharField(
        source="retired_in.slug",
        allow_null=True,
        read_only=True,
        help_text=_("The slug of the batch that retired the occupation; null while in force."),
    )
    replaces = ReplacesSerializer(many=True, read_only=True, source="lineage_in")
    replaced_by = ReplacedBySerializer(many=True, read_only=True, source="lineage_out")
    url = AbsoluteUrlField(view_name="api:occupation-detail")

    class Meta:
        model = Occupation
        fields = [
            "id",
            "code",
            "name",
            "name_language",
            "alternative_names",
            "alternative_names_language",
            "language",
            "definition",
            "tasks",
            "job_types",
            "job_type_records",
            "green",
            "digital",
            "group",
            "batch",
            "standards",
            "provenance",
            "version",
            "retired",
            "retired_in",
            "replaces",
            "replaced_by",
            "url",
        ]


class BatchOccupationSerializer(serializers.ModelSerializer):
    name = label("name")
    name_language = label_language("name")
    green = serializers.BooleanField(allow_null=True, read_only=True, help_text=MARKER_HELP)
    digital = serializers.BooleanField(allow_null=True, read_only=True, help_text=MARKER_HELP)
    url = AbsoluteUrlField(view_name="api:occupation-detail")

    class Meta:
        model = Occupation
        fields = ["id", "code", "name", "name_language", "green", "digital", "url"]


class BatchSerializer(serializers.ModelSerializer):
    title = label("title")
    title_language = label_language("title")
    announced_on = PreciseDateField("announced_on", "announced_precision")
    authorities = serializers.SlugRelatedField(**AUTHORITY_NAMES)
    authorities_language = AuthorityLanguagesField()
    occupation_count = serializers.IntegerField(
        source="occupation_total",
        help_text=_("Occupations published in this batch (the same as named_count)."),
    )
    announced_count = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text=_(
            "How many occupations the announcement said; may exceed named_count. Null if not "
            "stated."
        ),
    )
    named_count = serializers.IntegerField(
        source="occupation_total",
        help_text=_(
            "How many of the announced occupations the registry names (the sources name only "
            "some of a batch's occupations where this is below announced_count)."
        ),
    )
    provenance = record_provenance()
    url = AbsoluteUrlField(view_name="api:batch-detail", lookup_field="slug")

    class Meta:
        model = Batch
        fields = [
            "slug",
            "number",
            "title",
            "title_language",
            "announced_on",
            "announced_precision",
            "authorities",
            "authorities_language",
            "occupation_count",
            "announced_count",
            "named_count",
            "provenance",
            "url",
        ]


class BatchDetailSerializer(BatchSerializer):
    occupations = BatchOccupationSerializer(many=True)

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "occupations"]


class StandardOccupationSerializer(serializers.ModelSerializer):
    name = label("name")
    name_language = label_language("name")

    class Meta:
        model = Occupation
        fields = ["id", "name", "name_language", "code"]


class StandardLevelSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(
        help_text=_("The level's name in the asked language (``key`` does not change).")
    )

    class Meta:
        model = StandardLevel
        fields = ["rank", "key", "name"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, level: StandardLevel) -> str:
        # In the language asked for (?lang= or Accept-Language), as the labels are; the key
        # is the vocabulary that does not change.
        with translation.override(preferred_language()):
            return level.name


class StandardSerializer(serializers.ModelSerializer):
    title = label("title")
    title_language = label_language("title")
    issued_on = PreciseDateField("issued_on", "issued_precision")
    issued_precision = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text=_(
            "How much of issued_on the source states: day, month or year; null when "
            "issued_on is null."
        ),
    )
    occupation = StandardOccupationSerializer()
    authorities = serializers.SlugRelatedField(**AUTHORITY_NAMES)
    authorities_language = AuthorityLanguagesField()
    directions = StringListField(help_text=_("Occupational directions, if the standard splits."))
    levels = StandardLevelSerializer(many=True, help_text=_("Lowest level first."))

    class Meta:
        model = SkillStandard
        fields = [
            "id",
            "title",
            "title_language",
            "kind",
            "occupation",
            "issued_on",
            "issued_precision",
            "authorities",
            "authorities_language",
            "directions",
            "levels",
            "provenance",
        ]

    provenance = record_provenance()


# Viewsets ----------------------------------------------------------------------------------

MARKERS = ("green", "digital")


def marker_counts() -> dict[str, models.Aggregate]:
    """Per marker, how many rows are true, false and not known, as aggregates that join the
    list's one freshness query."""
    counts = {}
    for marker in MARKERS:
        counts[f"{marker}_true"] = models.Count("pk", filter=models.Q(**{marker: True}))
        counts[f"{marker}_false"] = models.Count("pk", filter=models.Q(**{marker: False}))
        counts[f"{marker}_unknown"] = models.Count(
            "pk", filter=models.Q(**{f"{marker}__isnull": True})
        )
    return counts


def announced_counts(queryset: models.QuerySet) -> dict[str, models.Aggregate]:
    """Of the batches the listed occupations belong to: how many occupations their
    announcements counted (a batch whose announcement gave no number counts those it named),
    and how many of those the registry names. Uncorrelated subqueries, for the list's one
    freshness query."""
    batches = Batch.objects.filter(pk__in=queryset.order_by().values("batch"))
    named_in_batch = (
        Occupation.objects.filter(batch=models.OuterRef("pk"))
        .order_by()
        .values("batch")
        .annotate(named=models.Count("pk"))
        .values("named")
    )
    announced = (
        batches.order_by()
        .annotate(whole=models.Value(1))
        .values("whole")
        .annotate(
            total=models.Sum(
                Coalesce("announced_count", models.Subquery(named_in_batch), models.Value(0))
            )
        )
        .values("total")
    )
    named = (
        Occupation.objects.filter(batch__in=batches)
        .order_by()
        .annotate(whole=models.Value(1))
        .values("whole")
        .annotate(total=models.Count("pk"))
        .values("total")
    )
    return {
        "announced_total": models.Max(models.Subquery(announced)),
        "named_total": models.Max(models.Subquery(named)),
    }


MARKER_COUNT_SCHEMA = {
    "type": "object",
    "properties": {
        "true": {"type": "integer", "description": "Marked by a source."},
        "false": {"type": "integer", "description": "Excluded by a source."},
        "unknown": {"type": "integer", "description": "No source says: not known."},
    },
    "required": ["true", "false", "unknown"],
}


class OccupationPagination(ApiPagination):
    summary_schema = {
        "announced": {
            "type": "object",
            "description": (
                "Of the batches the filtered occupations belong to: `announced_count`, how "
                "many occupations their announcements counted (a batch that gave no number "
                "counts those it named); `named_count`, how many of them the registry names. "
                "Where named_count is below announced_count, the sources name only some. Live "
                "reads only; absent with release."
            ),
            "properties": {
                "announced_count": {"type": "integer"},
                "named_count": {"type": "integer"},
            },
            "required": ["announced_count", "named_count"],
        },
        "markers": {
            "type": "object",
            "description": (
                "Of the filtered occupations (all pages), how many each marker is true, false "
                "and not known for. Live reads only; absent with release."
            ),
            "properties": {marker: MARKER_COUNT_SCHEMA for marker in MARKERS},
            "required": list(MARKERS),
        },
    }


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
    pagination_class = OccupationPagination
    serializer_class = OccupationSerializer
    filterset_class = OccupationFilter
    lookup_value_regex = ID_REGEX
    csv_name = "occupations"
    # The CSV lists job types by name (job_types); their records, with lists inside lists, are
    # in the JSON only.
    csv_columns = [
        column
        for column in flat_columns(OccupationSerializer())
        if not column.startswith(("job_type_records.", "replaces.", "replaced_by."))
    ]

    def get_queryset(self) -> models.QuerySet:
        return Occupation.objects.published()

    @extend_schema(
        responses={
            200: OccupationVersionSerializer(many=True),
            400: OpenApiResponse(
                VALIDATION_ERROR_SCHEMA, description="A parameter or path refused by name."
            ),
            404: OpenApiTypes.OBJECT,
        },
        parameters=[ID_PARAMETER],
        description="Every version of one occupation, first first: the batch that published "
        "it, the consultation that consulted it, the fields it changed (old and new) and the "
        "whole text then. A retired occupation's last version retired it.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="versions",
        pagination_class=None,
        filter_backends=[],
        renderer_classes=[JSONRenderer, BrowsableAPIRenderer],  # JSON only: no CSV
    )
    def versions(self, request: Request, pk: str) -> Response:
        occupation = self.lookup_queryset().first()
        if occupation is None:
            raise NotFound()
        versions = occupation.versions.select_related("batch__consultation").order_by("number")
        return Response(OccupationVersionSerializer(versions, many=True).data)

    def decorate(self, queryset: models.QuerySet) -> models.QuerySet:
        # Only the columns the serializer shows: search_text alone is as long as the record.
        return (
            queryset.with_related()
            .with_standards("title", "language", "translated_title", "kind")
            .defer("search_text", "notes", "batch__sources", "batch__notes")
        )

    def freshness(self, queryset: models.QuerySet) -> dict[str, Any]:
        # No joins: the filtered occupations, then every batch, group and standard as a
        # whole, each read from an index (a change to any of them changes the validators of
        # every list, which is rare enough). Counts catch deletions; a new or changed row
        # carries the latest updated_at.
        # The marker counts of the list's summary come with the same query.
        return queryset.order_by().aggregate(
            count=models.Count("*"),
            last_modified=models.Max("updated_at"),
            batch_modified=whole_table(Batch, models.Max("updated_at")),
            group_modified=whole_table(ClassificationGroup, models.Max("updated_at")),
            standards_modified=whole_table(SkillStandard, models.Max("updated_at")),
            standard_rows=whole_table(SkillStandard, models.Count("*")),
            **({**marker_counts(), **announced_counts(queryset)} if self.action == "list" else {}),
        )

    def list_summary(
        self, freshness: dict[str, Any] | None, queryset: models.QuerySet
    ) -> dict[str, Any]:
        if freshness is None:
            freshness = queryset.order_by().aggregate(
                **marker_counts(), **announced_counts(queryset)
            )
        return {
            "announced": {
                "announced_count": freshness["announced_total"] or 0,
                "named_count": freshness["named_total"] or 0,
            },
            "markers": {
                marker: {
                    value: freshness[f"{marker}_{value}"] for value in ("true", "false", "unknown")
                }
                for marker in MARKERS
            },
        }


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
