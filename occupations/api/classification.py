"""``/api/v1/classification/``: the classification itself as one document — its editions, the
earlier releases of new occupations the registry holds only totals of, and a summary of each
batch — every date in the ISO form of its precision, every record with its sources and
provenance. Routed in ``occupations.api.routes``; the page is ``/classification/``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import conditional
from core.api.relations import AbsoluteUrlField
from core.api.schema import (
    COMMON_RESPONSES,
    LANG_PARAMETER,
    VALIDATION_ERROR_SCHEMA,
    VALIDATOR_HEADERS,
    ApiAutoSchema,
)
from core.api.viewsets import ReadOnlyApiViewSet
from occupations.classification import History, classification_history
from occupations.models import Batch, ClassificationEdition, ReleasePeriod, iso_date

SOURCE_SCHEMA = {
    "type": "object",
    "properties": {"file": {"type": "string"}, "quote": {"type": "string"}},
    "required": ["file", "quote"],
}
PROVENANCE_SCHEMA = {
    "type": "object",
    "description": (
        "Facts of the record that its sources' sentences do not state, by field name: "
        '{"basis": "inference", "rule"}, {"basis": "reference", "reference"}, '
        '{"basis": "disagreement", "readings": [{"value", "file", "quote"}, ...], "rule"} or '
        '{"basis": "source", "file", "quote"}. A field not named is supported by "sources".'
    ),
    "additionalProperties": {
        "type": "object",
        "properties": {"basis": {"enum": ["inference", "reference", "disagreement", "source"]}},
        "required": ["basis"],
    },
}


@extend_schema_field({"type": "array", "items": SOURCE_SCHEMA})
class SourcesField(serializers.JSONField):
    pass


@extend_schema_field(PROVENANCE_SCHEMA)
class ProvenanceField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
        "description": "ISO 8601 at its precision: 2019-04, 2024 or 2020-07-06.",
    }
)
class IsoDateField(serializers.Field):
    """A stored date written at its precision (``occupations.models.iso_date``)."""

    def __init__(self, precision_field: str, **kwargs: Any) -> None:
        self.precision_field = precision_field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record: Any) -> str | None:
        date_field = self.field_name
        return iso_date(getattr(record, date_field), getattr(record, self.precision_field))


class ClassificationEditionSerializer(serializers.ModelSerializer):
    issued_on = IsoDateField("issued_precision")
    sources = SourcesField()
    provenance = ProvenanceField()

    class Meta:
        model = ClassificationEdition
        fields = [
            "year",
            "issued_on",
            "issued_precision",
            "revision",
            "major_group_count",
            "occupation_count",
            "sources",
            "provenance",
        ]


class ReleasePeriodSerializer(serializers.ModelSerializer):
    sources = SourcesField()
    provenance = ProvenanceField()

    class Meta:
        model = ReleasePeriod
        fields = [
            "started_year",
            "ended_year",
            "batch_count",
            "occupation_count",
            "occupation_count_is_minimum",
            "sources",
            "provenance",
        ]


class ClassificationBatchSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="localized_title")
    title_language = serializers.CharField(
        source="localized_title_language", help_text=_("The language the title is written in.")
    )
    announced_on = IsoDateField("announced_precision")
    named_count = serializers.IntegerField(
        source="occupation_total",
        help_text=_("Occupations of the batch the sources name, all in the registry."),
    )
    sources = SourcesField()
    provenance = ProvenanceField()
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
            "announced_count",
            "named_count",
            "sources",
            "provenance",
            "url",
        ]


class ClassificationSerializer(serializers.Serializer):
    editions = ClassificationEditionSerializer(
        many=True, help_text=_("The editions, oldest first.")
    )
    release_periods = ReleasePeriodSerializer(
        source="periods",
        many=True,
        help_text=_("Earlier releases of new occupations, known only by their totals."),
    )
    batches = ClassificationBatchSerializer(
        many=True, help_text=_("The batches of new occupations, oldest first.")
    )


class OneDocumentSchema(ApiAutoSchema):
    """The schema of a list route that answers one object, not an array of them."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


@extend_schema(
    description=(
        "The classification itself, as one document: its editions (1999, 2015, 2022, with the "
        "counts the sources state), the earlier releases of new occupations known only by "
        "their totals, and a summary of each batch, oldest first, each record with its "
        "sources and provenance. Dates are ISO 8601 at their precision."
    ),
    parameters=[LANG_PARAMETER, *VALIDATOR_HEADERS],
    responses={
        (200, "application/json"): ClassificationSerializer,
        (400, "application/json"): OpenApiResponse(
            VALIDATION_ERROR_SCHEMA, description="A query parameter has an invalid value."
        ),
        **COMMON_RESPONSES,
    },
)
class ClassificationViewSet(ReadOnlyApiViewSet):
    """One document, no detail route; JSON only (a CSV has no shape for three lists)."""

    routed_actions = ("list",)
    schema = OneDocumentSchema()
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    serializer_class = ClassificationSerializer
    pagination_class = None  # type: ignore[assignment]

    def get_queryset(self):  # the document reads three tables (occupations.classification)
        return ClassificationEdition.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        history: History = classification_history()
        data = self.get_serializer(history).data
        validators = None
        if self.uses_validators():
            # Editions and periods keep no time of change: the validator is the content's own.
            digest = hashlib.sha256(
                json.dumps(data, sort_keys=True, default=str).encode()
            ).hexdigest()
            validators = conditional.validators_for(
                [self.basename, request.accepted_media_type, get_language()], {"data": digest}
            )
            not_modified = self.not_modified(validators)
            if not_modified is not None:
                return not_modified
        return self.with_validators(Response(data), validators)
